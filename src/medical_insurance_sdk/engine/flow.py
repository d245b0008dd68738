"""The engine's logic, once, with no I/O: calling and signing in; resolving is in `compensation.py`.

Each public method is a generator that yields effects (`effects.py`) and returns a value; `runner.py`
drives it synchronously or asynchronously.  Reading order: `call` (validate → sign in → record → send →
classify → retry or compensate), then `ensure_sign_in`.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Generator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from medical_insurance_sdk.engine.calls import CallOptions, CallResult, PendingView
from medical_insurance_sdk.engine.classify import Attempt, Outcome, classify
from medical_insurance_sdk.engine.compensation import Compensation
from medical_insurance_sdk.engine.effects import (
    AllocateMsgId,
    Complete,
    DropSession,
    Effect,
    LoadSession,
    NewEntry,
    OutgoingRequest,
    Record,
    RecordAnswered,
    Send,
    Sleep,
    StoreSession,
)
from medical_insurance_sdk.engine.retry import RetryPolicy
from medical_insurance_sdk.engine.settings import EngineSettings, InstitutionConfig
from medical_insurance_sdk.engine.sm_request import sm_channel_for, sm_request
from medical_insurance_sdk.exceptions import (
    BureauError,
    DuplicateMessageError,
    MedicalInsuranceException,
    OutcomeUnknownError,
    UnsupportedInterfaceError,
)
from medical_insurance_sdk.masking import mask_payload, scrub_text
from medical_insurance_sdk.protocol.envelope import build_envelope, encode_envelope
from medical_insurance_sdk.protocol.msgid import fit_msgid
from medical_insurance_sdk.protocol.result import BureauResult, FileAnswer
from medical_insurance_sdk.protocol.signing import make_signer
from medical_insurance_sdk.registry import REGISTRY, Registry, Safety, Transaction
from medical_insurance_sdk.registry.keys import LEDGER_KEYS
from medical_insurance_sdk.registry.validation import validate_relaxed

__all__ = ["CallOptions", "CallResult", "EngineFlow", "PendingView", "business_keys", "ledger_copy"]

Flow = Generator[Effect, Any, Any]
# the embedded sandbox's id, or how to read it (it changes when the sandbox is reset)
EmbeddedBureau = str | Callable[[], str] | None

# A msgid found in the ledger already is skipped for the next one this many times before the call fails.
# Another allocator (Redis after the database one, or the reverse) may have used a whole run of numbers in
# the same second: skipping costs one failed insert each and sends nothing, so the bound is generous.
DUPLICATE_MSGID_ATTEMPTS = 100
# An attempt is not started with less time than this left of the call's deadline.
MIN_ATTEMPT_S = 0.05


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def resolver_name() -> str:
    """Who holds a compensation lease: host, process and a random part (two engines of one process differ)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def bureau_identity(institution: InstitutionConfig, embedded: str | None) -> str:
    """The bureau an institution's messages go to: profile + URL, or the embedded sandbox's own id."""
    if institution.base_url:
        return f"{institution.profile.name}@{institution.base_url.rstrip('/')}"
    return f"sandbox:{embedded or 'unnamed'}"


class EngineFlow:
    """The pure logic; holds no connections, only configuration, the registry, a clock and the policy.

    `embedded_bureau` is the identity of the embedded sandbox the engine's transport reaches (institutions
    without a base URL); `owner` names this engine in compensation leases.
    """

    def __init__(
        self,
        settings: EngineSettings | None = None,
        *,
        registry: Registry = REGISTRY,
        clock: Callable[[], datetime] = utcnow,
        retry: RetryPolicy | None = None,
        embedded_bureau: EmbeddedBureau = None,
        owner: str | None = None,
    ) -> None:
        self.settings = settings or EngineSettings()
        self.registry = registry
        self.clock = clock
        self.retry = retry or RetryPolicy(self.settings)
        self.embedded_bureau = embedded_bureau
        self.owner = owner or resolver_name()

    def bureau_of(self, institution: InstitutionConfig) -> str:
        embedded = self.embedded_bureau() if callable(self.embedded_bureau) else self.embedded_bureau
        return bureau_identity(institution, embedded)

    def processing_window_s(self, institution: InstitutionConfig) -> float:
        """How long after sending a message the bureau may still be processing it."""
        configured = self.settings.processing_window_s
        return institution.profile.processing_window_s if configured is None else configured

    # ------------------------------------------------------------------------------------------- call
    def transaction(self, key: str) -> Transaction:
        try:
            return self.registry[key]
        except KeyError:
            raise UnsupportedInterfaceError(f"不支持的接口类型: {key}") from None

    def lookup(self, key: str, institution: InstitutionConfig) -> tuple[str, Transaction]:
        """(the code sent, its transaction) for the institution: a registered one, or a variant code its
        province profile declares (sent as itself, validated and resolved as its base)."""
        return institution.profile.resolve(key, self.registry)

    def call(
        self, key: str, payload: Mapping[str, Any], institution: InstitutionConfig, options: CallOptions
    ) -> Flow:
        """Send one transaction; returns a CallResult or raises the error the outcome deserves.

        The transaction's timeout (spec §6.1.1) is the whole time its attempts may take: a read asked again
        after a lost answer gets what is left of it, not a fresh one."""
        infno, tx = self.lookup(key, institution)  # infno: the code sent (a province variant, or tx's)
        # the national tables, with the lengths the institution's province profile relaxes
        lengths = institution.profile.field_lengths
        model = validate_relaxed(tx.request_model, tx.request_nodes, payload, lengths, infno=tx.infno)
        data = model.model_dump(mode="python", exclude_none=True)
        operator = options.operator or institution.envelope.opter
        # the SM channel, where the institution configures it, carries no sign_no (engine/sm_request.py)
        sm = sm_channel_for(tx, institution.sm_channel)
        signs_in = tx.needs_sign_in and sm is None
        sign_no = (yield from self._signed_in(tx, institution, operator)) if signs_in else ""
        total_s = options.timeout_s or self.settings.timeout_s or tx.timeout_s
        call_deadline: datetime | None = None  # set when the first attempt leaves
        sign_in_renewed = False
        number = 0
        # a read's row is written once, after its answer and off the request path (issue 16); write and
        # money calls keep PENDING committed before sending and their answer committed before returning
        deferred = tx.safety is Safety.QUERY and self.settings.query_ledger_after_answer

        def finish(outcome: Complete, entry: NewEntry) -> Complete | RecordAnswered:
            return RecordAnswered(entry, outcome) if deferred else outcome

        while True:
            number += 1
            msgid, envelope, keys, recorded_at, entry = yield from self._record_message(
                tx, data, institution, options, sign_no, operator, record=not deferred, infno=infno
            )

            now = self.clock()
            call_deadline = call_deadline or now + timedelta(seconds=total_s)
            left_s = max(MIN_ATTEMPT_S, (call_deadline - now).total_seconds())
            sent = yield Send(self._request(tx, institution, envelope, min(total_s, left_s), infno))
            attempt = classify(tx, sent, msgid=msgid, sm=sm)
            if attempt.sign_in_refused and not sign_in_renewed:
                # the bureau refused the stale sign_no before processing anything: sign in again, once
                yield finish(
                    self._complete(msgid, Outcome.FAILED.value, attempt, note="签到失效，已重新签到"), entry
                )
                sign_no = yield from self._signed_in(tx, institution, operator, force=True)
                sign_in_renewed = True
                call_deadline = None  # refused before processing, once: the resend has the whole timeout
                continue
            delay = self.retry.delay(tx.safety, attempt, number)
            if delay is None or self.clock() + timedelta(seconds=delay + MIN_ATTEMPT_S) >= call_deadline:
                break
            yield finish(
                self._complete(msgid, Outcome.FAILED.value, attempt, note="未生效，已按重试策略重发"), entry
            )
            yield Sleep(delay)

        if attempt.outcome is Outcome.SUCCESS:
            output = attempt.answer.output if isinstance(attempt.answer, BureauResult) else None
            yield finish(
                self._complete(
                    msgid, Outcome.SUCCESS.value, attempt, keys=business_keys(output, tx.kept_keys)
                ),
                entry,
            )
            return CallResult(
                msgid=msgid,
                infno=infno,
                state="SUCCESS",
                output=output,
                file=attempt.answer if isinstance(attempt.answer, FileAnswer) else None,
                result=attempt.answer if isinstance(attempt.answer, BureauResult) else None,
            )
        assert attempt.error is not None
        if attempt.outcome is not Outcome.UNKNOWN or tx.safety is Safety.QUERY:
            # a refusal, or a read whose answer was lost: nothing happened at the bureau
            yield finish(self._complete(msgid, Outcome.FAILED.value, attempt), entry)
            raise attempt.error
        view = PendingView(
            msgid,
            infno,
            institution.code,
            operator,
            recorded_at,
            # the personal fields confirm_by is asked with live only here, for this call's own resolution
            {**keys, **tx.person_fields(data)},
            attempt.error.message,
            self.bureau_of(institution),
        )
        if not options.resolve:
            # the caller resolves it (compensation's own calls): hand over the bureau's words if it spoke
            yield self._complete(msgid, Outcome.UNKNOWN.value, attempt)
            if isinstance(attempt.error, BureauError):
                attempt.error.details.setdefault("outcome", "unknown")
                raise attempt.error
            raise _unknown(view, "unknown")
        # UNKNOWN and leased to this call in one write: no sweeper may act on it while the call resolves it
        lease_until = self.clock() + timedelta(seconds=self.settings.lease_s)
        yield self._complete(msgid, Outcome.UNKNOWN.value, attempt, lease=(self.owner, lease_until))
        deadline = self.clock() + timedelta(seconds=self.settings.resolve_budget_s)
        state, confirmation = yield from self.resolve(view, institution, deadline)
        if state == "CONFIRMED":
            return CallResult(
                msgid=msgid, infno=infno, state=state, output=confirmation, confirmed_by=tx.confirm_by
            )
        if state == "FAILED":
            # the bureau never took it: the original refusal (if it answered) or a safe-to-retry error
            if isinstance(attempt.error, BureauError):
                raise attempt.error
            raise MedicalInsuranceException(
                f"报文 {msgid} 未在医保局生效，可以重新办理",
                code=20003,
                infno=infno,
                msgid=msgid,
                retry=True,
                details={"outcome": "failed"},
            )
        raise _unknown(view, "reversed" if state == "REVERSED" else "unknown")

    def _signed_in(
        self, tx: Transaction, institution: InstitutionConfig, operator: str, *, force: bool = False
    ) -> Flow:
        """The sign_no for a business call; a failed 9001 is reported as this call's failure: nothing of it
        was sent (its infno, no msgid of its own; the sign-in's msgid is in details["sign_in_msgid"])."""
        try:
            return (yield from self.ensure_sign_in(institution, operator, force=force))
        except MedicalInsuranceException as exc:
            if exc.msgid:
                exc.details["sign_in_msgid"] = exc.msgid
            exc.details.pop("outcome", None)  # the business message was never sent
            exc.message = f"签到（9001）失败，{tx.infno} 未发送: {exc.message}"
            exc.args = (exc.message,)
            exc.infno, exc.msgid = tx.infno, None
            raise

    def _record_message(
        self,
        tx: Transaction,
        data: Mapping[str, Any],
        institution: InstitutionConfig,
        options: CallOptions,
        sign_no: str,
        operator: str,
        *,
        record: bool = True,
        infno: str | None = None,
    ) -> Flow:
        """A new msgid and its envelope, recorded PENDING in the ledger before anything is sent (unless
        `record` is False: a query's row is written with its answer, `RecordAnswered`).

        Returns (msgid, envelope, business keys, when recorded, the ledger entry).  A msgid the ledger holds
        already (issued by another allocator, e.g. after switching from the database to Redis within the same
        second) is skipped: nothing was sent with it, so the next number is as good.  `infno` is the code
        sent (a province variant of `tx`); the msgid and sign_no lengths are the province's."""
        infno = infno or tx.infno
        rules = institution.profile.envelope
        attempt = 0
        while True:
            attempt += 1
            msgid = fit_msgid((yield AllocateMsgId(institution.code)), rules.msgid_length)
            envelope = build_envelope(
                institution.envelope,
                infno=infno,
                msgid=msgid,
                input=data,
                sign_no=sign_no,
                insuplc_admdvs=options.insuplc_admdvs,
                now=self.clock().replace(tzinfo=UTC),
                opter=operator,
                opter_name=options.operator_name,
                lengths=rules.lengths,
            )
            keys = business_keys(data, tx.kept_keys) | _present(insuplc_admdvs=envelope["insuplc_admdvs"])
            evidence = tx.evidence(data)
            if evidence:
                keys["evidence"] = evidence  # what confirm_by's answer shows if this message took effect
            recorded_at = self.clock()
            entry = NewEntry(
                msgid=msgid,
                infno=infno,
                safety=tx.safety.value,
                institution_code=institution.code,
                operator=operator,
                request=ledger_copy(envelope),
                business_keys=keys,
                created_at=recorded_at,
                request_id=options.request_id,
                parent_msgid=options.parent_msgid,
                bureau=self.bureau_of(institution),
            )
            if not record:
                return msgid, envelope, keys, recorded_at, entry
            try:
                yield Record(entry)
            except DuplicateMessageError:
                if attempt == DUPLICATE_MSGID_ATTEMPTS:
                    raise
                continue
            return msgid, envelope, keys, recorded_at, entry

    def _request(
        self,
        tx: Transaction,
        institution: InstitutionConfig,
        envelope: Mapping[str, Any],
        timeout_s: float,
        infno: str | None = None,
    ) -> OutgoingRequest:
        """The HTTP request of one attempt; `infno` is the code sent (a province variant of `tx`)."""
        sm = sm_channel_for(tx, institution.sm_channel)
        if sm is not None:  # sealed on the SM channel instead of the infno envelope
            return sm_request(tx, sm, institution.url_base, envelope["input"], timeout_s)
        infno = infno or tx.infno
        body = encode_envelope(envelope)
        profile = institution.profile
        signer_settings = {name: institution.credentials.get(name, "") for name in profile.signer.credentials}
        signer = make_signer(profile.signer.kind, **signer_settings, **dict(profile.signer.options))
        headers = {"content-type": f"{profile.content_type}; charset=utf-8", **signer.headers(infno, body)}
        url = profile.url_for(infno, institution.url_base, institution.credentials)
        return OutgoingRequest(infno, url, headers, body, timeout_s)

    def _complete(
        self,
        msgid: str,
        state: str,
        attempt: Attempt,
        *,
        keys: Mapping[str, Any] | None = None,
        note: str | None = None,
        lease: tuple[str, datetime] | None = None,
    ) -> Complete:
        answer = attempt.answer
        response = mask_payload(answer.raw) if isinstance(answer, BureauResult) else None
        if isinstance(answer, FileAnswer):
            response = {"file": answer.filename, "bytes": answer.size}
        error = attempt.error
        return Complete(
            msgid=msgid,
            state=state,
            answered_at=self.clock(),
            infcode=attempt.infcode,
            error_code=error.code if error else None,
            error_message=scrub_text(error.message) if error else None,  # may quote the patient
            response=response,
            business_keys=dict(keys or {}),
            note=note,
            lease_owner=lease[0] if lease else None,
            lease_until=lease[1] if lease else None,
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
        """Resolve what is left (compensation.py): {msgid: final state}."""
        return (yield from Compensation(self).sweep(institutions, limit=limit))

    def resolve(self, view: PendingView, institution: InstitutionConfig, deadline: datetime) -> Flow:
        """One UNKNOWN entry whose lease this flow holds (compensation.py): (state, confirmation row)."""
        return (yield from Compensation(self).resolve(view, institution, deadline))


# Longer texts (a 9101 file in Base64) are summarised in the ledger: it records messages, not files.
LEDGER_TEXT_LIMIT = 4096


def ledger_copy(message: Any) -> Any:
    """The masked message as the ledger keeps it, with very long texts replaced by their size."""
    return mask_payload(message, text_limit=LEDGER_TEXT_LIMIT)


def _unknown(view: PendingView, outcome: str) -> OutcomeUnknownError:
    if outcome == "reversed":
        message = f"医保局未应答，报文 {view.msgid} 已通过 2601 自动冲正，可重新办理"
    else:
        message = f"医保局结果未知，报文 {view.msgid} 正在自动核对（冲正/查询），请勿重复办理"
    return OutcomeUnknownError(message, outcome=outcome, infno=view.infno, msgid=view.msgid)


def _present(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v not in (None, "")}


def business_keys(message: Any, names: tuple[str, ...] = LEDGER_KEYS) -> dict[str, Any]:
    """The business identifiers `names` in a message (first occurrence; feedetl_sn collects every row's):
    the registry's `LEDGER_KEYS`, or what a transaction keeps (`Transaction.kept_keys`)."""
    found: dict[str, Any] = {}
    serials: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                if isinstance(value, (Mapping, list)):
                    walk(value)
                elif key == "feedetl_sn" and value not in (None, ""):
                    serials.append(str(value))
                elif key in names and value not in (None, "") and key not in found:
                    found[key] = str(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message)
    if serials:
        found["feedetl_sn"] = serials
    return found
