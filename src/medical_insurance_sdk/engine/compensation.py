"""Resolving unknown outcomes, with no I/O: 2601 reversal or the query that reveals the truth.

    state, row = yield from Compensation(flow).resolve(view, institution, deadline)
    report = yield from Compensation(flow).sweep(institutions)
    row = yield from Compensation(flow).confirmation(view, institution)   # a CONFIRMED entry's row, again

Three rules keep the ledger from ever contradicting the bureau:

- **One resolver at a time.**  An entry is worked on only under a lease (`ClaimEntry`): the call that made
  it UNKNOWN holds one from that moment, a sweeper (any gateway replica, a Celery beat, `yibao compensate`)
  claims one before it sends anything.  A resolver that dies leaves a lease that runs out.
- **Only the bureau that saw the message judges it.**  Each entry names the bureau it was sent to; an entry
  of another bureau (another URL or profile, another embedded sandbox) is never sent a 2601 or a query here.
- **"Not there" is final only after the bureau's processing window.**  A 2601 answered "原交易不存在" (or a
  query that does not show the record) while the original may still be in flight at the bureau proves
  nothing: the original can settle a second later.  The entry stays UNKNOWN and is checked again once the
  window (the profile's `processing_window_s`, counted from when the original was sent) has passed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

from medical_insurance_sdk.engine.calls import CallOptions, PendingView
from medical_insurance_sdk.engine.effects import ClaimEntry, ListUnresolved, MarkInterrupted, Resolve, Sleep
from medical_insurance_sdk.engine.retry import RetryPolicy
from medical_insurance_sdk.engine.settings import EngineSettings, InstitutionConfig
from medical_insurance_sdk.exceptions import BureauError, MedicalInsuranceException
from medical_insurance_sdk.registry import Safety, Transaction

Flow = Generator[Any, Any, Any]

# 2601 answers that mean "there was nothing to reverse": the original never arrived or never took effect.
ORIGINAL_NOT_EFFECTIVE = re.compile(r"(原交易[^，。]{0,6}(不存在|未成功|失败|未生效)|无需冲正|未找到原)")
ALREADY_REVERSED = re.compile(r"已(被)?冲正")
# How far back a confirming query looks: a discharge or a cancellation may come long after the visit began,
# and a window that misses the visit would read as "not there" (a false FAILED for a creation, a false
# CONFIRMED for a cancellation).  Rows are matched by key, so a wide window costs only a longer answer.
QUERY_LOOKBACK = timedelta(days=366)
# Rows a paged confirming query is asked for (1317): it is filtered by the record's keys, so one page.
CONFIRM_PAGE_SIZE = 100
# Waking up this much after the processing window has passed, so that "after" holds on every clock.
WINDOW_MARGIN = timedelta(milliseconds=200)
OTHER_BUREAU = "OTHER_BUREAU"


class Caller(Protocol):
    """What compensation borrows from the engine's flow (flow.EngineFlow): its calls and its settings."""

    settings: EngineSettings
    retry: RetryPolicy
    owner: str
    clock: Callable[[], datetime]

    def call(
        self, key: str, payload: Mapping[str, Any], institution: InstitutionConfig, options: CallOptions
    ) -> Flow: ...

    def transaction(self, key: str) -> Transaction: ...

    def lookup(self, key: str, institution: InstitutionConfig) -> tuple[str, Transaction]: ...

    def bureau_of(self, institution: InstitutionConfig) -> str: ...

    def processing_window_s(self, institution: InstitutionConfig) -> float: ...


class Compensation:
    """The resolution half of the engine; borrows the flow's `call`, clock, retry policy and settings."""

    def __init__(self, flow: Caller) -> None:
        self.flow = flow

    @property
    def owner(self) -> str:
        return self.flow.owner

    def now(self) -> datetime:
        return self.flow.clock()

    def sweep(self, institutions: Mapping[str, InstitutionConfig], *, limit: int = 100) -> Flow:
        """Resolve what is left: UNKNOWN entries and PENDING ones a crash interrupted, each under a lease.

        Returns {msgid: final state}.  Entries of institutions not configured here, of another bureau, or
        held by another resolver are left alone (another bureau's entries are reported as OTHER_BUREAU)."""
        if not institutions:
            return {}
        settings = self.flow.settings
        bureaus = {code: self.flow.bureau_of(config) for code, config in institutions.items()}
        views = yield ListUnresolved(
            self.now(), settings.stale_pending_s, limit, institutions=frozenset(institutions)
        )
        report: dict[str, str] = {}
        for view in views:
            institution = institutions[view.institution_code]
            if view.bureau is not None and view.bureau != bureaus[view.institution_code]:
                report[view.msgid] = OTHER_BUREAU
                continue
            now = self.now()
            claimed = yield ClaimEntry(view.msgid, self.owner, now, now + timedelta(seconds=settings.lease_s))
            if not claimed:
                continue  # another resolver holds it, or it was resolved in the meantime
            yield MarkInterrupted(view.msgid, self.now())  # no-op unless it was PENDING
            deadline = self.now() + timedelta(seconds=settings.resolve_budget_s)
            state, _ = yield from self.resolve(view, institution, deadline)
            report[view.msgid] = state
        return report

    def resolve(self, view: PendingView, institution: InstitutionConfig, deadline: datetime) -> Flow:
        """Turn an UNKNOWN entry (whose lease this resolver holds) into REVERSED / CONFIRMED / FAILED, or
        leave it UNKNOWN for later.  Returns (state, confirmation): the query row of a CONFIRMED outcome.
        A province variant code (`2206A`) is resolved as its base; a 2601 names it as it was sent."""
        _, tx = self.flow.lookup(view.infno, institution)
        if self._other_bureau(view, institution):
            # never reached by the sweeper (it filters these); a direct caller gets the same refusal
            return OTHER_BUREAU, None
        if tx.safety is Safety.QUERY or tx.effect_free:
            note = (
                "查询类交易无需补偿"
                if tx.safety is Safety.QUERY
                else "该交易在医保局不留下任何结果，可直接重新办理"
            )
            yield self._resolve(view, "FAILED", note=note)
            return "FAILED", None
        if tx.reversible:
            return (yield from self._reverse(view, institution, deadline))
        if tx.confirm_by:
            return (yield from self._confirm(view, tx, institution, deadline))
        yield self._resolve(view, "UNKNOWN", note="无冲正或查询手段，需人工核对")
        return "UNKNOWN", None

    # ------------------------------------------------------------------------------------------ 2601
    def _reverse(self, view: PendingView, institution: InstitutionConfig, deadline: datetime) -> Flow:
        """2601 with omsgid/oinfno, sent until the bureau answers it (each attempt its own message)."""
        reversal = {
            "data": {
                "psn_no": view.business_keys.get("psn_no", ""),
                "omsgid": view.msgid,
                "oinfno": view.infno,
            }
        }
        options = self._options(view)
        number = 0
        while True:
            number += 1
            try:
                result = yield from self.flow.call("2601", reversal, institution, options)
            except BureauError as exc:
                if ORIGINAL_NOT_EFFECTIVE.search(exc.message):
                    settled = yield from self._not_there(view, institution, deadline, exc.msgid, "2601", exc)
                    if settled is None:
                        continue  # the window has passed while we waited: ask again
                    return settled, None
                if ALREADY_REVERSED.search(exc.message):
                    yield self._resolve(view, "REVERSED", exc.msgid, f"2601: {exc.message}")
                    return "REVERSED", None
                if getattr(exc, "infcode", None) == -2:
                    # a business refusal to reverse: a person must look at it
                    yield self._resolve(view, "UNKNOWN", exc.msgid, f"2601 被拒绝，需人工处理: {exc.message}")
                    return "UNKNOWN", None
                note = f"2601 系统级失败，稍后重试: {exc.message}"  # -1 "系统繁忙" and the like
            except MedicalInsuranceException as exc:
                # the 2601 answer itself was lost (or the link is down): 2601 is idempotent, send it again
                note = f"2601 未得到应答: {exc.message}"
            else:
                yield self._resolve(view, "REVERSED", result.msgid, "已通过 2601 冲正")
                return "REVERSED", None
            delay = self.flow.retry.backoff(number)
            if self.now() + timedelta(seconds=delay) >= deadline:
                yield self._resolve(view, "UNKNOWN", None, note)
                return "UNKNOWN", None
            yield Sleep(delay)

    # ----------------------------------------------------------------------------------------- query
    def _confirm(
        self, view: PendingView, tx: Transaction, institution: InstitutionConfig, deadline: datetime
    ) -> Flow:
        """Ask the query that shows whether the original took effect, and match it by an identity key."""
        assert tx.confirm_by is not None
        query_tx = self.flow.transaction(tx.confirm_by)
        query_input = _query_input(query_tx, view)
        if query_input is None:
            yield self._resolve(view, "UNKNOWN", note=f"无法构造 {query_tx.infno} 查询条件，需人工核对")
            return "UNKNOWN", None
        options = self._options(view)
        number = 0
        while True:
            number += 1
            refusal: BureauError | None = None  # the query's own words for "no such record"
            answer: tuple[str | None, Any] | None  # (msgid, output) of an answer to judge
            try:
                result = yield from self.flow.call(query_tx.infno, query_input, institution, options)
            except MedicalInsuranceException as exc:
                if not (isinstance(exc, BureauError) and _absent(query_tx, exc)):
                    note = f"{query_tx.infno} 查询未成功: {exc.message}"
                    answer = None
                else:
                    refusal, answer = exc, (exc.msgid, [])  # an answer with no rows
            else:
                answer = (result.msgid, result.output)
            if answer is not None:
                answered_by, output = answer
                verdict = _verdict(tx, view, output)
                if verdict is None:
                    yield self._resolve(view, "UNKNOWN", answered_by, "缺少可比对的业务编号，需人工核对")
                    return "UNKNOWN", None
                state, row = verdict
                if state == "FAILED":
                    settled = yield from self._not_there(
                        view, institution, deadline, answered_by, query_tx.infno, refusal
                    )
                    if settled is None:
                        number = 0
                        continue
                    return settled, None
                told = (
                    f"{query_tx.infno}: {refusal.message}" if refusal else f"{query_tx.infno} 查询确认已生效"
                )
                yield self._resolve(view, state, answered_by, told)
                return state, row
            # a query refused or unanswered: ask again until the deadline (reads are harmless)
            delay = self.flow.retry.backoff(number)
            if self.now() + timedelta(seconds=delay) >= deadline:
                yield self._resolve(view, "UNKNOWN", None, note)
                return "UNKNOWN", None
            yield Sleep(delay)

    def confirmation(self, view: PendingView, institution: InstitutionConfig) -> Flow:
        """The confirming query's row of an entry resolved CONFIRMED, asked once more (a read, harmless):
        what `_confirm` answered the call with, for a later replay of the call's idempotency key.

        None when there is no row to give (a cancellation is confirmed by absence), the query cannot be
        asked here (another bureau, no query input), fails, or no longer shows the record."""
        _, tx = self.flow.lookup(view.infno, institution)
        if tx.confirm_by is None or tx.cancels or self._other_bureau(view, institution):
            return None
        query_tx = self.flow.transaction(tx.confirm_by)
        query_input = _query_input(query_tx, view)
        if query_input is None:
            return None
        try:
            result = yield from self.flow.call(query_tx.infno, query_input, institution, self._options(view))
        except MedicalInsuranceException:
            return None
        verdict = _verdict(tx, view, result.output)
        return verdict[1] if verdict is not None and verdict[0] == "CONFIRMED" else None

    # ------------------------------------------------------------------------------------- the window
    def _not_there(
        self,
        view: PendingView,
        institution: InstitutionConfig,
        deadline: datetime,
        evidence_msgid: str | None,
        asked: str,
        refusal: BureauError | None,
    ) -> Flow:
        """The bureau says the original did not take effect.  FAILED once the processing window has passed;
        before that, wait for the window inside the budget (returns None: ask again) or leave it UNKNOWN,
        held until the window ends, for the next sweep."""
        told = f"{asked}: {refusal.message}" if refusal is not None else f"{asked} 查询显示未生效"
        settle_at = view.created_at + timedelta(seconds=self.flow.processing_window_s(institution))
        now = self.now()
        if now >= settle_at:
            yield self._resolve(view, "FAILED", evidence_msgid, told)
            return "FAILED"
        wake = settle_at + WINDOW_MARGIN
        if wake < deadline:
            yield Sleep((wake - now).total_seconds())
            return None
        note = f"{told}；原交易可能仍在医保局处理中，{_local(wake)} 后复核"
        yield self._resolve(view, "UNKNOWN", evidence_msgid, note, hold_until=wake)
        return "UNKNOWN"

    # --------------------------------------------------------------------------------------- helpers
    def _resolve(
        self,
        view: PendingView,
        state: str,
        resolution_msgid: str | None = None,
        note: str | None = None,
        *,
        hold_until: datetime | None = None,
    ) -> Resolve:
        return Resolve(
            view.msgid, state, self.now(), resolution_msgid, note, owner=self.owner, hold_until=hold_until
        )

    def _other_bureau(self, view: PendingView, institution: InstitutionConfig) -> bool:
        # only the bureau that saw the message judges it (None: recorded before the bureau was kept)
        return view.bureau is not None and view.bureau != self.flow.bureau_of(institution)

    @staticmethod
    def _options(view: PendingView) -> CallOptions:
        return CallOptions(
            operator=view.operator,
            insuplc_admdvs=view.business_keys.get("insuplc_admdvs") or None,
            resolve=False,
            parent_msgid=view.msgid,
        )


def _local(moment: datetime) -> str:
    """A UTC ledger time as the operator reads it (Beijing time)."""
    return (moment + timedelta(hours=8)).strftime("%H:%M:%S")


def _identity(tx: Transaction, view: PendingView) -> dict[str, Any]:
    """The keys that identify what `tx` created (or, for a cancellation, removed): its `identity_keys`."""
    keys = {
        k: view.business_keys[k]
        for k in tx.identity_keys
        if view.business_keys.get(k) not in (None, "", "0000")
    }
    if tx.safety is Safety.MONEY and not tx.cancels:
        keys["medins_setl_id"] = view.msgid  # settlements echo the request msgid (reference §1.1)
    return keys


def _absent(query_tx: Transaction, refusal: BureauError) -> bool:
    """The confirming query refused because the record does not exist (its declared `absent_refusal`)."""
    return bool(query_tx.absent_refusal) and re.search(query_tx.absent_refusal, refusal.message) is not None


def _verdict(tx: Transaction, view: PendingView, output: Any) -> tuple[str, Mapping[str, Any] | None] | None:
    """CONFIRMED/FAILED from a query answer, or None when nothing identifies the record.

    A creation is confirmed when a row carries its key (or shows all its `confirm_evidence`); a
    cancellation when no live row does any more.
    """
    if tx.confirm_evidence:
        wanted = view.business_keys.get("evidence")
        if not isinstance(wanted, Mapping) or not wanted:
            return None
        row = next(
            (r for r in _rows(output) if all(str(r.get(k)) == str(v) for k, v in wanted.items())), None
        )
    else:
        keys = _identity(tx, view)
        if not keys:
            return None
        row = _matching_row(output, keys)
    if tx.cancels:
        mark, removed = tx.removed_mark
        gone = row is None or str(row.get(mark, "")) == removed
        return ("CONFIRMED", None) if gone else ("FAILED", row)
    return ("CONFIRMED", row) if row is not None else ("FAILED", None)


def _matching_row(output: Any, wanted: Mapping[str, Any]) -> Mapping[str, Any] | None:
    for row in _rows(output):
        for key, value in wanted.items():
            got = row.get(key)
            if got in (None, ""):
                continue
            if isinstance(value, list):
                if str(got) in value:
                    return row
            elif str(got) == str(value):
                return row
    return None


def _rows(output: Any) -> list[Mapping[str, Any]]:
    rows: list[Mapping[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            rows.append(node)
            for value in node.values():
                if isinstance(value, (Mapping, list)):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(output)
    return rows


def _query_input(query_tx: Transaction, view: PendingView) -> dict[str, Any] | None:
    """Fill the query's request node from the entry's business keys; None when a required field is unknown."""
    begin, end = _query_window(view)
    window = {"begntime": begin, "endtime": end}
    # a period a query must be asked for (3508-3511); an optional begndate is a record's own (1317's)
    period = {"begndate": begin[:10], "enddate": end[:10]}
    defaults = {
        "med_type": "11",  # a registration carries none; the visit query needs one (普通门诊)
        # a confirming query is about the caller's own records (3508-3511 are asked with its own code); the
        # SM channel's queries name it in camelCase (6301 orgCodg, 7105 fixmedinsCode)
        "fixmedins_code": view.institution_code,
        "orgCodg": view.institution_code,
        "fixmedinsCode": view.institution_code,
        # 1317 lists what changed since updt_time: since before the national platform, so every record
        "updt_time": "2000-01-01 00:00:00",
        "page_num": 1,
        "page_size": CONFIRM_PAGE_SIZE,
    }
    # what the answer must show (confirm_evidence) narrows the query where it asks by the same name (1317)
    evidence = view.business_keys.get("evidence")
    known = {**(evidence if isinstance(evidence, Mapping) else {}), **view.business_keys}
    message: dict[str, Any] = {}
    for node in query_tx.request_nodes:
        values: dict[str, Any] = {}
        for spec in node.fields:
            # the original's own begntime/endtime (a visit's start, a discharge time) are not a query window
            value = (
                window.get(spec.name)
                or (period.get(spec.name) if spec.required else None)
                or known.get(spec.name, defaults.get(spec.name))
            )
            if isinstance(value, list):
                value = value[0] if value else None
            if value in (None, ""):
                if spec.required:
                    return None
                continue
            values[spec.name] = value
        message[node.name] = [values] if node.many else values
    return message


def _query_window(view: PendingView) -> tuple[str, str]:
    """[begntime, endtime] covering the entry's creation and every time it names, widened by the lookback."""
    times = [view.created_at]
    for name in ("begntime", "endtime"):
        try:
            times.append(datetime.strptime(str(view.business_keys.get(name))[:10], "%Y-%m-%d"))
        except ValueError:
            continue
    begin = min(times) - QUERY_LOOKBACK
    end = max(times) + timedelta(days=1)
    return begin.strftime("%Y-%m-%d 00:00:00"), end.strftime("%Y-%m-%d 23:59:59")
