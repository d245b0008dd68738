"""Daily reconciliation with the bureau: 3201 totals from our ledger, and on a mismatch 9101 + 3202 + 9102.

    report = Reconciler(engine, database).run(institution, "2025-07-14", out_dir=Path("reports"))
    report.balanced, report.csv_path, report.summary_path

Our side is the ledger, never the HIS: the settlements of the day are the SUCCESS / CONFIRMED entries of
2207 / 2304 / 2102 (positive) and of the cancels 2208 / 2305 / 2103 (negative, 退费结算标志 1).  A REVERSED
entry (undone by 2601) is in neither state, so it is not counted.  A cancel is a record of its own (the
bureau gives it its own setl_id; it is a row of the detail file with 退费结算标志 1), but the totals are
net: amounts are summed with their signs and fixmedins_setl_cnt is settlements minus cancels, so a
settlement cancelled the same day nets to zero in amounts and in count.
Amounts come from the stored answer's `setlinfo` (masking leaves amounts alone); for CONFIRMED entries, whose
answer was lost, from the query answer that confirmed them.

Decisions (the reference leaves them open):
- The day of a settlement is the date of setlinfo.setl_time (the bureau's clock), else the Beijing date of
  the moment the message was recorded.
- 3201 goes per (setl_optins, insutype, clr_type).  setl_optins = setlinfo.clr_optins, else the
  institution's 就医地 mdtrtarea_admvs.  clr_type = setlinfo.clr_type when the bureau names it, else from
  med_type (1x and 51 → 11 门诊, 2x and 52 → 21 住院, 41 → 41 药店), else from the transaction
  (2207/2208 → 11, 2304/2305 → 21, 2102/2103 → 41).  Cancels take their original settlement's group.
- 3202 has no insutype field, so its detail file covers every insutype of one (setl_optins, clr_type).
- The 3202 result file is read as the bureau's verdict on every settlement it compared: a row whose
  stmt_rslt is not "0", or whose amounts differ from ours, is a discrepancy; a settlement of ours the
  file does not mention, or lists without amounts or with stmt_rslt "2", is reported as missing at the
  bureau; a row without a settlement of ours is one the bureau has and we do not.
- The report holds no timestamps or msgids, so running the same day twice writes the same files.
"""

from __future__ import annotations

import base64
import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from medical_insurance_sdk.engine.engine import BureauEngine
from medical_insurance_sdk.engine.ledger import SessionSource
from medical_insurance_sdk.engine.settings import InstitutionConfig
from medical_insurance_sdk.exceptions import MedicalInsuranceException
from medical_insurance_sdk.protocol.catalog_file import CatalogReader, CatalogRow, write_catalog
from medical_insurance_sdk.protocol.catalog_layouts import LAYOUTS
from medical_insurance_sdk.protocol.jsoncodec import BEIJING
from medical_insurance_sdk.registry.dictionaries import DICTIONARIES
from medical_insurance_sdk.storage.models import LedgerEntry

# settlement infno → the clearing class its messages belong to when nothing better is known
SETTLEMENTS = {"2207": "11", "2304": "21", "2102": "41"}
CANCELS = {"2208": "2207", "2305": "2304", "2103": "2102"}  # cancel → the settlement it undoes
COUNTED_STATES = ("SUCCESS", "CONFIRMED")
AMOUNTS = ("medfee_sumamt", "fund_pay_sumamt", "acct_pay", "psn_cash_pay")
COMPARED = ("medfee_sumamt", "fund_pay_sumamt", "acct_pay")  # the amounts of the 3202 files
LABELS = {
    "medfee_sumamt": "医疗费总额",
    "fund_pay_sumamt": "基金支付总额",
    "acct_pay": "个人账户支出",
    "psn_cash_pay": "个人现金支出",
}
BALANCED = "0"
# The national dictionary knows stmt_rslt 0 平 / 1 不平 only; a result row may carry finer codes (the
# sandbox does): 2 = only in our file, 3 = only at the bureau.  Other codes are read as 不平.
ONLY_OURS = "2"
MISSING_AT_BUREAU = "本院账有此结算，医保中心没有（医保未结算成功或已冲正，需核实）"
ZERO = Decimal("0")
CENT = Decimal("0.01")

GroupKey = tuple[str, str, str]  # setl_optins, insutype, clr_type
DetailKey = tuple[str, str]  # setl_optins, clr_type


# ---------------------------------------------------------------------------------------------- records
@dataclass(frozen=True)
class Settlement:
    """One settlement record of our ledger, as the detail file and the totals see it."""

    setl_id: str
    mdtrt_id: str
    psn_no: str
    insutype: str
    clr_type: str
    setl_optins: str
    refund: bool
    medfee_sumamt: Decimal
    fund_pay_sumamt: Decimal
    acct_pay: Decimal
    psn_cash_pay: Decimal

    @property
    def key(self) -> tuple[str, str]:
        return self.setl_id, "1" if self.refund else "0"

    @property
    def group(self) -> GroupKey:
        return self.setl_optins, self.insutype, self.clr_type

    def amount(self, name: str) -> Decimal:
        value: Decimal = getattr(self, name)
        return value

    def detail_row(self) -> dict[str, Any]:
        """The 7 columns of the 3202 upload file."""
        return {
            "setl_id": self.setl_id,
            "mdtrt_id": self.mdtrt_id,
            "psn_no": self.psn_no,
            "medfee_sumamt": _money(self.medfee_sumamt),
            "fund_pay_sumamt": _money(self.fund_pay_sumamt),
            "acct_pay": _money(self.acct_pay),
            "refd_setl_flag": self.key[1],
        }


@dataclass
class Totals:
    """Net totals: `count` is settlements minus cancels (fixmedins_setl_cnt), `records` the rows."""

    count: int = 0
    records: int = 0
    medfee_sumamt: Decimal = ZERO
    fund_pay_sumamt: Decimal = ZERO
    acct_pay: Decimal = ZERO
    psn_cash_pay: Decimal = ZERO

    @classmethod
    def of(cls, items: Iterable[Settlement]) -> Totals:
        totals = cls()
        for item in items:
            totals.count += -1 if item.refund else 1
            totals.records += 1
            for name in AMOUNTS:
                setattr(totals, name, getattr(totals, name) + item.amount(name))
        return totals

    def as_dict(self) -> dict[str, Any]:
        amounts = {name: _money(getattr(self, name)) for name in AMOUNTS}
        return {"count": self.count, "records": self.records, **amounts}


@dataclass
class GroupResult:
    """The 3201 answer for one (setl_optins, insutype, clr_type)."""

    setl_optins: str
    insutype: str
    clr_type: str
    ours: Totals
    stmt_rslt: str | None = None
    stmt_rslt_dscr: str | None = None
    error: str | None = None

    @property
    def balanced(self) -> bool:
        return self.error is None and self.stmt_rslt == BALANCED

    def as_dict(self) -> dict[str, Any]:
        return {
            "setl_optins": self.setl_optins,
            "insutype": self.insutype,
            "clr_type": self.clr_type,
            "balanced": self.balanced,
            "stmt_rslt": self.stmt_rslt,
            "stmt_rslt_dscr": self.stmt_rslt_dscr,
            "ours": self.ours.as_dict(),
            "error": self.error,
        }


@dataclass
class DetailResult:
    """The 3202 round for one (setl_optins, clr_type): what we uploaded and what the bureau listed."""

    setl_optins: str
    clr_type: str
    ours: Totals
    bureau: Totals | None = None
    bad_rows: list[str] = field(default_factory=list)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "setl_optins": self.setl_optins,
            "clr_type": self.clr_type,
            "ours": self.ours.as_dict(),
            # the result file has no cash column: the bureau's cash total is not known
            "bureau": _without_cash(self.bureau.as_dict()) if self.bureau else None,
            "bad_rows": self.bad_rows,
            "error": self.error,
        }


@dataclass(frozen=True)
class Discrepancy:
    """One settlement on which we and the bureau differ, and why (Chinese)."""

    setl_id: str
    refd_setl_flag: str
    mdtrt_id: str
    psn_no: str
    insutype: str
    clr_type: str
    ours: Mapping[str, Decimal] | None
    bureau: Mapping[str, Decimal | None] | None
    stmt_rslt: str | None
    reason: str


@dataclass
class ReconcileReport:
    institution: str
    day: date
    groups: list[GroupResult]
    details: list[DetailResult]
    discrepancies: list[Discrepancy]
    notes: list[str]
    csv_path: Path | None = None
    summary_path: Path | None = None
    json_path: Path | None = None

    @property
    def balanced(self) -> bool:
        return (
            all(g.balanced for g in self.groups)
            and not self.discrepancies
            and not any(d.error for d in self.details)
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "institution": self.institution,
            "date": self.day.isoformat(),
            "balanced": self.balanced,
            "groups": [g.as_dict() for g in self.groups],
            "details": [d.as_dict() for d in self.details],
            "discrepancy_count": len(self.discrepancies),
            "notes": self.notes,
        }


# ------------------------------------------------------------------------------------------ reconciler
class Reconciler:
    """Runs one day's reconciliation for one institution and writes the discrepancy report."""

    def __init__(self, engine: BureauEngine, database: SessionSource) -> None:
        self.engine = engine
        self.database = database

    def run(
        self,
        institution: InstitutionConfig,
        date: date | str,
        *,
        insutype: str | None = None,
        clr_type: str | None = None,
        out_dir: str | Path,
    ) -> ReconcileReport:
        """3201 per group; for each unbalanced group 9101 + 3202 + 9102; then the CSV/text/JSON report.

        `date` is the day to reconcile (a date or "YYYY-MM-DD"); `insutype` / `clr_type` narrow it.
        """
        day = _as_day(date)
        book, notes = LedgerBook(self.database, institution).settlements(day)

        chosen = [
            s
            for s in book
            if (insutype is None or s.insutype == insutype) and (clr_type is None or s.clr_type == clr_type)
        ]
        groups: dict[GroupKey, list[Settlement]] = {}
        for item in chosen:
            groups.setdefault(item.group, []).append(item)
        if insutype and clr_type and not any(k[1:] == (insutype, clr_type) for k in groups):
            # asked for explicitly: an empty day of ours may still hold settlements at the bureau
            groups[(_default_optins(institution), insutype, clr_type)] = []

        results = [self._totals(institution, day, key, groups[key]) for key in sorted(groups)]
        unbalanced = sorted(
            {(g.setl_optins, g.clr_type) for g in results if g.error is None and not g.balanced}
        )
        details: list[DetailResult] = []
        discrepancies: list[Discrepancy] = []
        for optins, clr in unbalanced:
            items = [s for s in book if (s.setl_optins, s.clr_type) == (optins, clr)]
            detail, rows = self._detail(institution, day, optins, clr, items)
            details.append(detail)
            if detail.error is None:
                found = compare(items, rows, clr_type=clr)
                discrepancies.extend(d for d in found if insutype is None or d.insutype in (insutype, ""))
        report = ReconcileReport(institution.code, day, results, details, discrepancies, notes)
        write_report(report, Path(out_dir), suffix=_suffix(insutype, clr_type))
        return report

    # ------------------------------------------------------------------------------------------ 3201
    def _totals(
        self, institution: InstitutionConfig, day: date, key: GroupKey, items: Sequence[Settlement]
    ) -> GroupResult:
        optins, insutype, clr = key
        totals = Totals.of(items)
        result = GroupResult(optins, insutype, clr, totals)
        message = {
            "data": {
                "insutype": insutype,
                "clr_type": clr,
                "setl_optins": optins,
                "stmt_begndate": day.isoformat(),
                "stmt_enddate": day.isoformat(),
                "medfee_sumamt": totals.medfee_sumamt,
                "fund_pay_sumamt": totals.fund_pay_sumamt,
                "acct_pay": totals.acct_pay,
                "fixmedins_setl_cnt": totals.count,
            }
        }
        try:
            answer = self.engine.call("3201", message, institution=institution)
        except MedicalInsuranceException as exc:
            result.error = str(exc)
            return result
        info = _node(answer.output, "stmtinfo")
        result.stmt_rslt = _text(info.get("stmt_rslt"))
        result.stmt_rslt_dscr = _text(info.get("stmt_rslt_dscr"))
        return result

    # ------------------------------------------------------------------------------------------ 3202
    def _detail(
        self, institution: InstitutionConfig, day: date, optins: str, clr: str, items: Sequence[Settlement]
    ) -> tuple[DetailResult, list[CatalogRow]]:
        totals = Totals.of(items)
        detail = DetailResult(optins, clr, totals)
        stem = f"{institution.code}_{day:%Y%m%d}_{clr}_{optins}"
        buffer = io.BytesIO()
        rows = [s.detail_row() for s in sorted(items, key=lambda s: s.key)]
        write_catalog(buffer, LAYOUTS["3202_upload"], rows, member_name=f"{stem}.txt")
        try:
            upload = self.engine.call(
                "9101",
                {
                    "fsUploadIn": {
                        "in": base64.b64encode(buffer.getvalue()).decode("ascii"),
                        "filename": f"{stem}.zip",
                        "fixmedins_code": institution.code,
                    }
                },
                institution=institution,
            )
            uploaded = _node(upload.output, None)
            answer = self.engine.call(
                "3202",
                {
                    "data": {
                        "setl_optins": optins,
                        "file_qury_no": _text(uploaded.get("file_qury_no")) or "",
                        "stmt_begndate": day.isoformat(),
                        "stmt_enddate": day.isoformat(),
                        "medfee_sumamt": totals.medfee_sumamt,
                        "fund_pay_sumamt": totals.fund_pay_sumamt,
                        "cash_payamt": totals.psn_cash_pay,
                        "fixmedins_setl_cnt": totals.count,
                        "clr_type": clr,
                    }
                },
                institution=institution,
            )
            info = _node(answer.output, "fileinfo")
            fsdownload = institution.profile.download_input(
                "3202",
                file_qury_no=_text(info.get("file_qury_no")) or "",
                filename=_text(info.get("filename")) or "result.zip",
                fixmedins_code=institution.code,
            )
            download = self.engine.call("9102", {"fsDownloadIn": fsdownload}, institution=institution)
            if download.file is None:
                raise MedicalInsuranceException("3202 对明细账结果文件下载未返回文件内容", code=40004)
            reader = CatalogReader(download.file.content, LAYOUTS["3202_result"])
            result_rows = list(reader.rows())
        except MedicalInsuranceException as exc:
            detail.error = str(exc)
            return detail, []
        detail.bad_rows = [bad.reason for bad in reader.errors]
        detail.bureau = _bureau_totals(result_rows)
        return detail, result_rows


# ------------------------------------------------------------------------------------------ our ledger
class LedgerBook:
    """Reads one institution's settlements of one day out of the ledger."""

    def __init__(self, database: SessionSource, institution: InstitutionConfig) -> None:
        self.database = database
        self.institution = institution

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
        for row in rows:
            response = (
                confirmations.get(row.resolution_msgid or "") if row.state == "CONFIRMED" else row.response
            )
            info = _setlinfo(response)
            if not info:
                notes.append(f"报文 {row.msgid}（{row.infno}）的应答中没有结算信息，未计入对账")
                continue
            if _day_of(info, row.created_at) != day:
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
        own = _text(keys.get("setl_id")) if row.state == "SUCCESS" else None
        setl_id = own or _text(info.get("setl_id")) or row.setl_id
        insutype = _text(context.get("insutype"))
        if not setl_id or not insutype:
            return None
        family = CANCELS.get(row.infno, row.infno)
        sign = Decimal(-1) if refund else Decimal(1)
        return Settlement(
            setl_id=setl_id,
            mdtrt_id=row.mdtrt_id or _text(info.get("mdtrt_id")) or "",
            psn_no=row.psn_no or _text(info.get("psn_no")) or "",
            insutype=insutype,
            clr_type=clearing_class(context, family),
            setl_optins=_text(context.get("clr_optins")) or _default_optins(self.institution),
            refund=refund,
            **{name: sign * abs(_decimal(info.get(name))) for name in AMOUNTS},
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
            info = _setlinfo(row.response) or {}
            facts = {**(row.business_keys or {}), **{k: v for k, v in info.items() if v not in (None, "")}}
            found[row.setl_id or ""] = {
                k: facts[k] for k in ("insutype", "med_type", "clr_type", "clr_optins") if facts.get(k)
            }
        return found


def clearing_class(facts: Mapping[str, Any], infno: str) -> str:
    """清算类别 of a settlement: the bureau's clr_type, else from med_type, else from the transaction."""
    given = _text(facts.get("clr_type"))
    if given:
        return given
    med_type = _text(facts.get("med_type")) or ""
    if med_type == "41":
        return "41"
    if med_type == "52" or (len(med_type) == 2 and med_type.startswith("2")):
        return "21"
    if med_type == "51" or (len(med_type) == 2 and med_type.startswith("1")):
        return "11"
    return SETTLEMENTS.get(infno, "99")


# ------------------------------------------------------------------------------------------ comparison
def compare(
    ours: Sequence[Settlement], theirs: Sequence[CatalogRow], *, clr_type: str = ""
) -> list[Discrepancy]:
    """The settlements on which our records and the 3202 result file disagree, with the reason.

    `clr_type` is the clearing class the file was asked for, shown for rows only the bureau has."""
    mine = {item.key: item for item in ours}
    listed: set[tuple[str, str]] = set()
    found: list[Discrepancy] = []
    for row in theirs:
        key = (row.code, row.get("refd_setl_flag") or "0")
        listed.add(key)
        item = mine.get(key)
        bureau = {name: _optional_decimal(row.get(name)) for name in COMPARED}
        verdict = row.get("stmt_rslt")
        memo = row.get("memo") if row.get("memo") not in ("平", None) else None
        if verdict == ONLY_OURS:
            bureau = dict.fromkeys(COMPARED)  # the amounts in the row are ours, echoed
        if item is None:
            reason = "医保中心有此结算，本院账中没有（单边账：医保已结算、本院未记账）"
        elif verdict != BALANCED and all(value is None for value in bureau.values()):
            reason = MISSING_AT_BUREAU  # listed with our row but no amounts of its own
        else:
            parts = [
                f"{LABELS[name]}本院 {_money(item.amount(name))}、医保 {_money(value)}"
                for name, value in bureau.items()
                if value is not None and value != item.amount(name)
            ]
            if not parts and verdict in (None, BALANCED):
                continue
            reason = f"金额不一致：{'；'.join(parts)}" if parts else "医保中心对账结果为不平"
        if memo:
            reason = f"{reason}（医保说明：{memo}）"
        found.append(
            Discrepancy(
                setl_id=row.code,
                refd_setl_flag=key[1],
                mdtrt_id=item.mdtrt_id if item else row.get("mdtrt_id") or "",
                psn_no=item.psn_no if item else row.get("psn_no") or "",
                insutype=item.insutype if item else "",
                clr_type=item.clr_type if item else clr_type,
                ours=_amounts(item) if item else None,
                bureau=bureau,
                stmt_rslt=verdict,
                reason=reason,
            )
        )
    for key, item in mine.items():
        if key in listed:
            continue
        found.append(
            Discrepancy(
                setl_id=item.setl_id,
                refd_setl_flag=key[1],
                mdtrt_id=item.mdtrt_id,
                psn_no=item.psn_no,
                insutype=item.insutype,
                clr_type=item.clr_type,
                ours=_amounts(item),
                bureau=None,
                stmt_rslt=None,
                reason=MISSING_AT_BUREAU,
            )
        )
    return sorted(found, key=lambda d: (d.setl_id, d.refd_setl_flag))


def _bureau_totals(rows: Sequence[CatalogRow]) -> Totals:
    """The bureau's side of a result file: rows without amounts of its own (ours only) are not its own."""
    totals = Totals()
    for row in rows:
        amounts = [_optional_decimal(row.get(name)) for name in COMPARED]
        if row.get("stmt_rslt") == ONLY_OURS or all(value is None for value in amounts):
            continue
        totals.count += -1 if row.get("refd_setl_flag") == "1" else 1
        totals.records += 1
        for name, value in zip(COMPARED, amounts, strict=True):
            setattr(totals, name, getattr(totals, name) + (value or ZERO))
    return totals


# ---------------------------------------------------------------------------------------------- report
CSV_HEADER = (
    "结算ID",
    "退费结算标志",
    "就诊ID",
    "人员编号",
    "险种类型",
    "清算类别",
    "本院医疗费总额",
    "本院基金支付总额",
    "本院个人账户支出",
    "医保医疗费总额",
    "医保基金支付总额",
    "医保个人账户支出",
    "对账结果",
    "原因",
)


def write_report(report: ReconcileReport, out_dir: Path, *, suffix: str = "") -> None:
    """Write `reconcile_<机构>_<yyyymmdd><suffix>.{csv,txt,json}` under `out_dir` and record the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"reconcile_{report.institution}_{report.day:%Y%m%d}{suffix}"
    report.csv_path = out_dir / f"{stem}.csv"
    report.summary_path = out_dir / f"{stem}.txt"
    report.json_path = out_dir / f"{stem}.json"
    # utf-8-sig: Excel, the usual reader of this file at a hospital, needs the BOM to see UTF-8
    with report.csv_path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_HEADER)
        for d in report.discrepancies:
            ours = d.ours or {}
            bureau = d.bureau or {}
            writer.writerow(
                [
                    d.setl_id,
                    d.refd_setl_flag,
                    d.mdtrt_id,
                    d.psn_no,
                    d.insutype,
                    d.clr_type,
                    *(_money(ours.get(name)) for name in COMPARED),
                    *(_money(bureau.get(name)) for name in COMPARED),
                    d.stmt_rslt or "",
                    d.reason,
                ]
            )
    report.summary_path.write_text(summary_text(report), encoding="utf-8")
    body = {**report.as_dict(), "csv": report.csv_path.name}
    report.json_path.write_text(json.dumps(body, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def summary_text(report: ReconcileReport) -> str:
    """The Chinese summary: one block per 3201 group, one per 3202 round, then the verdict."""
    lines = [f"对账日期：{report.day.isoformat()}    机构：{report.institution}", ""]
    if not report.groups:
        lines.append("当日账中没有结算记录，未发送对总账（3201）。")
    for g in report.groups:
        t = g.ours
        verdict = "平" if g.balanced else ("对账失败：" + g.error if g.error else "不平")
        lines.append(
            f"【3201 对总账】险种 {_label('insutype', g.insutype)}，"
            f"清算类别 {_label('clr_type', g.clr_type)}，结算经办机构 {g.setl_optins}：{verdict}"
        )
        lines.append(
            f"    本院：{t.count} 笔（{t.records} 条记录），医疗费总额 {_money(t.medfee_sumamt)}，"
            f"基金支付 {_money(t.fund_pay_sumamt)}，个人账户 {_money(t.acct_pay)}，"
            f"个人现金 {_money(t.psn_cash_pay)}"
        )
        if g.stmt_rslt_dscr:
            lines.append(f"    医保说明：{g.stmt_rslt_dscr}")
    for d in report.details:
        lines.append("")
        lines.append(
            f"【3202 对明细账】清算类别 {_label('clr_type', d.clr_type)}，结算经办机构 {d.setl_optins}"
        )
        lines.append(f"    本院上传：{d.ours.records} 条，医疗费总额 {_money(d.ours.medfee_sumamt)}")
        if d.error:
            lines.append(f"    对明细账失败：{d.error}")
        elif d.bureau is not None:
            lines.append(
                f"    医保结果文件：{d.bureau.records} 条，医疗费总额 {_money(d.bureau.medfee_sumamt)}，"
                f"基金支付 {_money(d.bureau.fund_pay_sumamt)}，个人账户 {_money(d.bureau.acct_pay)}"
            )
        for reason in d.bad_rows:
            lines.append(f"    结果文件无法解析的行：{reason}")
    lines.append("")
    if report.balanced:
        lines.append("结论：当日对账平。")
    else:
        count = len(report.discrepancies)
        lines.append(f"结论：当日对账不平，差异结算 {count} 笔，明细见 {_name(report.csv_path)}。")
        for item in report.discrepancies:
            lines.append(f"    结算 {item.setl_id}：{item.reason}")
    for note in report.notes:
        lines.append(f"注意：{note}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------- helpers
def _node(output: Any, name: str | None) -> Mapping[str, Any]:
    node = output.get(name) if name and isinstance(output, Mapping) else output
    if isinstance(node, list):
        node = node[0] if node else {}
    return node if isinstance(node, Mapping) else {}


def _setlinfo(response: Any) -> Mapping[str, Any] | None:
    """setlinfo of a stored answer (the whole envelope, or a query's output row)."""
    if not isinstance(response, Mapping):
        return None
    output = response.get("output", response)
    info = _node(output, "setlinfo") if isinstance(output, Mapping) and "setlinfo" in output else output
    if isinstance(info, list):
        info = info[0] if info else None
    return info if isinstance(info, Mapping) and "medfee_sumamt" in info else None


def _day_of(info: Mapping[str, Any], created_at: datetime) -> date:
    setl_time = _text(info.get("setl_time"))
    if setl_time:
        try:
            return date.fromisoformat(setl_time[:10])
        except ValueError:
            pass  # an unusual spelling: fall back to when we sent it
    return created_at.replace(tzinfo=UTC).astimezone(BEIJING).date()  # created_at is naive UTC


def _as_day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _naive_utc(moment: datetime) -> datetime:
    return (moment - (moment.utcoffset() or timedelta())).replace(tzinfo=None)


def _default_optins(institution: InstitutionConfig) -> str:
    return institution.envelope.mdtrtarea_admvs


def _without_cash(totals: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in totals.items() if k != "psn_cash_pay"}


def _amounts(item: Settlement) -> dict[str, Decimal]:
    return {name: item.amount(name) for name in AMOUNTS}


def _decimal(value: Any) -> Decimal:
    return _optional_decimal(value) or ZERO


def _optional_decimal(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _money(value: Decimal | None) -> str:
    return "" if value is None else str(value.quantize(CENT))


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _label(dictionary: str, code: str) -> str:
    codes: Mapping[str, str] = DICTIONARIES.get(dictionary) or {}
    name = codes.get(code)
    return f"{code} {name}" if name else code


def _name(path: Path | None) -> str:
    return path.name if path else ""


def _suffix(insutype: str | None, clr_type: str | None) -> str:
    return "".join(f"_{part}" for part in (insutype, clr_type) if part)
