"""One integration request → one SDK call → one answer document, for the HIS-side integrations (issue 19).

    answer = dispatch(sdk, "outpatient_register", {"psn_no": ...}, key="dbq:his:42")
    answer.disposition      # SUCCESS / FAILED / UNKNOWN / RETRY
    answer.document         # the gateway's §1.3 body: success, data, message, error, error_code …

The trigger queue and the file watch run their requests through here, so they answer in the gateway's one
shape (`answer_shapes`) and follow one rule for what may be asked again:

- SUCCESS: the bureau's answer is `data`.  Final.
- FAILED: a final error with the spec's code (validation 3000x, a bureau refusal, an unknown interface type,
  a call the engine settled as not having happened — outcome "failed", or "reversed" by a 2601).  Asking
  again with the same key answers the same: the HIS sends a new request if it still wants it done.
- UNKNOWN: a write or money call whose outcome is not known yet.  It is never sent again: asking again with
  the same key answers the ledger's resolution once compensation (2601 or the confirm query) has one.
- RETRY: nothing final happened (the gateway unreachable or busy, 429, the same key still in flight): ask
  again later, with the same key, after `retry_after` seconds.

`key` is the request's idempotency key (a queue row's id, a file's request_id or content hash): a write or
money call asked twice with it reaches the bureau once; a query ignores it and is simply asked again.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from medical_insurance_sdk.answer_shapes import error_body, new_request_id, success
from medical_insurance_sdk.exceptions import (
    MedicalInsuranceException,
    OutcomeUnknownError,
    RequestError,
    exception_for,
)
from medical_insurance_sdk.registry import REGISTRY, Registry, Transaction
from medical_insurance_sdk.sdk import MedicalInsuranceSDK

log = logging.getLogger(__name__)

# waits between attempts of a request answered RETRY: doubling from 2 s, at most 5 minutes
FIRST_RETRY_S = 2.0
MAX_RETRY_S = 300.0
# the code an unexpected failure is reported with (系统内部错误)
SYSTEM_ERROR = 60010


class Disposition(StrEnum):
    SUCCESS = "success"
    FAILED = "failed"
    UNKNOWN = "unknown"
    RETRY = "retry"


@dataclass(frozen=True)
class Answer:
    disposition: Disposition
    document: dict[str, Any]  # JSON-ready (Decimals included: encode with protocol.jsoncodec)
    infno: str | None = None
    msgid: str | None = None
    error_code: int | None = None
    retry_after: float | None = None

    @property
    def final(self) -> bool:
        """Nothing more will change: SUCCESS or FAILED."""
        return self.disposition in (Disposition.SUCCESS, Disposition.FAILED)


def retry_delay(attempt: int, hint: float | None = None) -> float:
    """Seconds to wait before attempt `attempt + 1` (attempt ≥ 1): the server's hint or 2, 4, 8 … ≤ 300."""
    backoff = min(MAX_RETRY_S, FIRST_RETRY_S * 2 ** max(0, attempt - 1))
    return max(backoff, min(hint or 0.0, MAX_RETRY_S))


def resolve(interface_type: Any, registry: Registry = REGISTRY) -> Transaction:
    """The transaction named by infno, interface_type or SDK method name; anything else is 20001."""
    try:
        return registry[str(interface_type)]
    except KeyError:
        raise exception_for(20001, f"不支持的接口类型: {interface_type}") from None


def dispatch(
    sdk: MedicalInsuranceSDK,
    interface_type: Any,
    data: Any,
    *,
    key: str,
    request_id: str | None = None,
    registry: Registry = REGISTRY,
) -> Answer:
    """Send one request through `sdk` and say what became of it (never raises for a request's fault)."""
    request_id = request_id or new_request_id()
    tx: Transaction | None = None
    try:
        tx = resolve(interface_type, registry)
        if not isinstance(data, Mapping):
            raise RequestError("请求参数格式错误: data 须为 JSON 对象（交易输入）", code=10002)
        result = sdk.call(tx.infno, dict(data), options={"idempotency_key": key, "request_id": request_id})
    except OutcomeUnknownError as exc:
        final = exc.outcome != "unknown"  # "reversed": a 2601 undid it, so it certainly did not happen
        return _failure(exc, tx, request_id, Disposition.FAILED if final else Disposition.UNKNOWN)
    except MedicalInsuranceException as exc:
        # a call the engine settled as not having happened ("failed") is final under its key: asking again
        # with it answers the same; the HIS sends a new request (a new key) if it still wants it done
        settled = exc.details.get("outcome") in ("failed", "reversed")
        retry = exc.retry and not settled
        return _failure(exc, tx, request_id, Disposition.RETRY if retry else Disposition.FAILED)
    except Exception as exc:  # a fault of this program, not of the request: report it, ask again later
        log.exception("integration request %s failed unexpectedly", key)
        error = exception_for(SYSTEM_ERROR, f"系统内部错误: {type(exc).__name__}")
        return _failure(error, tx, request_id, Disposition.RETRY)
    document = success(result.raw, tx, result.request_id or request_id, msgid=result.msgid)
    return Answer(Disposition.SUCCESS, document, infno=tx.infno, msgid=result.msgid)


def refusal(code: int, message: str, interface_type: Any = None, registry: Registry = REGISTRY) -> Answer:
    """A request refused before any call (an unreadable file or queue row): FAILED with the spec's code."""
    try:
        tx: Transaction | None = resolve(interface_type, registry) if interface_type else None
    except MedicalInsuranceException:
        tx = None
    return _failure(exception_for(code, message), tx, new_request_id(), Disposition.FAILED)


def _failure(
    exc: MedicalInsuranceException, tx: Transaction | None, request_id: str, disposition: Disposition
) -> Answer:
    return Answer(
        disposition,
        error_body(exc, request_id, tx),
        infno=tx.infno if tx else None,
        msgid=exc.msgid,
        error_code=exc.code,
        retry_after=exc.retry_after if disposition is Disposition.RETRY else None,
    )
