"""Idempotency keys for write and money calls, as payment APIs have them (I/O-free, like `flow.py`).

    result = yield from keyed_call(flow, "2102", payload, institution, options, "HIS-20250714-0001")

A caller that may send one purchase twice (a retry after a timeout, a double click, two tills) gives it a key.
The first call with the key claims it (`idempotency_record`, unique per institution) and runs the ordinary
flow; the key then remembers the message that carries the outcome and, once the call ends, the outcome.

- the same key and the same request (sha256 of the canonical infno + input): the first call's outcome,
  without sending anything.  An unknown outcome is answered as unknown for the same msgid until the ledger
  has resolved that message; then its resolution is the answer.  A resolution CONFIRMED by the query
  (2201 → 5201) answers like the call that confirms it itself: the query's row (asked again: a read), so
  the caller gets its mdtrt_id; if that query fails, no row (confirmed_by still says what happened).
- the same key and another request: 30006 (HTTP 409), nothing sent.
- the same key while the first call still runs: 30006 "正在处理中" with a retry hint, nothing sent.  A key
  left IN_FLIGHT by a process that died is answered from the ledger after `stale_pending_s` (its message is
  unknown until the sweeper resolves it); one that names no message yet is taken over and run.
- a failure that certainly never reached the bureau (validation, a refused connection, the bureau's gateway
  refusing with HTTP 4xx/429, a failed sign-in) releases the key: the caller fixes it and sends the same key.

Only write and money transactions use keys; a key given with a query is ignored.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any

from medical_insurance_sdk.engine.calls import CallOptions, CallResult
from medical_insurance_sdk.engine.classify import Outcome, classify
from medical_insurance_sdk.engine.compensation import Compensation
from medical_insurance_sdk.engine.effects import (
    AttachMsgId,
    ClaimKey,
    FinishKey,
    KeyRecord,
    LookUpMessage,
    Record,
    ReleaseKey,
    Send,
    SendResult,
    TakeOverKey,
)
from medical_insurance_sdk.engine.flow import EngineFlow, Flow
from medical_insurance_sdk.engine.ledger import view_of
from medical_insurance_sdk.engine.settings import InstitutionConfig
from medical_insurance_sdk.exceptions import (
    FieldError,
    MedicalInsuranceException,
    OutcomeUnknownError,
    RequestError,
    exception_for,
)
from medical_insurance_sdk.protocol import jsoncodec
from medical_insurance_sdk.protocol.result import TransportAnswer
from medical_insurance_sdk.registry import Safety, Transaction

# the HTTP header that carries the key (gateway, SDK, every client language)
IDEMPOTENCY_HEADER = "Idempotency-Key"
# 1-255 visible ASCII characters (an HTTP header value; UUIDs, order numbers, "<batch>:<position>" ...)
KEY_PATTERN = re.compile(r"[\x21-\x7e]{1,255}")
# the error code of a key that cannot be used now: 30006 数据重复 (HTTP 409)
CONFLICT = 30006
# how long a caller told "正在处理中" should wait before asking again (seconds)
IN_FLIGHT_RETRY_AFTER_S = 3
RESOLVED_STATES = frozenset({"CONFIRMED", "REVERSED", "FAILED", "SUCCESS"})


def check_key(key: str) -> str:
    """The key as given, or RequestError 10002 when it is not 1-255 visible ASCII characters."""
    if not KEY_PATTERN.fullmatch(key):
        raise RequestError("请求参数格式错误: Idempotency-Key 须为 1-255 个可见 ASCII 字符", code=10002)
    return key


def uses_key(tx: Transaction) -> bool:
    """Write and money transactions honour a key; reads are harmless to repeat and ignore it."""
    return tx.safety in (Safety.WRITE, Safety.MONEY)


def request_hash(infno: str, payload: Mapping[str, Any]) -> str:
    """sha256 (hex) of the canonical infno + input: keys sorted, numbers as their exact digits in text.

    A number and its text are the same request (`25.00` from a gateway body, "25.00" from a stored batch
    or an SDK), but `25.0` is not `25.00`: no float ever rounds an amount here."""
    text = jsoncodec.dumps({"infno": infno, "input": _canonical(payload)})
    return hashlib.sha256(text).hexdigest()


def _canonical(node: Any) -> Any:
    if isinstance(node, Mapping):
        return {str(k): _canonical(node[k]) for k in sorted(node, key=str)}
    if isinstance(node, list | tuple):
        return [_canonical(v) for v in node]
    if isinstance(node, Decimal):
        return jsoncodec.format_decimal(node)
    if isinstance(node, int | float) and not isinstance(node, bool):
        return repr(node)
    return node


def keyed_call(
    flow: EngineFlow,
    key: str,
    payload: Mapping[str, Any],
    institution: InstitutionConfig,
    options: CallOptions,
    idempotency_key: str | None,
) -> Flow:
    """`flow.call` under an idempotency key (no key, or a read: exactly `flow.call`)."""
    infno, tx = flow.lookup(key, institution)  # infno: the code sent (a province variant, or tx's)
    if not idempotency_key or not uses_key(tx):
        return (yield from flow.call(key, payload, institution, options))
    check_key(idempotency_key)
    digest = request_hash(infno, payload)
    now = flow.clock()
    record: KeyRecord = yield ClaimKey(institution.code, idempotency_key, digest, infno, now)
    if not record.claimed:
        if record.request_hash != digest:
            raise _conflict(
                f"幂等键 {idempotency_key} 已用于另一笔请求（接口或入参不同），请更换幂等键", idempotency_key
            )
        if record.state == "DONE":
            return (yield from _replay(flow, tx, record, institution))
        if now - record.created_at < timedelta(seconds=flow.settings.stale_pending_s):
            raise _in_flight(idempotency_key, record.msgid)
        # IN_FLIGHT for longer than any live call: its process died
        if record.msgid is not None:
            entry = yield LookUpMessage(record.msgid)
            return (yield from _settled(flow, tx, record.msgid, entry, institution, infno))
        taken = yield TakeOverKey(record.id, record.created_at, now)
        if not taken:
            raise _in_flight(idempotency_key, None)
    return (yield from _run(flow, (infno, tx), key, payload, institution, options, record.id))


def _run(
    flow: EngineFlow,
    sent_tx: tuple[str, Transaction],
    key: str,
    payload: Mapping[str, Any],
    institution: InstitutionConfig,
    options: CallOptions,
    record_id: int,
) -> Flow:
    """Drive `flow.call` effect by effect, noting the message it records and what its sending got.
    `sent_tx`: the code sent (a province variant, or the transaction's own) and the transaction."""
    infno, tx = sent_tx
    inner = flow.call(key, payload, institution, options)
    msgid: str | None = None
    sent: SendResult | None = None
    awaiting_send = False
    value: Any = None
    error: BaseException | None = None
    while True:
        try:
            effect = inner.throw(error) if error is not None else inner.send(value)
        except StopIteration as stop:
            result: CallResult = stop.value
            yield FinishKey(record_id, flow.clock(), msgid=result.msgid, answer=_stored_answer(result))
            return result
        except MedicalInsuranceException as exc:
            if _never_arrived(tx, exc, msgid, sent, infno):
                yield ReleaseKey(record_id)
            else:
                yield FinishKey(record_id, flow.clock(), msgid=exc.msgid or msgid, error=_stored_error(exc))
            raise
        except Exception:
            if msgid is None:
                yield ReleaseKey(record_id)
            raise  # a message may be out: the key stays IN_FLIGHT and is answered from the ledger later
        value, error = None, None
        try:
            value = yield effect
        except Exception as exc:  # the shell's failure goes to the flow, as the runner would hand it
            error = exc
            continue
        if isinstance(effect, Record) and _is_main(effect, infno, options):
            msgid, sent, awaiting_send = effect.entry.msgid, None, True
            yield AttachMsgId(record_id, msgid)
        elif isinstance(effect, Send) and awaiting_send:
            sent, awaiting_send = value, False


def _is_main(effect: Record, infno: str, options: CallOptions) -> bool:
    # the call's own message, not a sign-in (9001) nor a compensation message (parent_msgid set)
    return effect.entry.infno == infno and effect.entry.parent_msgid == options.parent_msgid


def _never_arrived(
    tx: Transaction, exc: MedicalInsuranceException, msgid: str | None, sent: SendResult | None, infno: str
) -> bool:
    """Whether the failure certainly left nothing at the bureau: then the key is released."""
    if msgid is None or sent is None:
        return True  # refused before the message was recorded or sent (validation, sign-in, signer)
    if exc.msgid is None or exc.infno not in (None, tx.infno, infno):
        return True  # the renewed sign-in (9001) failed after the bureau refused the stale sign_no
    attempt = classify(tx, sent, msgid=msgid)
    if attempt.outcome is Outcome.NOT_SENT:
        return True
    # the bureau's gateway refused it before processing (HTTP 4xx / 429, no bureau answer)
    return attempt.outcome is Outcome.FAILED and isinstance(attempt.answer, TransportAnswer)


# ----------------------------------------------------------------------------------------------- replay


def _stored_answer(result: CallResult) -> dict[str, Any]:
    # the output as wire text: a replay reads it back with the same Decimal amounts
    return {
        "state": result.state,
        "confirmed_by": result.confirmed_by,
        "output": jsoncodec.dumps(result.output).decode("utf-8"),
    }


def _stored_error(exc: MedicalInsuranceException) -> dict[str, Any]:
    return {
        "unknown": isinstance(exc, OutcomeUnknownError),
        "code": exc.code,
        "message": exc.message,
        "infno": exc.infno,
        "msgid": exc.msgid,
        "retry": exc.retry,
        "retry_after": exc.retry_after,
        "infcode": getattr(exc, "infcode", None),
        "details": exc.details,
        "errors": [{"code": e.code, "path": e.path, "detail": e.detail} for e in getattr(exc, "errors", ())],
    }


def _rebuilt_error(stored: Mapping[str, Any]) -> MedicalInsuranceException:
    details = dict(stored.get("details") or {})
    common: dict[str, Any] = {
        "code": stored["code"],
        "infno": stored.get("infno"),
        "msgid": stored.get("msgid"),
        "retry": stored.get("retry"),
        "retry_after": stored.get("retry_after"),
        "details": details,
    }
    if stored.get("unknown"):
        return OutcomeUnknownError(
            stored["message"], outcome=str(details.get("outcome", "unknown")), **common
        )
    errors = [FieldError(e["code"], e["path"], e.get("detail", "")) for e in stored.get("errors") or ()]
    if errors:
        common["errors"] = errors
    message = stored["message"]
    if common["retry"]:
        # sending the same key again only replays this answer: a new attempt needs a new key
        message = f"{message}（该幂等键已记录此结果，重新办理请使用新的幂等键）"
        common["retry"], common["retry_after"] = False, None
    code = common.pop("code")
    return exception_for(code, message, infcode=stored.get("infcode"), **common)


def _replay(flow: EngineFlow, tx: Transaction, record: KeyRecord, institution: InstitutionConfig) -> Flow:
    """The outcome a DONE key remembers; an unknown one is first looked up in the ledger again."""
    if record.answer is not None:
        answer = record.answer
        return CallResult(
            msgid=record.msgid or "",
            infno=record.infno,
            state=str(answer.get("state") or "SUCCESS"),
            output=jsoncodec.loads(str(answer.get("output") or "null")),
            confirmed_by=answer.get("confirmed_by"),
        )
    stored = record.error or {"code": 20003, "message": "接口调用失败"}
    if stored.get("unknown") and record.msgid:
        entry = yield LookUpMessage(record.msgid)
        if entry is not None and entry.state in RESOLVED_STATES:
            return (yield from _settled(flow, tx, record.msgid, entry, institution, record.infno))
    raise _rebuilt_error(stored)


def _settled(
    flow: EngineFlow, tx: Transaction, msgid: str, entry: Any, institution: InstitutionConfig, infno: str
) -> Flow:
    """`_from_ledger`, with the confirming query's row for a CONFIRMED message (asked again: a read)."""
    confirmation = None
    if getattr(entry, "state", None) == "CONFIRMED":
        confirmation = yield from Compensation(flow).confirmation(view_of(entry), institution)
    return _from_ledger(tx, msgid, entry, confirmation, infno)


def _from_ledger(
    tx: Transaction,
    msgid: str,
    entry: Any,
    confirmation: Mapping[str, Any] | None = None,
    infno: str | None = None,
) -> CallResult:
    """The answer the ledger gives for the key's message (a LedgerEntry, or None when it is gone);
    `confirmation`: the query row that shows a CONFIRMED message took effect, when there is one.  `infno`
    is the code the message was sent as (a province variant of `tx`)."""
    infno = infno or tx.infno
    state = getattr(entry, "state", None)
    if state == "SUCCESS":
        # the call's process died after the answer: the ledger keeps the masked answer only
        response = entry.response if isinstance(entry.response, Mapping) else {}
        return CallResult(msgid=msgid, infno=infno, state="SUCCESS", output=response.get("output"))
    if state == "CONFIRMED":
        return CallResult(
            msgid=msgid, infno=infno, state="CONFIRMED", output=confirmation, confirmed_by=tx.confirm_by
        )
    if state == "REVERSED":
        raise OutcomeUnknownError(
            f"医保局未应答，报文 {msgid} 已通过 2601 自动冲正，请使用新的幂等键重新办理",
            outcome="reversed",
            infno=infno,
            msgid=msgid,
        )
    if state == "FAILED":
        if entry.resolved_at is not None:  # an unknown outcome the compensation found never took effect
            raise MedicalInsuranceException(
                f"报文 {msgid} 未在医保局生效，请使用新的幂等键重新办理",
                code=20003,
                infno=infno,
                msgid=msgid,
                retry=False,  # the same key only replays this answer
                details={"outcome": "failed"},
            )
        raise exception_for(
            entry.error_code or 20003,
            entry.error_message or f"报文 {msgid} 未在医保局生效",
            infcode=entry.infcode,
            infno=infno,
            msgid=msgid,
        )
    raise OutcomeUnknownError(
        f"医保局结果未知，报文 {msgid} 正在自动核对（冲正/查询），请勿重复办理",
        outcome="unknown",
        infno=infno,
        msgid=msgid,
    )


def _conflict(message: str, key: str) -> MedicalInsuranceException:
    return exception_for(CONFLICT, message, details={"idempotency_key": key})


def _in_flight(key: str, msgid: str | None) -> MedicalInsuranceException:
    return exception_for(
        CONFLICT,
        f"同一幂等键的请求正在处理中，请稍后查询（幂等键 {key}）",
        msgid=msgid,
        retry=True,
        retry_after=IN_FLIGHT_RETRY_AFTER_S,
        details={"idempotency_key": key},
    )
