"""Writes each transaction call to interface_call_log, and its business data to interface_data (spec §4.2).

    exchange_sinks(app).append(recorder_sink(app))

One call-log row per transaction request whose caller was authenticated (refusals by permission, rate or
concurrency limits included; an unauthenticated request has no institution to file it under and only
reaches the JSON log).  A successful call adds one interface_data row: the bureau input and output as
exchanged (`raw_data`) and the answer's data (`parsed_data`), with its business key.  Everything is masked
(redact.py).  Both rows are written in one transaction, in a worker thread, after the answer has gone out.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import anyio
import anyio.to_thread
from fastapi import FastAPI

from medical_insurance_sdk.engine.flow import business_keys
from medical_insurance_sdk.gateway.audit.models import InterfaceCallLog, InterfaceData
from medical_insurance_sdk.gateway.audit.observer import Exchange, Sink
from medical_insurance_sdk.gateway.audit.redact import redact, stored
from medical_insurance_sdk.gateway.state import GatewayState
from medical_insurance_sdk.storage.database import Database

# Audit writes get threads of their own: a slow database must not take the worker threads that requests
# need (authentication, the transaction routes' own database work).
AUDIT_THREADS = 4
AUDIT_LIMITER = "audit.threads"
# Which identifier names a record best, most specific first (what a reader would search the data by).
BUSINESS_KEY_ORDER = ("setl_id", "mdtrt_id", "ipt_no", "ipt_otp_no", "feedetl_sn", "file_qury_no", "psn_no")


def data_type(interface_type: str) -> str:
    """The §4.1 data model name of a transaction: person_info → PersonInfo."""
    return "".join(part.capitalize() for part in interface_type.split("_"))[:50]


def business_key(*messages: Any) -> str | None:
    """The most specific business identifier found in the messages (the answer first, then the input)."""
    found: dict[str, Any] = {}
    for message in messages:
        for key, value in business_keys(message).items():
            found.setdefault(key, value)
    for key in BUSINESS_KEY_ORDER:
        value = found.get(key)
        if isinstance(value, list):
            value = value[0] if value else None
        if value not in (None, ""):
            return str(value)[:100]
    return None


def call_log_row(exchange: Exchange) -> InterfaceCallLog | None:
    """The call-log row of a transaction request with a known caller, else None."""
    admission = exchange.admission
    if admission is None:
        return None
    tx = admission.tx
    code = exchange.error_code
    message = exchange.error_message
    return InterfaceCallLog(
        institution_id=admission.caller.institution.id,
        interface_type=tx.interface_type,
        infno=tx.infno,
        category=tx.category.value,
        request_id=exchange.request_id[:64],
        msgid=exchange.msgid,
        key_id=admission.caller.key_id,
        request_data=stored(admission.call_input),
        response_data=stored(exchange.body),
        success=exchange.success,
        http_status=exchange.status_code,
        error_message=redact(message) if message else None,
        error_code=str(code) if code is not None else None,
        response_time=round(exchange.duration_s * 1000),
        call_time=exchange.started_at,
    )


def _bureau_output(exchange: Exchange) -> Any:
    result = exchange.admission.result if exchange.admission else None
    if result is None:
        return None
    if result.file is not None:  # 9102: the bytes went to the caller; the log keeps what they were
        return {"file": result.file.filename, "bytes": len(result.file.content)}
    return result.output


def data_row(exchange: Exchange, call_log_id: int) -> InterfaceData | None:
    """The business data of a successful call, else None."""
    admission = exchange.admission
    if admission is None or admission.result is None or not exchange.success:
        return None
    tx = admission.tx
    output = _bureau_output(exchange)
    answered = exchange.body.get("data") if isinstance(exchange.body, Mapping) else None
    return InterfaceData(
        institution_id=admission.caller.institution.id,
        interface_type=tx.interface_type,
        infno=tx.infno,
        category=tx.category.value,
        business_key=business_key(output, admission.call_input),
        data_type=data_type(tx.interface_type),
        raw_data=stored({"input": admission.call_input, "output": output}),
        parsed_data=stored(answered),
        data_version="1.0",
        data_status="active",
        call_log_id=call_log_id,
        created_at=exchange.started_at,
        updated_at=exchange.started_at,
    )


def write_exchange(database: Database, exchange: Exchange) -> int | None:
    """Insert the rows of one exchange; the call-log id, or None when there was nothing to log."""
    row = call_log_row(exchange)
    if row is None:
        return None
    with database.session() as session:
        session.add(row)
        session.flush()
        data = data_row(exchange, row.id)
        if data is not None:
            session.add(data)
        return row.id


def recorder_sink(app: FastAPI) -> Sink:
    """A sink writing the rows of each exchange to the gateway's database."""

    async def record_call(exchange: Exchange) -> None:
        state = getattr(app.state, "gateway", None)
        if exchange.admission is None or not isinstance(state, GatewayState):
            return
        limiter = state.extras.get(AUDIT_LIMITER)
        await anyio.to_thread.run_sync(write_exchange, state.database, exchange, limiter=limiter)

    return record_call


@asynccontextmanager
async def audit_threads(state: GatewayState) -> AsyncIterator[None]:
    """A lifespan hook: the audit's own thread limiter (made inside the app's event loop)."""
    state.extras[AUDIT_LIMITER] = anyio.CapacityLimiter(AUDIT_THREADS)
    yield
