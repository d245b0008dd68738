"""The engine's logic, once, with no I/O: calling, signing in, and resolving unknown outcomes.

Each public method is a generator that yields effects (`effects.py`) and returns a value; `runner.py`
drives it synchronously or asynchronously.  Reading order: `call` (validate → sign in → record → send →
classify → retry or compensate), then `ensure_sign_in`, then `resolve`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from medical_insurance_sdk.engine.classify import Attempt, Outcome, classify
from medical_insurance_sdk.engine.effects import (
    AllocateMsgId,
    Complete,
    DropSession,
    Effect,
    ListUnresolved,
    LoadSession,
    MarkInterrupted,
    NewEntry,
    OutgoingRequest,
    Record,
    Resolve,
    Send,
    Sleep,
    StoreSession,
)
from medical_insurance_sdk.engine.retry import RetryPolicy
from medical_insurance_sdk.engine.settings import EngineSettings, InstitutionConfig
from medical_insurance_sdk.exceptions import (
    BureauError,
    DuplicateMessageError,
    MedicalInsuranceException,
    OutcomeUnknownError,
    UnsupportedInterfaceError,
)
from medical_insurance_sdk.masking import mask_payload
from medical_insurance_sdk.protocol.envelope import build_envelope, encode_envelope
from medical_insurance_sdk.protocol.result import BureauResult, FileAnswer
from medical_insurance_sdk.protocol.signing import make_signer
from medical_insurance_sdk.registry import REGISTRY, Registry, Safety, Transaction

Flow = Generator[Effect, Any, Any]

# Transactions sent without a sign_no: sign-in itself.  Everything else needs one (reference §1.1).
NO_SIGN_IN = frozenset({"9001"})

# Business keys the ledger keeps unmasked: compensation and reconciliation work with them.
BUSINESS_KEYS = (
    "psn_no",
    "mdtrt_id",
    "setl_id",
    "ipt_otp_no",
    "ipt_no",
    "chrg_bchno",
    "med_type",
    "insutype",
    "begntime",
    "endtime",
    "feedetl_sn",
    "file_qury_no",
    "medins_setl_id",
)
# A msgid found in the ledger already is skipped for the next one this many times before the call fails.
DUPLICATE_MSGID_ATTEMPTS = 3
# Keys that identify one business record well enough to confirm it from a query answer.
STRONG_KEYS = ("setl_id", "feedetl_sn", "ipt_otp_no", "ipt_no")
# A cancellation names the record it removes by these.
IDENTITY_KEYS_FOR_CANCELS = ("setl_id", "feedetl_sn", "mdtrt_id", "ipt_otp_no", "ipt_no")

# 2601 answers that mean "there was nothing to reverse": the original never arrived or never took effect.
ORIGINAL_NOT_EFFECTIVE = re.compile(r"(原交易[^，。]{0,6}(不存在|未成功|失败|未生效)|无需冲正|未找到原)")
ALREADY_REVERSED = re.compile(r"已(被)?冲正")


@dataclass(frozen=True)
class CallOptions:
    """Per-call choices; None means the institution's default."""

    operator: str | None = None
    operator_name: str | None = None
    insuplc_admdvs: str | None = None
    request_id: str | None = None
    timeout_s: float | None = None
    # resolve an UNKNOWN write/money outcome inside the call (the compensation's own calls say False)
    resolve: bool = True
    parent_msgid: str | None = None


@dataclass(frozen=True)
class CallResult:
    """A definite, successful outcome.  `state` is SUCCESS, or CONFIRMED when a lost answer was recovered
    by a query (then `output` is the query's answer row, `confirmed_by` its infno)."""

    msgid: str
    infno: str
    state: str
    output: Any = None
    file: FileAnswer | None = None
    result: BureauResult | None = None
    confirmed_by: str | None = None

    def parsed(self, registry: Registry = REGISTRY) -> Any:
        return registry[self.infno].parse_output(self.output)


@dataclass(frozen=True)
class PendingView:
    """What resolution needs to know about a ledger entry."""

    msgid: str
    infno: str
    institution_code: str
    operator: str
    created_at: datetime
    business_keys: Mapping[str, Any] = field(default_factory=dict)
    error_message: str | None = None


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class EngineFlow:
    """The pure logic; holds no connections, only configuration, the registry, a clock and the policy."""

    def __init__(
        self,
        settings: EngineSettings | None = None,
        *,
        registry: Registry = REGISTRY,
        clock: Callable[[], datetime] = utcnow,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.settings = settings or EngineSettings()
        self.registry = registry
        self.clock = clock
        self.retry = retry or RetryPolicy(self.settings)

    # ------------------------------------------------------------------------------------------- call
    def transaction(self, key: str) -> Transaction:
        try:
            return self.registry[key]
        except KeyError:
            raise UnsupportedInterfaceError(f"不支持的接口类型: {key}") from None

    def call(
        self, key: str, payload: Mapping[str, Any], institution: InstitutionConfig, options: CallOptions
    ) -> Flow:
        """Send one transaction; returns a CallResult or raises the error the outcome deserves."""
        tx = self.transaction(key)
        data = tx.validate_input(payload).model_dump(mode="python", exclude_none=True)
        operator = options.operator or institution.envelope.opter
        sign_no = "" if tx.infno in NO_SIGN_IN else (yield from self.ensure_sign_in(institution, operator))
        sign_in_renewed = False
        number = 0
        while True:
            number += 1
            msgid, envelope, keys = yield from self._record_message(
                tx, data, institution, options, sign_no, operator
            )
            sent = yield Send(self._request(tx, institution, envelope, options))
            attempt = classify(tx, sent, msgid=msgid)
            if attempt.sign_in_refused and not sign_in_renewed:
                # the bureau refused the stale sign_no before processing anything: sign in again, once
                yield self._complete(msgid, Outcome.FAILED.value, attempt, note="签到失效，已重新签到")
                sign_no = yield from self.ensure_sign_in(institution, operator, force=True)
                sign_in_renewed = True
                continue
            delay = self.retry.delay(tx.safety, attempt, number)
            if delay is None:
                break
            yield self._complete(msgid, Outcome.FAILED.value, attempt, note="未生效，已按重试策略重发")
            yield Sleep(delay)

        if attempt.outcome is Outcome.SUCCESS:
            output = attempt.answer.output if isinstance(attempt.answer, BureauResult) else None
            yield self._complete(msgid, Outcome.SUCCESS.value, attempt, keys=business_keys(output))
            return CallResult(
                msgid=msgid,
                infno=tx.infno,
                state="SUCCESS",
                output=output,
                file=attempt.answer if isinstance(attempt.answer, FileAnswer) else None,
                result=attempt.answer if isinstance(attempt.answer, BureauResult) else None,
            )
        assert attempt.error is not None
        if attempt.outcome is not Outcome.UNKNOWN or tx.safety is Safety.QUERY:
            # a refusal, or a read whose answer was lost: nothing happened at the bureau
            yield self._complete(msgid, Outcome.FAILED.value, attempt)
            raise attempt.error
        yield self._complete(msgid, Outcome.UNKNOWN.value, attempt)
        view = PendingView(
            msgid, tx.infno, institution.code, operator, self.clock(), keys, attempt.error.message
        )
        if not options.resolve:
            # the caller resolves it (compensation's own calls): hand over the bureau's words if it spoke
            if isinstance(attempt.error, BureauError):
                attempt.error.details.setdefault("outcome", "unknown")
                raise attempt.error
            raise _unknown(view, "unknown")
        deadline = self.clock() + timedelta(seconds=self.settings.resolve_budget_s)
        state, confirmation = yield from self.resolve(view, institution, deadline)
        if state == "CONFIRMED":
            return CallResult(
                msgid=msgid, infno=tx.infno, state=state, output=confirmation, confirmed_by=tx.confirm_by
            )
        if state == "FAILED":
            # the bureau never took it: the original refusal (if it answered) or a safe-to-retry error
            if isinstance(attempt.error, BureauError):
                raise attempt.error
            raise MedicalInsuranceException(
                f"报文 {msgid} 未在医保局生效，可以重新办理",
                code=20003,
                infno=tx.infno,
                msgid=msgid,
                retry=True,
                details={"outcome": "failed"},
            )
        raise _unknown(view, "reversed" if state == "REVERSED" else "unknown")

    def _record_message(
        self,
        tx: Transaction,
        data: Mapping[str, Any],
        institution: InstitutionConfig,
        options: CallOptions,
        sign_no: str,
        operator: str,
    ) -> Flow:
        """A new msgid and its envelope, recorded PENDING in the ledger before anything is sent.

        Returns (msgid, envelope, business keys).  A msgid the ledger holds already (issued by another
        allocator, e.g. after switching from the database to Redis within the same second) is skipped: nothing
        was sent with it, so the next number is as good."""
        attempt = 0
        while True:
            attempt += 1
            msgid = yield AllocateMsgId(institution.code)
            envelope = build_envelope(
                institution.envelope,
                infno=tx.infno,
                msgid=msgid,
                input=data,
                sign_no=sign_no,
                insuplc_admdvs=options.insuplc_admdvs,
                now=self.clock().replace(tzinfo=UTC),
                opter=operator,
                opter_name=options.operator_name,
            )
            keys = business_keys(data) | _present(insuplc_admdvs=envelope["insuplc_admdvs"])
            evidence = tx.evidence(data)
            if evidence:
                keys["evidence"] = evidence  # what confirm_by's answer shows if this message took effect
            entry = NewEntry(
                msgid=msgid,
                infno=tx.infno,
                safety=tx.safety.value,
                institution_code=institution.code,
                operator=operator,
                request=ledger_copy(envelope),
                business_keys=keys,
                created_at=self.clock(),
                request_id=options.request_id,
                parent_msgid=options.parent_msgid,
            )
            try:
                yield Record(entry)
            except DuplicateMessageError:
                if attempt == DUPLICATE_MSGID_ATTEMPTS:
                    raise
                continue
            return msgid, envelope, keys

    def _request(
        self,
        tx: Transaction,
        institution: InstitutionConfig,
        envelope: Mapping[str, Any],
        options: CallOptions,
    ) -> OutgoingRequest:
        body = encode_envelope(envelope)
        profile = institution.profile
        signer_settings = {name: institution.credentials.get(name, "") for name in profile.signer.credentials}
        signer = make_signer(profile.signer.kind, **signer_settings, **dict(profile.signer.options))
        headers = {"content-type": f"{profile.content_type}; charset=utf-8", **signer.headers(tx.infno, body)}
        timeout = options.timeout_s or self.settings.timeout_s or tx.timeout_s
        url = profile.url_for(tx.infno, institution.url_base, institution.credentials)
        return OutgoingRequest(tx.infno, url, headers, body, timeout)

    def _complete(
        self,
        msgid: str,
        state: str,
        attempt: Attempt,
        *,
        keys: Mapping[str, Any] | None = None,
        note: str | None = None,
    ) -> Complete:
        answer = attempt.answer
        response = mask_payload(answer.raw) if isinstance(answer, BureauResult) else None
        if isinstance(answer, FileAnswer):
            response = {"file": answer.filename, "bytes": len(answer.content)}
        error = attempt.error
        return Complete(
            msgid=msgid,
            state=state,
            answered_at=self.clock(),
            infcode=attempt.infcode,
            error_code=error.code if error else None,
            error_message=error.message if error else None,
            response=response,
            business_keys=dict(keys or {}),
            note=note,
        )

    # ---------------------------------------------------------------------------------------- sign-in
    def ensure_sign_in(self, institution: InstitutionConfig, operator: str, *, force: bool = False) -> Flow:
        """The operator's live sign_no: reused while valid, renewed after a day or when refused (9001)."""
        now = self.clock()
        if not force:
            session = yield LoadSession(institution.code, operator)
            if session is not None and session.expires_at > now:
                return session.sign_no
        yield DropSession(institution.code, operator)
        sign_in = {
            "signIn": {"opter_no": operator, "mac": institution.sign_in_mac, "ip": institution.sign_in_ip}
        }
        result = yield from self.call("9001", sign_in, institution, CallOptions(operator=operator))
        outb = (result.output or {}).get("signinoutb") or {}
        sign_no = str(outb.get("sign_no") or "")
        if not sign_no:
            raise MedicalInsuranceException(
                "签到成功但未返回 sign_no", code=20004, infno="9001", msgid=result.msgid
            )
        expires = now + timedelta(hours=self.settings.sign_in_valid_hours)
        yield StoreSession(institution.code, operator, sign_no, now, expires)
        return sign_no

    def sign_out(self, institution: InstitutionConfig, operator: str) -> Flow:
        """9002 for a signed-in operator (optional, e.g. on shutdown); forgets the session either way."""
        session = yield LoadSession(institution.code, operator)
        yield DropSession(institution.code, operator)
        if session is None:
            return None
        sign_out = {"signOut": {"sign_no": session.sign_no, "opter_no": operator}}
        return (yield from self.call("9002", sign_out, institution, CallOptions(operator=operator)))

    # ------------------------------------------------------------------------------------- resolution
    def sweep(self, institutions: Mapping[str, InstitutionConfig], *, limit: int = 100) -> Flow:
        """Resolve what is left: UNKNOWN entries and PENDING ones a crash interrupted.  Returns a report
        {msgid: final state}.  Entries of institutions not configured here are skipped."""
        now = self.clock()
        views = yield ListUnresolved(now, self.settings.stale_pending_s, limit)
        report: dict[str, str] = {}
        for view in views:
            institution = institutions.get(view.institution_code)
            if institution is None:
                continue
            yield MarkInterrupted(view.msgid, self.clock())  # no-op unless it was PENDING
            deadline = self.clock() + timedelta(seconds=self.settings.resolve_budget_s)
            state, _ = yield from self.resolve(view, institution, deadline)
            report[view.msgid] = state
        return report

    def resolve(self, view: PendingView, institution: InstitutionConfig, deadline: datetime) -> Flow:
        """Turn an UNKNOWN entry into REVERSED / CONFIRMED / FAILED, or leave it UNKNOWN for later.

        Returns (state, confirmation) where confirmation is the query row that proved a CONFIRMED outcome.
        """
        tx = self.transaction(view.infno)
        if tx.safety is Safety.QUERY or tx.effect_free:
            note = (
                "查询类交易无需补偿"
                if tx.safety is Safety.QUERY
                else "该交易在医保局不留下任何结果，可直接重新办理"
            )
            yield Resolve(view.msgid, "FAILED", self.clock(), note=note)
            return "FAILED", None
        if tx.reversible:
            return (yield from self._reverse(view, institution, deadline))
        if tx.confirm_by:
            return (yield from self._confirm(view, tx, institution, deadline))
        yield Resolve(view.msgid, "UNKNOWN", self.clock(), note="无冲正或查询手段，需人工核对")
        return "UNKNOWN", None

    def _reverse(self, view: PendingView, institution: InstitutionConfig, deadline: datetime) -> Flow:
        """2601 with omsgid/oinfno, sent until the bureau answers it (each attempt its own message)."""
        reversal = {
            "data": {
                "psn_no": view.business_keys.get("psn_no", ""),
                "omsgid": view.msgid,
                "oinfno": view.infno,
            }
        }
        options = CallOptions(
            operator=view.operator,
            insuplc_admdvs=view.business_keys.get("insuplc_admdvs") or None,
            resolve=False,
            parent_msgid=view.msgid,
        )
        number = 0
        while True:
            number += 1
            try:
                result = yield from self.call("2601", reversal, institution, options)
            except BureauError as exc:
                if ORIGINAL_NOT_EFFECTIVE.search(exc.message):
                    yield Resolve(view.msgid, "FAILED", self.clock(), exc.msgid, f"2601: {exc.message}")
                    return "FAILED", None
                if ALREADY_REVERSED.search(exc.message):
                    yield Resolve(view.msgid, "REVERSED", self.clock(), exc.msgid, f"2601: {exc.message}")
                    return "REVERSED", None
                if getattr(exc, "infcode", None) == -2:
                    # a business refusal to reverse: a person must look at it
                    yield Resolve(
                        view.msgid,
                        "UNKNOWN",
                        self.clock(),
                        exc.msgid,
                        f"2601 被拒绝，需人工处理: {exc.message}",
                    )
                    return "UNKNOWN", None
                note = f"2601 系统级失败，稍后重试: {exc.message}"  # -1 "系统繁忙" and the like
            except MedicalInsuranceException as exc:
                # the 2601 answer itself was lost (or the link is down): 2601 is idempotent, send it again
                note = f"2601 未得到应答: {exc.message}"
            else:
                yield Resolve(view.msgid, "REVERSED", self.clock(), result.msgid, "已通过 2601 冲正")
                return "REVERSED", None
            delay = self.retry.backoff(number)
            if self.clock() + timedelta(seconds=delay) >= deadline:
                yield Resolve(view.msgid, "UNKNOWN", self.clock(), None, note)
                return "UNKNOWN", None
            yield Sleep(delay)

    def _confirm(
        self, view: PendingView, tx: Transaction, institution: InstitutionConfig, deadline: datetime
    ) -> Flow:
        """Ask the query that shows whether the original took effect, and match it by a strong key."""
        assert tx.confirm_by is not None
        query_tx = self.transaction(tx.confirm_by)
        query_input = _query_input(query_tx, view)
        if query_input is None:
            yield Resolve(
                view.msgid, "UNKNOWN", self.clock(), note=f"无法构造 {query_tx.infno} 查询条件，需人工核对"
            )
            return "UNKNOWN", None
        options = CallOptions(
            operator=view.operator,
            insuplc_admdvs=view.business_keys.get("insuplc_admdvs") or None,
            resolve=False,
            parent_msgid=view.msgid,
        )
        number = 0
        while True:
            number += 1
            try:
                result = yield from self.call(query_tx.infno, query_input, institution, options)
            except MedicalInsuranceException as exc:
                # a query refused or unanswered: ask again until the deadline (reads are harmless)
                note = f"{query_tx.infno} 查询未成功: {exc.message}"
            else:
                verdict = _verdict(tx, view, result.output)
                if verdict is None:
                    yield Resolve(
                        view.msgid, "UNKNOWN", self.clock(), result.msgid, "缺少可比对的业务编号，需人工核对"
                    )
                    return "UNKNOWN", None
                state, row = verdict
                note = f"{query_tx.infno} 查询确认{'已生效' if state == 'CONFIRMED' else '未生效'}"
                yield Resolve(view.msgid, state, self.clock(), result.msgid, note)
                return state, row
            delay = self.retry.backoff(number)
            if self.clock() + timedelta(seconds=delay) >= deadline:
                yield Resolve(view.msgid, "UNKNOWN", self.clock(), None, note)
                return "UNKNOWN", None
            yield Sleep(delay)


# Longer texts (a 9101 file in Base64) are summarised in the ledger: it records messages, not files.
LEDGER_TEXT_LIMIT = 4096


def ledger_copy(message: Any) -> Any:
    """The masked message as the ledger keeps it, with very long texts replaced by their size."""
    masked = mask_payload(message)

    def shrink(node: Any) -> Any:
        if isinstance(node, Mapping):
            return {k: shrink(v) for k, v in node.items()}
        if isinstance(node, list):
            return [shrink(v) for v in node]
        if isinstance(node, str) and len(node) > LEDGER_TEXT_LIMIT:
            return f"<{len(node)} 字符，未存入台账>"
        return node

    return shrink(masked)


def _unknown(view: PendingView, outcome: str) -> OutcomeUnknownError:
    if outcome == "reversed":
        message = f"医保局未应答，报文 {view.msgid} 已通过 2601 自动冲正，可重新办理"
    else:
        message = f"医保局结果未知，报文 {view.msgid} 正在自动核对（冲正/查询），请勿重复办理"
    return OutcomeUnknownError(message, outcome=outcome, infno=view.infno, msgid=view.msgid)


def _present(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v not in (None, "")}


def business_keys(message: Any) -> dict[str, Any]:
    """The business identifiers in a message (first occurrence; feedetl_sn collects every row's)."""
    found: dict[str, Any] = {}
    serials: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                if isinstance(value, (Mapping, list)):
                    walk(value)
                elif key == "feedetl_sn" and value not in (None, ""):
                    serials.append(str(value))
                elif key in BUSINESS_KEYS and value not in (None, "") and key not in found:
                    found[key] = str(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message)
    if serials:
        found["feedetl_sn"] = serials
    return found


def _identity(tx: Transaction, view: PendingView) -> dict[str, Any]:
    """The keys that identify what `tx` created (or, for a cancellation, removed)."""
    names = IDENTITY_KEYS_FOR_CANCELS if tx.cancels else STRONG_KEYS
    keys = {k: view.business_keys[k] for k in names if view.business_keys.get(k) not in (None, "", "0000")}
    if tx.safety is Safety.MONEY and not tx.cancels:
        keys["medins_setl_id"] = view.msgid  # settlements echo the request msgid (reference §1.1)
    return keys


def _verdict(tx: Transaction, view: PendingView, output: Any) -> tuple[str, Mapping[str, Any] | None] | None:
    """CONFIRMED/FAILED from a query answer, or None when nothing identifies the record.

    A creation is confirmed when a row carries its key; a cancellation when no live row does any more.
    """
    if tx.confirm_evidence and not tx.cancels:
        wanted = view.business_keys.get("evidence")
        if not isinstance(wanted, Mapping) or not wanted:
            return None
        proof = next(
            (r for r in _rows(output) if all(str(r.get(k)) == str(v) for k, v in wanted.items())), None
        )
        return ("CONFIRMED", proof) if proof is not None else ("FAILED", None)
    keys = _identity(tx, view)
    if not keys:
        return None
    row = _matching_row(output, keys)
    if tx.cancels:
        gone = row is None or str(row.get("vali_flag", "1")) == "0"
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
    defaults = {"med_type": "11"}  # a registration carries none; the visit query needs one (普通门诊)
    message: dict[str, Any] = {}
    for node in query_tx.request_nodes:
        values: dict[str, Any] = {}
        for spec in node.fields:
            # the original's own begntime/endtime (a visit's start, a discharge time) are not a query window
            value = window.get(spec.name) or view.business_keys.get(spec.name, defaults.get(spec.name))
            if isinstance(value, list):
                value = value[0] if value else None
            if value in (None, ""):
                if spec.required:
                    return None
                continue
            values[spec.name] = value
        message[node.name] = [values] if node.many else values
    return message


# How far back a confirming query looks: a discharge or a cancellation may come long after the visit began,
# and a window that misses the visit would read as "not there" (a false FAILED for a creation, a false
# CONFIRMED for a cancellation).  Rows are matched by key, so a wide window costs only a longer answer.
QUERY_LOOKBACK = timedelta(days=366)


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
