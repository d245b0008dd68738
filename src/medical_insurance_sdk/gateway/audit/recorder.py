"""Writes each transaction call to interface_call_log, and its business data to interface_data (spec §4.2).

    exchange_sinks(app).append(recorder_sink(app))

One call-log row per transaction request whose caller was authenticated (refusals by permission, rate or
concurrency limits included; an unauthenticated request has no institution to file it under and only
reaches the JSON log).  A successful call adds one interface_data row: the bureau input and output as
exchanged (`raw_data`) and the answer's data (`parsed_data`), with its business key.  Everything is masked
(redact.py).

Writes are batched off the request path: the sink hands each exchange to the app's `AuditWriter`, which
gathers what arrives within `audit_flush_interval_s` and writes it in one transaction in a thread of its own.
A commit per request (an fsync on SQLite) used to sit between one request and the next and cost a sixth of
a 1101's time at the gateway (docs/benchmarks.md §2).  The price: a crash loses the audit rows of the last
interval (the engine's ledger, which records every bureau message before it is sent, loses nothing).
A batch the database refuses is written again one exchange at a time, so a bad row (text PostgreSQL cannot
keep, say) costs only itself, and even then keeps a call-log row without its payloads: never the calls of
other requests or other institutions that shared its batch.
Routes that read the audit tables flush first (`audit_flushed`), so a caller always sees its own calls.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager, suppress
from typing import Any

import anyio
import anyio.to_thread
from fastapi import FastAPI, Request

from medical_insurance_sdk.engine.flow import business_keys
from medical_insurance_sdk.gateway.audit.models import InterfaceCallLog, InterfaceData
from medical_insurance_sdk.gateway.audit.observer import Exchange, Sink
from medical_insurance_sdk.gateway.audit.redact import redact, redact_together, stored_copy
from medical_insurance_sdk.gateway.state import GatewayState
from medical_insurance_sdk.masking import id_number_of
from medical_insurance_sdk.storage.database import Database

log = logging.getLogger(__name__)

# Audit writes get a thread of their own: a slow database must not take the worker threads that requests
# need (authentication, the transaction routes' own database work).
AUDIT_WRITER = "audit.writer"
# Most exchanges written in one transaction, and how many may wait: beyond that the sinks wait (back
# pressure on the finished requests' connections) rather than the memory growing without bound.
MAX_BATCH = 500
MAX_QUEUED = 10_000
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


class _Copies:
    """The stored copies of one exchange's payloads (its input, the bureau's output, the answer), masked
    together in one pass (a name the answer gives is masked in the input's free text too) instead of once
    per column that keeps them."""

    PARTS = ("input", "output", "body")

    def __init__(self, exchange: Exchange) -> None:
        self.exchange = exchange
        self._masked: dict[str, Any] | None = None

    def masked(self, part: str) -> Any:
        if self._masked is None:
            admission = self.exchange.admission
            call_input = admission.call_input if admission is not None else None
            values = redact_together(call_input, _bureau_output(self.exchange), self.exchange.body)
            self._masked = dict(zip(self.PARTS, values, strict=True))
        return self._masked[part]

    def request(self) -> Any:
        return stored_copy(self.masked("input"))

    def response(self) -> Any:
        return stored_copy(self.masked("body"))

    def raw(self) -> Any:
        return stored_copy({"input": self.masked("input"), "output": self.masked("output")})

    def parsed(self) -> Any:
        body = self.masked("body")
        return stored_copy(body.get("data") if isinstance(body, Mapping) else None)


def call_log_row(
    exchange: Exchange, *, payloads: bool = True, copies: _Copies | None = None
) -> InterfaceCallLog | None:
    """The call-log row of a transaction request with a known caller, else None.

    `payloads=False`: without the request and answer (when the database refused them), every text made
    storable.  `copies`: the exchange's payload copies, shared with its `data_row`."""
    admission = exchange.admission
    if admission is None or admission.tx is None:
        return None
    tx = admission.tx
    code = exchange.error_code
    message = exchange.error_message
    copies = copies or _Copies(exchange)
    if not payloads:
        return InterfaceCallLog(
            institution_id=admission.caller.institution.id,
            interface_type=tx.interface_type,
            infno=exchange.infno_for(tx),
            category=tx.category.value,
            request_id=_safe_text(exchange.request_id[:64]) or "",
            msgid=_safe_text(exchange.msgid),
            key_id=admission.caller.key_id,
            success=exchange.success,
            http_status=exchange.status_code,
            error_message=_safe_text(redact(message)) if message else None,
            error_code=str(code) if code is not None else None,
            response_time=round(exchange.duration_s * 1000),
            call_time=exchange.started_at,
        )
    return InterfaceCallLog(
        institution_id=admission.caller.institution.id,
        interface_type=tx.interface_type,
        infno=exchange.infno_for(tx),
        category=tx.category.value,
        request_id=exchange.request_id[:64],
        msgid=exchange.msgid,
        key_id=admission.caller.key_id,
        request_data=copies.request(),
        response_data=copies.response(),
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


def data_row(exchange: Exchange, call_log_id: int, copies: _Copies | None = None) -> InterfaceData | None:
    """The business data of a successful call, else None."""
    admission = exchange.admission
    if admission is None or admission.tx is None or admission.result is None or not exchange.success:
        return None
    tx = admission.tx
    output = _bureau_output(exchange)
    copies = copies or _Copies(exchange)
    return InterfaceData(
        institution_id=admission.caller.institution.id,
        interface_type=tx.interface_type,
        infno=exchange.infno_for(tx),
        category=tx.category.value,
        business_key=business_key(output, admission.call_input),
        data_type=data_type(tx.interface_type),
        raw_data=copies.raw(),
        cert_index=id_number_of(admission.call_input),  # kept as its blind index only
        parsed_data=copies.parsed(),
        data_version="1.0",
        data_status="active",
        call_log_id=call_log_id,
        created_at=exchange.started_at,
        updated_at=exchange.started_at,
    )


def write_exchange(database: Database, exchange: Exchange) -> int | None:
    """Insert the rows of one exchange; the call-log id, or None when there was nothing to log."""
    ids = write_exchanges(database, [exchange])
    return ids[0] if ids else None


def write_exchanges(database: Database, exchanges: Sequence[Exchange]) -> list[int]:
    """Insert the rows of several exchanges; the call-log ids written.

    One transaction for the lot; if it fails, each exchange is written again in a transaction of its own,
    so a row the database refuses costs only itself (and keeps a bare call-log row when it can): never
    the calls of other requests, other institutions' included, that happened to share its batch."""
    try:
        return _insert(database, exchanges)
    except Exception:
        log.warning("审计日志批量写入失败（%d 条），逐条重试", len(exchanges), exc_info=True)
    ids: list[int] = []
    for exchange in exchanges:
        ids.extend(_insert_alone(database, exchange, again=len(exchanges) > 1))
    return ids


def _insert(database: Database, exchanges: Sequence[Exchange], *, bare: bool = False) -> list[int]:
    """The call-log rows of the batch in one flush (one multi-row INSERT that returns their ids), then
    their data rows: two statements per batch, not two per exchange."""
    logged: list[tuple[Exchange, InterfaceCallLog, _Copies]] = []
    for exchange in exchanges:
        copies = _Copies(exchange)
        row = call_log_row(exchange, payloads=not bare, copies=copies)
        if row is not None:
            logged.append((exchange, row, copies))
    if not logged:
        return []
    with database.session() as session:
        session.add_all([row for _, row, _ in logged])
        session.flush()
        if not bare:
            data = [data_row(exchange, row.id, copies) for exchange, row, copies in logged]
            session.add_all([row for row in data if row is not None])
        return [row.id for _, row, _ in logged]


def _insert_alone(database: Database, exchange: Exchange, *, again: bool) -> list[int]:
    """One exchange in its own transaction (`again`: it failed only as part of a batch so far); without
    its payloads if they cannot be stored; else skipped, and logged."""
    if again:
        try:
            return _insert(database, [exchange])
        except Exception:
            log.warning("审计日志写入失败（请求 %s）", exchange.request_id, exc_info=True)
    log.warning("审计日志改存不含报文的调用记录（请求 %s）", exchange.request_id)
    try:
        return _insert(database, [exchange], bare=True)
    except Exception:
        log.exception("审计日志写入失败，已跳过（请求 %s）", exchange.request_id)
        return []


def _safe_text(text: str | None) -> str | None:
    """Text any database keeps: no lone surrogates, no NUL."""
    if text is None:
        return None
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")


class AuditWriter:
    """Collects finished exchanges and writes them in batches, in one thread, in the order they came."""

    def __init__(self, database: Database, *, interval_s: float) -> None:
        self.database = database
        self.interval_s = interval_s
        self._queue: asyncio.Queue[Exchange] = asyncio.Queue(MAX_QUEUED)
        self._flush_requested = asyncio.Event()
        self._progress = asyncio.Condition()
        self._submitted = 0
        self._done = 0
        self._limiter = anyio.CapacityLimiter(1)

    async def submit(self, exchange: Exchange) -> None:
        await self._queue.put(exchange)
        self._submitted += 1

    async def flush(self) -> None:
        """Return once everything submitted before the call is written (or has failed to be)."""
        target = self._submitted
        async with self._progress:
            while self._done < target:
                self._flush_requested.set()
                await self._progress.wait()

    async def run(self) -> None:
        """The writer loop (a task of the app's lifespan)."""
        while True:
            batch = [await self._queue.get()]
            if self.interval_s and not self._flush_requested.is_set():
                with suppress(TimeoutError):  # gather what comes within the interval, unless asked to flush
                    await asyncio.wait_for(self._flush_requested.wait(), self.interval_s)
            self._flush_requested.clear()
            while len(batch) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await anyio.to_thread.run_sync(write_exchanges, self.database, batch, limiter=self._limiter)
            except Exception:  # an audit problem never changes an answer; the log line has the request
                log.exception("审计日志写入失败（%d 条）", len(batch))
            async with self._progress:
                self._done += len(batch)
                self._progress.notify_all()


def recorder_sink(app: FastAPI) -> Sink:
    """A sink handing each exchange of a known caller to the app's audit writer."""

    async def record_call(exchange: Exchange) -> None:
        state = getattr(app.state, "gateway", None)
        if exchange.admission is None or not isinstance(state, GatewayState):
            return
        writer = state.extras.get(AUDIT_WRITER)
        if isinstance(writer, AuditWriter):
            await writer.submit(exchange)
        else:  # an app run without its lifespan (a bare test app): write at once
            await anyio.to_thread.run_sync(write_exchange, state.database, exchange)

    return record_call


@asynccontextmanager
async def audit_writer(state: GatewayState) -> AsyncIterator[None]:
    """A lifespan hook: the writer task; on shutdown everything queued is written before the app ends."""
    writer = AuditWriter(state.database, interval_s=state.settings.audit_flush_interval_s)
    state.extras[AUDIT_WRITER] = writer
    task = asyncio.create_task(writer.run(), name="audit-writer")
    try:
        yield
    finally:
        with anyio.CancelScope(shield=True):
            await writer.flush()
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
        del state.extras[AUDIT_WRITER]


async def flush_audit(app: FastAPI) -> None:
    """Wait until the exchanges finished so far are written (no-op for an app without its writer)."""
    state = getattr(app.state, "gateway", None)
    writer = state.extras.get(AUDIT_WRITER) if isinstance(state, GatewayState) else None
    if isinstance(writer, AuditWriter):
        await writer.flush()


async def audit_flushed(request: Request) -> None:
    """A dependency for routes that read the audit tables: what the caller did before is written."""
    await flush_audit(request.app)
