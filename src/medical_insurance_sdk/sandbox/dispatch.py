"""The sandbox bureau's dispatcher: check a message as the platform does, run its handler, record it, answer.

    answer = handle_body(state, body, headers)                  # the dispatcher endpoint
    answer = handle_body(state, body, headers, route_infnos={"1101"})  # the URL path named the infno
    answer = await serve_message(state, message, headers, body=body)  # the same, on the event loop

Checks, in this order; the first that fails answers HTTP 200, infcode -1, output null and a Chinese
err_msg ending in (traceId@ip), and the message is NOT processed:

1. the body is a JSON object;
2. the gateway signature of the configured profile (x-tif / AK/SK / none) → "签名验证失败: …";
3. the envelope fields (required, lengths, formats) → the 3000x texts, e.g. "30002 - 必填字段缺失: opter";
   the msgid and sign_no lengths are the profile's `envelope` settings (national: 30 and at most 30);
4. msgid: starting with the sender's fixmedins_code (and, for 12-character codes and the national 30
   characters, the code + yyyyMMddHHmmss + 4-digit layout of `protocol.msgid`);
5. a known infno (and the same one the service path names, when it names one);
6. the msgid was not used before → "报文ID重复: <msgid>";
7. a live 9001 sign_no of the same institution, for every transaction whose registry record `needs_sign_in`;
8. insuplc_admdvs present when the input carries a psn_no;
9. the input against the registry's field tables → "30002 - 必填字段缺失: data.mdtrt_id; …".

Then the handler (`HANDLERS[infno]`, else the generic one) runs inside one database transaction.  Success
commits its changes together with the `sbx_message` row; a `Refusal` (a business refusal, infcode -2 as
the spec defines it) rolls its changes back and the refused message is still recorded.  An unexpected
exception is a sandbox bug: it answers infcode -1 with `INTERNAL_ERROR` (never a success, never an HTTP
500) and is logged, not recorded.  A query (registry safety QUERY, no file of its own) runs checks 6-9 and
its handler in a read session without the write lock (`SandboxState.session(write=False)`; on a file or
server database, not in memory) and then records its `sbx_message` row alone (on the event loop: with the
other rows of the moment, `ledger.MessageWriter`); a query handler that turns out to write is run again as
a write.  Two messages with one msgid racing each other: the row's primary key lets one in, the other is
refused as a duplicate.  Checks 1-5, 8 and 9 need no database and run before any transaction (a write
holds the lock only for 6, 7 and the handler; 8 and 9 are answered after 6 and 7, in the order above).

Where it runs: `handle_message` where it is called (tests, the `delayed_commit` fault's timer thread);
`serve_message`, the app's, on the event loop, waiting for the write lock without blocking the loop
(`sandbox.writelock`), except a transaction with a file (made, served or received) that goes to a worker
thread.  A worker thread per message cost more than the message (the GIL changes hands at every SQLite
call).

Decisions:
- Duplicate msgid: only PROCESSED messages count, i.e. those that reached the handler and were recorded
  (answered success or a business refusal).  A message rejected by checks 1-9, or by a fault before
  processing, may be sent again with the same msgid once fixed.  After `timeout_after` / `reset_after`
  faults the message was processed, so resending the msgid is refused: the client must look the outcome
  up (query, or 2601 with omsgid) instead of resending, as with the real platform.
- Sign-in: only a record with `needs_sign_in=False` (9001 itself) is exempt.  The operator is not
  compared with the one who signed in (several operators of one institution share a terminal's
  sign-in); a sign-out (9002) ends the sign_no.
- The SM4/SM2 channel (62xx–64xx, 71xx–72xx) has no infno envelope, msgid or sign_no: its signature is the
  channel's own.  See `handle_sm_message`.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

import anyio
import anyio.to_thread
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from medical_insurance_sdk.exceptions import (
    AuthenticationError,
    DataValidationError,
    FieldError,
    MedicalInsuranceException,
)
from medical_insurance_sdk.protocol.envelope import ENVELOPE_FIELDS, _field_errors, carries_psn_no
from medical_insurance_sdk.protocol.jsoncodec import loads
from medical_insurance_sdk.protocol.msgid import CODE_LENGTH, MSGID_LENGTH, parse_msgid
from medical_insurance_sdk.protocol.profiles import EnvelopeRules, Profile
from medical_insurance_sdk.registry import REGISTRY, Channel, Safety, Transaction
from medical_insurance_sdk.registry.validation import validate_relaxed
from medical_insurance_sdk.sandbox import ledger
from medical_insurance_sdk.sandbox.answers import (
    OCTET_STREAM,
    Answer,
    envelope,
    json_answer,
    trace_suffix,
)
from medical_insurance_sdk.sandbox.files import FileBody
from medical_insurance_sdk.sandbox.generic import generic_handler
from medical_insurance_sdk.sandbox.handlers.base import HANDLERS, Context, Output, Refusal
from medical_insurance_sdk.sandbox.runtime import SandboxState

log = logging.getLogger(__name__)

INTERNAL_ERROR = "医保中心系统内部错误"
FILE_UPLOAD = "file_upload"  # the performance class of the uploads that carry a file (9101, 3704)
SM_CODE_OK = 0
SM_CODE_FAIL = -1


class Rejected(Exception):
    """A message refused by the platform's checks, before any processing."""

    def __init__(self, err_msg: str) -> None:
        super().__init__(err_msg)
        self.err_msg = err_msg


@dataclass(frozen=True, slots=True)
class Outcome:
    """What processing a message gave: infcode, output (or a file) and err_msg (with its trace suffix)."""

    infcode: int
    output: Output | FileBody
    err_msg: str | None


# --------------------------------------------------------------------------------------------- entry points


def handle_body(
    state: SandboxState,
    body: bytes,
    headers: Mapping[str, str],
    *,
    route_infnos: Collection[str] | None = None,
    received: datetime | None = None,
) -> Answer:
    """Parse a request body and dispatch it (`route_infnos`: the infnos the URL path stands for, if any)."""
    received = received or state.now()
    try:
        message = parse_body(body)
    except Rejected as rejected:
        return _rejection(state, {}, rejected.err_msg, received)
    return handle_message(state, message, headers, body=body, route_infnos=route_infnos, received=received)


def parse_body(body: bytes) -> dict[str, Any]:
    """The request object; a body that is not a JSON object is rejected (any content type is read)."""
    try:
        message = loads(body)
    except ValueError:
        raise Rejected("30009 - 数据解析失败: 交易报文不是有效的 JSON") from None
    if not isinstance(message, dict):
        raise Rejected("30009 - 数据解析失败: 交易报文应为 JSON 对象")
    return message


def handle_message(
    state: SandboxState,
    message: dict[str, Any],
    headers: Mapping[str, str],
    *,
    body: bytes = b"",
    route_infnos: Collection[str] | None = None,
    received: datetime | None = None,
) -> Answer:
    """Check one envelope, run its transaction and answer (see the module docstring for the order)."""
    received = received or state.now()
    checked = _checked(state, message, headers, body, route_infnos, received)
    if isinstance(checked, Answer):
        return checked
    if _reads_only(checked.tx, state):
        read = _read(state, checked, received)
        if isinstance(read, Answer):
            return read
        if read is not None:
            return _read_answer(
                state, checked, read, ledger.record_alone(state.write_connection, read.row), received
            )
    return _write(state, checked, received)


async def serve_message(
    state: SandboxState,
    message: dict[str, Any],
    headers: Mapping[str, str],
    *,
    body: bytes = b"",
    route_infnos: Collection[str] | None = None,
    received: datetime | None = None,
) -> Answer:
    """`handle_message` for the event loop, where it runs: a query in a read session, its ledger row
    committed by `state.ledger` with the others of the moment; a write once the write lock is free,
    without blocking the loop meanwhile (`sandbox.writelock`).  A transaction with a file (made, served
    or received) runs on a worker thread instead: it may take long."""
    received = received or state.now()
    checked = _checked(state, message, headers, body, route_infnos, received)
    if isinstance(checked, Answer):
        return checked
    if _reads_only(checked.tx, state):
        read = _read(state, checked, received)
        if isinstance(read, Answer):
            return read
        if read is not None:
            return _read_answer(state, checked, read, await state.ledger.record(read.row), received)
    if _has_file(checked.tx):
        return await anyio.to_thread.run_sync(_write, state, checked, received)
    return await state.write_soon(lambda: _write(state, checked, received, wait=False))


@dataclass(frozen=True, slots=True)
class _Checked:
    """A message past the checks that need no database (1-5): the envelope as processed, its transaction,
    and either its validated input or the refusal of check 8 or 9, given once checks 6 and 7 (the
    ledger's, in the transaction that processes it) have passed."""

    message: dict[str, Any]
    tx: Transaction
    data: dict[str, Any] | None
    refusal: str | None


@dataclass(frozen=True, slots=True)
class _Answered:
    """A query answered in a read session, its ledger row still to be recorded."""

    row: ledger.Row
    outcome: Outcome


def _checked(
    state: SandboxState,
    message: dict[str, Any],
    headers: Mapping[str, str],
    body: bytes,
    route_infnos: Collection[str] | None,
    received: datetime,
) -> _Checked | Answer:
    message = _tolerant(message)
    try:
        tx = _check(state, message, headers, body, route_infnos)
    except Rejected as rejected:
        return _rejection(state, message, rejected.err_msg, received)
    if carries_psn_no(message["input"]) and not message.get("insuplc_admdvs"):
        refusal = "参保地医保区划(insuplc_admdvs)不能为空: 交易输入含人员编号(psn_no)时必须填写"
        return _Checked(message, tx, None, refusal)
    try:
        return _Checked(message, tx, _validated(tx, message["input"], state.profile), None)
    except Rejected as rejected:
        return _Checked(message, tx, None, rejected.err_msg)


def _check_ledger(state: SandboxState, connection: Connection, checked: _Checked) -> dict[str, Any]:
    """Checks 6 and 7 in the processing transaction, then the refusal of 8 or 9; the validated input."""
    message = checked.message
    msgid = message["msgid"]
    if ledger.processed(connection, msgid):
        raise Rejected(f"报文ID重复: {msgid}")
    if state.settings.sign_in_required and checked.tx.needs_sign_in:
        refusal = ledger.sign_in_refusal(
            connection, str(message.get("sign_no") or ""), message["fixmedins_code"]
        )
        if refusal is not None:
            raise Rejected(refusal)
    if checked.refusal is not None:
        raise Rejected(checked.refusal)
    assert checked.data is not None
    return checked.data


def _reads_only(tx: Transaction, state: SandboxState) -> bool:
    """A query whose handler is expected to read only (no file of its own to make or serve), on a database
    that lets reads run beside the writer (in memory, one connection: everything stays under the lock)."""
    return state.concurrent_reads and tx.safety is Safety.QUERY and not (tx.file_output or tx.answer_is_file)


def _has_file(tx: Transaction) -> bool:
    return tx.file_output or tx.answer_is_file or tx.perf == FILE_UPLOAD


def _read(state: SandboxState, checked: _Checked, received: datetime) -> Answer | _Answered | None:
    """A query without the write lock: checks and handler in a read session; its ledger row is the
    caller's to record.  None when the handler turned out to write (the caller runs the message as a
    write instead; nothing was kept)."""
    tx, message = checked.tx, checked.message
    with state.session(write=False) as session:
        try:
            data = _check_ledger(state, session.connection(), checked)
        except Rejected as rejected:
            session.rollback()
            return _rejection(state, message, rejected.err_msg, received)
        ctx = _context(state, session, tx, message, received)
        handler = HANDLERS.get(tx.infno, generic_handler)
        try:
            with session.no_autoflush:
                output: Output | FileBody = handler(ctx, data)
            if session.new or session.dirty or session.deleted:
                session.rollback()
                return None
            infcode, err_msg = 0, None
        except Refusal as refusal:
            output, infcode = None, refusal.infcode or -2
            err_msg = refusal.err_msg + trace_suffix(state.settings.trace_ip)
        except Exception as exc:
            session.rollback()
            return _answer(state, _internal_error(state, tx, exc), received)
        session.rollback()  # ends the read transaction
    row = ledger.message_row(message, tx.infno, received, infcode, output, err_msg)
    return _Answered(row, Outcome(infcode, output, err_msg))


def _read_answer(
    state: SandboxState, checked: _Checked, read: _Answered, recorded: bool | Exception, received: datetime
) -> Answer:
    if isinstance(recorded, Exception):
        return _answer(state, _internal_error(state, checked.tx, recorded), received)
    if not recorded:
        # the same msgid was processed meanwhile (another worker or thread): as check 6 answers
        return _rejection(state, checked.message, f"报文ID重复: {read.row['msgid']}", received)
    return _answer(state, read.outcome, received)


def _write(state: SandboxState, checked: _Checked, received: datetime, *, wait: bool = True) -> Answer:
    """The message's checks 6-9, handler and ledger row in one write transaction (under the lock; with
    `wait=False`, WriteBusy before anything is done when the lock is taken)."""
    with state.session(wait=wait) as session:
        try:
            data = _check_ledger(state, session.connection(), checked)
        except Rejected as rejected:
            session.rollback()
            return _rejection(state, checked.message, rejected.err_msg, received)
        outcome = run_transaction(state, session, checked.tx, checked.message, data, received)
    return _answer(state, outcome, received)


def _context(
    state: SandboxState, session: Session, tx: Transaction, message: dict[str, Any], received: datetime
) -> Context:
    return Context(
        session=session,
        infno=tx.infno,
        msgid=str(message["msgid"]),
        envelope=message,
        now=received,
        settings=state.settings,
        services=state.services(),
    )


def run_transaction(
    state: SandboxState,
    session: Session,
    tx: Transaction,
    message: dict[str, Any],
    data: dict[str, Any],
    received: datetime,
) -> Outcome:
    """Run the handler and record the message in one transaction; a Refusal keeps only the record."""
    ctx = _context(state, session, tx, message, received)
    handler = HANDLERS.get(tx.infno, generic_handler)
    try:
        output: Output | FileBody = handler(ctx, data)
        session.flush()
        infcode, err_msg = 0, None
    except Refusal as refusal:
        session.rollback()
        output, infcode = None, refusal.infcode or -2
        err_msg = refusal.err_msg + trace_suffix(state.settings.trace_ip)
    except Exception as exc:
        session.rollback()
        return _internal_error(state, tx, exc)
    try:
        row = ledger.message_row(message, tx.infno, received, infcode, output, err_msg)
        ledger.record(session.connection(), row)
        session.commit()
    except Exception as exc:
        session.rollback()
        return _internal_error(state, tx, exc)
    return Outcome(infcode, output, err_msg)


def _internal_error(state: SandboxState, tx: Transaction, exc: Exception) -> Outcome:
    log.error("sandbox handler of %s failed", tx.infno, exc_info=exc)
    text = f"{INTERNAL_ERROR}: {type(exc).__name__}: {exc}"[:300]
    return Outcome(-1, None, text + trace_suffix(state.settings.trace_ip))


# --------------------------------------------------------------------------------------------- the checks


def _tolerant(message: dict[str, Any]) -> dict[str, Any]:
    # Some HIS configurations send opter_type as a number (reference §9); the field is text.
    value = message.get("opter_type")
    if isinstance(value, int) and not isinstance(value, bool):
        return {**message, "opter_type": str(value)}
    return message


def _check(
    state: SandboxState,
    message: dict[str, Any],
    headers: Mapping[str, str],
    body: bytes,
    route_infnos: Collection[str] | None,
) -> Transaction:
    """Checks 1-5, which need no database."""
    try:
        state.verifier.verify(headers, body)
    except AuthenticationError as exc:
        raise Rejected(exc.message) from None

    errors = _envelope_errors(message, state.profile.envelope)
    if not isinstance(message.get("input"), dict):
        missing = message.get("input") is None
        detail = (
            "30001 - 数据节点缺失: input"
            if missing
            else "30003 - 字段格式错误: input (交易输入应为 JSON 对象)"
        )
        raise Rejected("; ".join([*(e.message for e in errors), detail]))
    if errors:
        raise Rejected("; ".join(e.message for e in errors))

    msgid, code, infno = message["msgid"], message["fixmedins_code"], message["infno"]
    if not msgid.startswith(code):
        raise Rejected(f"报文ID[{msgid}]格式错误: 应以定点医药机构编号[{code}]开头")
    if len(code) == CODE_LENGTH and state.profile.envelope.msgid_length == MSGID_LENGTH:
        try:
            parse_msgid(msgid)
        except DataValidationError as exc:
            raise Rejected(f"报文ID[{msgid}]格式错误: {exc.errors[0].detail}") from None

    tx = transaction_of(infno, state.profile)
    if route_infnos and tx.infno not in route_infnos:
        expected = "/".join(sorted(route_infnos))
        raise Rejected(f"交易编号[{infno}]与服务地址不符（该地址对应交易[{expected}]）")
    return tx


def _envelope_errors(message: Mapping[str, Any], rules: EnvelopeRules) -> list[FieldError]:
    """The envelope checks of `protocol.envelope`, with the msgid and sign_no lengths the profile sets."""
    errors: list[FieldError] = []
    for name in ENVELOPE_FIELDS[:-1]:
        value = message.get(name)
        if name not in ("msgid", "sign_no") or not isinstance(value, str) or not value:
            errors.extend(_field_errors(message, (name,)))  # the national rules
        elif name == "msgid" and len(value) != rules.msgid_length:
            detail = f"发送方报文ID应为 {rules.msgid_length} 位，实际 {len(value)} 位"
            errors.append(FieldError(30003, name, detail))
        elif name == "sign_no" and len(value) > rules.sign_no_max_length:
            detail = f"交易签到流水号最长 {rules.sign_no_max_length} 位，实际 {len(value)} 位"
            errors.append(FieldError(30004, name, detail))
    return errors


def transaction_of(infno: str, profile: Profile | None = None) -> Transaction:
    """The registry entry of an infno, or a Rejected naming it.  A variant code the profile declares
    (`2206A: "2206"`) is its base transaction: that one's tables and handler answer it."""
    tx = REGISTRY.get(infno)
    if (tx is None or tx.infno != infno) and profile is not None and profile.base_infno(infno) != infno:
        tx = REGISTRY.get(profile.base_infno(infno))
        if tx is not None:
            return tx
    if tx is None or tx.infno != infno:
        raise Rejected(f"交易编号[{infno}]不存在或未开通")
    return tx


def _validated(tx: Transaction, payload: Any, profile: Profile) -> dict[str, Any]:
    """The input as the registry's strict model reads it (Decimal amounts, optional fields as None), with
    the field lengths the profile relaxes."""
    try:
        model = validate_relaxed(
            tx.request_model, tx.request_nodes, payload, profile.field_lengths, infno=tx.infno
        )
    except DataValidationError as exc:
        raise Rejected("; ".join(e.message for e in exc.errors) or exc.message) from None
    return model.model_dump()


# --------------------------------------------------------------------------------------------- answers


def fault_answer(state: SandboxState, err_msg: str) -> Answer:
    """The infcode -1 answer of an `infcode_error` fault: looks like any failure, nothing processed."""
    received = state.now()
    return _answer(state, Outcome(-1, None, err_msg + trace_suffix(state.settings.trace_ip)), received)


def _rejection(state: SandboxState, message: Mapping[str, Any], err_msg: str, received: datetime) -> Answer:
    state.note_rejection(
        {
            "time": f"{received:%Y-%m-%d %H:%M:%S}",
            "infno": message.get("infno"),
            "msgid": message.get("msgid"),
            "fixmedins_code": message.get("fixmedins_code"),
            "err_msg": err_msg,
        }
    )
    return _answer(state, Outcome(-1, None, err_msg + trace_suffix(state.settings.trace_ip)), received)


def _answer(state: SandboxState, outcome: Outcome, received: datetime) -> Answer:
    if outcome.infcode == 0 and isinstance(outcome.output, FileBody):
        return file_answer(outcome.output)
    body = envelope(
        infcode=outcome.infcode,
        output=outcome.output if outcome.infcode == 0 else None,
        err_msg=outcome.err_msg,
        inf_refmsgid=state.refmsgids.next(received),
        received=received,
        responded=state.now(),
    )
    return json_answer(body)


def file_answer(file: FileBody) -> Answer:
    """A 9102 answer: the file itself, named in Content-Disposition (RFC 6266 filename* when not ASCII)."""
    if file.filename.isascii():
        disposition = 'attachment; filename="{}"'.format(file.filename.replace('"', "_"))
    else:
        disposition = f"attachment; filename*=UTF-8''{quote(file.filename)}"
    headers = {"Content-Disposition": disposition}
    if file.content is not None:
        return Answer(status=200, content_type=OCTET_STREAM, body=file.content, headers=headers)
    return Answer(status=200, content_type=OCTET_STREAM, path=file.path, headers=headers)


# --------------------------------------------------------------------------------------------- SM channel


def handle_sm_message(
    state: SandboxState, route_infno: str | None, body: bytes, *, received: datetime | None = None
) -> Answer:
    """One message of the SM4/SM2 channel: open (decrypt + verify), validate, run, answer sealed.

    The decrypted data is the transaction's `input.data`.  Answers are sealed envelopes with signed
    top-level `code` (the envelope's infcode: 0, -1, or -2 for a business refusal), `message` and
    `success`; the data is the output's `data` node.  Failures
    that happen before the channel can be trusted (no channel configured, unknown appId, undecryptable
    body) answer the same three fields in plain JSON.
    """
    channel = state.sm_channel
    if channel is None:
        return _sm_plain("移动支付/电子处方渠道未配置(sm_app_id)")
    try:
        sealed = loads(body)
    except ValueError:
        return _sm_plain("30009 - 数据解析失败: 报文不是有效的 JSON")
    if not isinstance(sealed, dict) or sealed.get("appId") != channel.app_id:
        return _sm_plain("渠道appId无效")
    try:
        data = channel.open(sealed, malformed_code=10002)
    except AuthenticationError as exc:
        return _sm_sealed(state, None, exc.message)
    except MedicalInsuranceException as exc:
        return _sm_plain(exc.message)

    received = received or state.now()
    infno = route_infno or str(sealed.get("infno") or "")
    try:
        tx = transaction_of(infno)
        if tx.channel is not Channel.SM:
            raise Rejected(f"交易[{infno}]不走移动支付/电子处方渠道")
        payload = {"data": data}
        validated = _validated(tx, payload, state.profile)
    except Rejected as rejected:
        return _sm_sealed(state, None, rejected.err_msg)
    fields = data if isinstance(data, dict) else {}
    message = {
        "infno": tx.infno,
        "msgid": state.ids.new(received, prefix="SM", width=30),
        "fixmedins_code": str(fields.get("orgCodg") or fields.get("fixmedinsCode") or ""),
        "opter": "",
        "input": payload,
        "appId": channel.app_id,
    }
    with state.session() as session:
        outcome = run_transaction(state, session, tx, message, validated, received)
    if outcome.infcode != 0:  # the code is the envelope's infcode: -2 a business refusal, -1 otherwise
        return _sm_sealed(state, None, outcome.err_msg or "交易失败", code=outcome.infcode)
    output = outcome.output
    if isinstance(output, dict) and set(output) == {"data"}:
        output = output["data"]
    return _sm_sealed(state, output, None)


def sm_fault_answer(state: SandboxState, err_msg: str) -> Answer:
    """The `infcode_error` fault on the SM channel: a sealed failure (plain when no channel is set up)."""
    return _sm_sealed(state, None, err_msg) if state.sm_channel else _sm_plain(err_msg)


def _sm_plain(message: str) -> Answer:
    return json_answer({"code": SM_CODE_FAIL, "message": message, "success": False})


def _sm_sealed(state: SandboxState, data: Any, err_msg: str | None, *, code: int = SM_CODE_FAIL) -> Answer:
    assert state.sm_channel is not None
    fields = {
        "code": SM_CODE_OK if err_msg is None else code,
        "message": "成功" if err_msg is None else err_msg,
        "success": err_msg is None,
    }
    return json_answer(state.sm_channel.seal(data if data is not None else {}, envelope_fields=fields))
