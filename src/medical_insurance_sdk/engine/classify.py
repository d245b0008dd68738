"""Classify one attempt: did it take effect (SUCCESS), certainly not (FAILED / NOT_SENT), or maybe (UNKNOWN)?

The rules, in the words of the spec and the bureau:
- the request never left this machine (connection refused)          -> NOT_SENT, safe to send again;
- no HTTP answer after the request may have arrived (timeout, reset) -> UNKNOWN;
- HTTP 5xx without a bureau answer                                    -> UNKNOWN;
- a gateway refusal before processing (400-level, 429)                -> FAILED;
- infcode 0                                                           -> SUCCESS;
- infcode -2 (business refusal)                                       -> FAILED;
- infcode -1 (system level, "HIS must follow up, e.g. with 冲正"):
  FAILED for a query, UNKNOWN for a write or money call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum

from medical_insurance_sdk.engine.effects import Delivered, SendResult, Undelivered
from medical_insurance_sdk.engine.sm_request import read_sm_answer
from medical_insurance_sdk.exceptions import (
    BureauTimeoutError,
    InterfaceError,
    MedicalInsuranceException,
    ResponseFormatError,
    exception_for,
)
from medical_insurance_sdk.protocol.result import (
    Answer,
    BureauResult,
    FileAnswer,
    TransportAnswer,
    parse_http_answer,
    raise_for_result,
    transport_error,
)
from medical_insurance_sdk.protocol.sm_channel import SmChannel
from medical_insurance_sdk.registry import Safety, Transaction


class Outcome(StrEnum):
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"
    UNKNOWN = "UNKNOWN"
    NOT_SENT = "NOT_SENT"


# The bureau refuses a stale or foreign sign_no with texts like "签到信息无效" / "未签到" / "签到已过期".
SIGN_IN_REFUSED = re.compile(
    r"(未签到|请重新签到|签到[^，。,]{0,20}(无效|过期|失效|不存在|不一致|已签退)|sign_no)", re.I
)


@dataclass(frozen=True)
class Attempt:
    outcome: Outcome
    answer: BureauResult | FileAnswer | TransportAnswer | None = None
    error: MedicalInsuranceException | None = None
    rate_limited: bool = False
    retry_after: float | None = None
    sign_in_refused: bool = False

    @property
    def infcode(self) -> int | None:
        return self.answer.infcode if isinstance(self.answer, BureauResult) else None


def classify(tx: Transaction, sent: SendResult, *, msgid: str, sm: SmChannel | None = None) -> Attempt:
    """The outcome of one attempt at sending `tx` with `msgid`; `sm`: it went on the SM channel, whose
    answer is opened first (`sm_request.read_sm_answer`)."""
    if isinstance(sent, Undelivered):
        if sent.kind == "not_sent":
            error = exception_for(
                60005, f"网络连接异常，报文未发出: {sent.error}", infno=tx.infno, msgid=msgid
            )
            return Attempt(Outcome.NOT_SENT, error=error)
        return Attempt(Outcome.UNKNOWN, error=_lost(tx, msgid, sent.error))
    return _classify_delivered(tx, sent, msgid, sm)


def _lost(tx: Transaction, msgid: str, why: str) -> MedicalInsuranceException:
    return BureauTimeoutError(
        f"医保局未应答（{why}），报文 {msgid} 的结果未知",
        infno=tx.infno,
        msgid=msgid,
        details={"outcome": "unknown"},
    )


def _classify_delivered(tx: Transaction, sent: Delivered, msgid: str, sm: SmChannel | None) -> Attempt:
    try:
        if sm is not None:
            answer: Answer = read_sm_answer(sm, sent, infno=tx.infno)
        else:
            answer = parse_http_answer(
                sent.status_code,
                sent.headers.get("content-type", ""),
                sent.body,
                infno=tx.infno,
                file=tx.answer_is_file,
                content_disposition=sent.headers.get("content-disposition"),
            )
    except MedicalInsuranceException as exc:
        # a 2xx answer we cannot read: it was processed, but we cannot tell how
        exc.msgid = msgid
        outcome = Outcome.FAILED if tx.safety is Safety.QUERY else Outcome.UNKNOWN
        return Attempt(outcome, error=exc)
    if isinstance(answer, FileAnswer):
        if sent.spool is not None:
            answer = replace(answer, spool=sent.spool)
        return Attempt(Outcome.SUCCESS, answer=answer)
    if isinstance(answer, TransportAnswer):
        error = transport_error(answer, infno=tx.infno, msgid=msgid)
        if answer.status_code == 429:
            retry_after = _retry_after(sent.headers.get("retry-after"))
            return Attempt(Outcome.FAILED, answer, error, rate_limited=True, retry_after=retry_after)
        outcome = Outcome.UNKNOWN if answer.outcome_unknown else Outcome.FAILED
        return Attempt(outcome, answer, error)
    if answer.success and isinstance(answer.output, str) and answer.output.strip():
        # an SM4 channel province answers `output` as ciphertext: without the channel's keys it cannot be
        # read, and an empty success would hide what the bureau did (a settlement's amounts, its setl_id)
        then = "查询未完成" if tx.safety is Safety.QUERY else "交易已送达但结果无法确认，将自动冲正或查询核对"
        error = ResponseFormatError(
            f"医保局应答的 output 为加密文本（SM4 通道），本机构未配置通道密钥，无法解读；{then}",
            code=20004,
            infno=tx.infno,
            msgid=msgid,
            details={"encrypted_output": True},
        )
        return Attempt(Outcome.FAILED if tx.safety is Safety.QUERY else Outcome.UNKNOWN, answer, error)
    if answer.success:
        return Attempt(Outcome.SUCCESS, answer=answer)
    try:
        raise_for_result(answer, infno=tx.infno, msgid=msgid)
    except MedicalInsuranceException as exc:
        error = exc
    else:  # pragma: no cover - raise_for_result always raises on failure
        error = InterfaceError(infno=tx.infno, msgid=msgid)
    # (the SM channel has no sign_no to refuse)
    refused_sign_in = sm is None and bool(SIGN_IN_REFUSED.search(answer.err_msg or ""))
    if answer.kind == "system" and tx.safety is not Safety.QUERY and not refused_sign_in:
        return Attempt(Outcome.UNKNOWN, answer, error)
    return Attempt(Outcome.FAILED, answer, error, sign_in_refused=refused_sign_in)


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None
