"""Our side of reconciliation: one institution's settlement records of one day, read from the ledger."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from medical_insurance_sdk.engine.ledger import SessionSource
from medical_insurance_sdk.engine.reconcile.records import AMOUNTS, Settlement, node, text_of, to_decimal
from medical_insurance_sdk.engine.settings import InstitutionConfig
from medical_insurance_sdk.protocol.jsoncodec import BEIJING
from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.storage.models import LedgerEntry

# settlement infno → the clearing class its messages belong to when nothing better is known, and
# cancellation → the settlement it undoes: both declared in the registry
SETTLEMENTS = REGISTRY.settlements()
CANCELS = REGISTRY.settlement_cancellations()
COUNTED_STATES = ("SUCCESS", "CONFIRMED")


class LedgerBook:
    """Reads one institution's settlements of one day out of the ledger.

    Only messages sent to `bureau` count (plus rows recorded before the ledger named bureaux): a settlement
    made at another bureau (another URL, profile or embedded sandbox) is not this bureau's to confirm."""

    def __init__(
        self, database: SessionSource, institution: InstitutionConfig, *, bureau: str | None = None
    ) -> None:
        self.database = database
        self.institution = institution
        self.bureau = bureau

    def settlements(self, day: date) -> tuple[list[Settlement], list[str]]:
        """The day's settlement records (one per setl_id and refund flag, sorted), notes on skipped ones."""
        start = datetime.combine(day, time.min, tzinfo=BEIJING)
        # created_at is naive UTC; a day's margin either side catches settlements whose setl_time date
        # differs from the moment we recorded them (around midnight, clocks apart)
        low = _naive_utc(start - timedelta(days=1))
        high = _naive_utc(start + timedelta(days=2))
        notes: list[str] = []
        with self.database.session() as s:
            rows = s.scalars(
                select(LedgerEntry)
                .where(
                    LedgerEntry.institution_code == self.institution.code,
                    LedgerEntry.infno.in_([*SETTLEMENTS, *CANCELS]),
                    LedgerEntry.state.in_(COUNTED_STATES),
                    LedgerEntry.created_at >= low,
                    LedgerEntry.created_at < high,
                )
                .order_by(LedgerEntry.id)
            ).all()
            confirmations = self._responses(s, [r.resolution_msgid for r in rows if r.state == "CONFIRMED"])
            originals = self._originals(s, [r.setl_id for r in rows if r.infno in CANCELS and r.setl_id])
        found: dict[tuple[str, str], Settlement] = {}
        elsewhere = [r for r in rows if self.bureau and r.bureau and r.bureau != self.bureau]
        if elsewhere:
            notes.append(
                f"{len(elsewhere)} 笔结算报文发往另一医保局（{elsewhere[0].bureau}），"
                f"与本次连接的 {self.bureau} 不同，未参与本次对账"
            )
        for row in rows:
            if row in elsewhere:
                continue
            response = (
                confirmations.get(row.resolution_msgid or "") if row.state == "CONFIRMED" else row.response
            )
            info = setlinfo(response)
            if not info:
                notes.append(f"报文 {row.msgid}（{row.infno}）的应答中没有结算信息，未计入对账")
                continue
            if day_of(info, row.created_at) != day:
                continue
            item = self._settlement(row, info, originals)
            if item is None:
                notes.append(f"报文 {row.msgid}（{row.infno}）无法确定结算ID或险种，未计入对账")
                continue
            if item.key in found:
                notes.append(f"结算 {item.setl_id} 在账中出现多次（报文 {row.msgid}），只计一次")
                continue
            found[item.key] = item
        return [found[key] for key in sorted(found)], notes

    def _settlement(
        self, row: LedgerEntry, info: Mapping[str, Any], originals: Mapping[str, Mapping[str, Any]]
    ) -> Settlement | None:
        keys = row.business_keys or {}
        refund = row.infno in CANCELS
        # a cancel belongs to its original's group: its own answer usually lacks insutype and med_type
        origin = originals.get(row.setl_id or "", {}) if refund else {}
        context = {**keys, **origin, **{k: v for k, v in info.items() if v not in (None, "")}}
        # identifiers from the unmasked business keys first: masking rewrites any 18-digit value of the
        # stored answer as if it were an ID number.  Once the answer arrived (SUCCESS), the keys hold its
        # setl_id, for a cancel the new one; a CONFIRMED entry's keys are only its request's.
        own = text_of(keys.get("setl_id")) if row.state == "SUCCESS" else None
        setl_id = own or text_of(info.get("setl_id")) or row.setl_id
        insutype = text_of(context.get("insutype"))
        if not setl_id or not insutype:
            return None
        family = CANCELS.get(row.infno, row.infno)
        sign = Decimal(-1) if refund else Decimal(1)
        return Settlement(
            setl_id=setl_id,
            mdtrt_id=row.mdtrt_id or text_of(info.get("mdtrt_id")) or "",
            psn_no=row.psn_no or text_of(info.get("psn_no")) or "",
            insutype=insutype,
            clr_type=clearing_class(context, family),
            setl_optins=text_of(context.get("clr_optins")) or default_optins(self.institution),
            refund=refund,
            **{name: sign * abs(to_decimal(info.get(name))) for name in AMOUNTS},
        )

    @staticmethod
    def _responses(s: Session, msgids: list[str | None]) -> dict[str, Any]:
        wanted = [m for m in msgids if m]
        if not wanted:
            return {}
        rows = s.execute(select(LedgerEntry.msgid, LedgerEntry.response).where(LedgerEntry.msgid.in_(wanted)))
        return {msgid: response for msgid, response in rows}

    def _originals(self, s: Session, setl_ids: list[str]) -> dict[str, Mapping[str, Any]]:
        """setl_id → the grouping facts of the original settlement (any day) that a cancel undoes."""
        if not setl_ids:
            return {}
        rows = s.scalars(
            select(LedgerEntry).where(
                LedgerEntry.institution_code == self.institution.code,
                LedgerEntry.infno.in_(list(SETTLEMENTS)),
                LedgerEntry.setl_id.in_(setl_ids),
            )
        ).all()
        found: dict[str, Mapping[str, Any]] = {}
        for row in rows:
            info = setlinfo(row.response) or {}
            facts = {**(row.business_keys or {}), **{k: v for k, v in info.items() if v not in (None, "")}}
            found[row.setl_id or ""] = {
                k: facts[k] for k in ("insutype", "med_type", "clr_type", "clr_optins") if facts.get(k)
            }
        return found


def clearing_class(facts: Mapping[str, Any], infno: str) -> str:
    """清算类别 of a settlement: the bureau's clr_type, else from med_type, else from the transaction."""
    given = text_of(facts.get("clr_type"))
    if given:
        return given
    med_type = text_of(facts.get("med_type")) or ""
    if med_type == "41":
        return "41"
    if med_type == "52" or (len(med_type) == 2 and med_type.startswith("2")):
        return "21"
    if med_type == "51" or (len(med_type) == 2 and med_type.startswith("1")):
        return "11"
    return SETTLEMENTS.get(infno, "99")


def default_optins(institution: InstitutionConfig) -> str:
    """The clearing office of a settlement that names none: the institution's 就医地."""
    return institution.envelope.mdtrtarea_admvs


def setlinfo(response: Any) -> Mapping[str, Any] | None:
    """setlinfo of a stored answer (the whole envelope, or a query's output row)."""
    if not isinstance(response, Mapping):
        return None
    output = response.get("output", response)
    info = node(output, "setlinfo") if isinstance(output, Mapping) and "setlinfo" in output else output
    if isinstance(info, list):
        info = info[0] if info else None
    return info if isinstance(info, Mapping) and "medfee_sumamt" in info else None


def day_of(info: Mapping[str, Any], created_at: datetime) -> date:
    """The day of a settlement: its setl_time's date (the bureau's clock), else when we recorded it."""
    setl_time = text_of(info.get("setl_time"))
    if setl_time:
        try:
            return date.fromisoformat(setl_time[:10])
        except ValueError:
            pass  # an unusual spelling: fall back to when we sent it
    return created_at.replace(tzinfo=UTC).astimezone(BEIJING).date()  # created_at is naive UTC


def _naive_utc(moment: datetime) -> datetime:
    return (moment - (moment.utcoffset() or timedelta())).replace(tzinfo=None)
