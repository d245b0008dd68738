"""The two shells that drive the I/O-free flow: one synchronous, one asynchronous.

They differ only in how an effect is performed (blocking calls vs. awaits); the loop that feeds results
and exceptions back into the flow is the same shape and holds no engine logic.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

import anyio
import httpx

from medical_insurance_sdk.engine.calls import sent_transaction
from medical_insurance_sdk.engine.effects import (
    AllocateMsgId,
    ClaimEntry,
    Complete,
    Delivered,
    DropSession,
    ListUnresolved,
    LoadSession,
    MarkInterrupted,
    OutgoingRequest,
    Record,
    RecordAnswered,
    Resolve,
    Send,
    SendResult,
    Sleep,
    StoreSession,
    Undelivered,
)
from medical_insurance_sdk.engine.idempotency_store import KEY_EFFECTS, IdempotencyStore
from medical_insurance_sdk.engine.ledger import Ledger
from medical_insurance_sdk.engine.ledger_writer import LedgerWriter
from medical_insurance_sdk.protocol.jsoncodec import BEIJING
from medical_insurance_sdk.protocol.msgid import SECOND_FORMAT, MsgIdGenerator, SequenceAllocator
from medical_insurance_sdk.registry import REGISTRY

# How long the async shell reuses a sign-in session it read (see AsyncShell._sessions).
SESSION_CACHE_S = 5.0
# Errors raised before any byte of the request could reach the bureau: sending again is safe.
NOT_SENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


def undelivered(exc: httpx.HTTPError) -> Undelivered:
    detail = f"{type(exc).__name__}: {exc}".rstrip(": ")
    if isinstance(exc, NOT_SENT_ERRORS):
        return Undelivered("not_sent", detail)
    return Undelivered("lost", detail)


# Set by a caller that wants file downloads (registry `answer_is_file`, 9102) spooled to a temporary file
# instead of held in memory: `with spooled_downloads(): engine.call("9102", ...)` (the synchronous engine).
_SPOOL_DOWNLOADS: ContextVar[bool] = ContextVar("spool_downloads", default=False)
_SPOOL_CHUNK = 1 << 16


@contextmanager
def spooled_downloads() -> Iterator[None]:
    """Within this block the synchronous engine writes a file answer to a temporary file as it arrives;
    the CallResult's `file.open()` reads it (`file.content` is empty), and it is gone once closed."""
    token = _SPOOL_DOWNLOADS.set(True)
    try:
        yield
    finally:
        _SPOOL_DOWNLOADS.reset(token)


def _spools(request: OutgoingRequest) -> bool:
    if not _SPOOL_DOWNLOADS.get():
        return False
    tx = sent_transaction(request.infno, REGISTRY)  # a province variant (9102A) downloads as its base
    return tx is not None and tx.answer_is_file


def delivered(response: httpx.Response) -> Delivered:
    return Delivered(
        response.status_code, {k.lower(): v for k, v in response.headers.items()}, response.content
    )


def _timeout(request: OutgoingRequest) -> httpx.Timeout:
    # connecting is quick or hopeless; the read gets the transaction's whole budget (spec §6.1.1)
    return httpx.Timeout(request.timeout_s, connect=min(5.0, request.timeout_s))


class MsgIds:
    """One MsgIdGenerator per institution over the shared allocator."""

    def __init__(self, allocator: SequenceAllocator) -> None:
        self.allocator = allocator
        self._generators: dict[str, MsgIdGenerator] = {}
        self._lock = threading.Lock()

    def next(self, institution_code: str) -> str:
        with self._lock:
            generator = self._generators.get(institution_code)
            if generator is None:
                generator = self._generators[institution_code] = MsgIdGenerator(
                    self.allocator, institution_code
                )
        return generator.generate()

    def next_held(self, institution_code: str) -> str | None:
        """A msgid from a number the allocator holds already (`BlockSequenceAllocator`), without I/O; None
        when it holds none for this second (then `next`, which may wait, in a worker thread)."""
        take = getattr(self.allocator, "take_held", None)
        if take is None or institution_code not in self._generators:
            return None
        second = datetime.now(BEIJING).strftime(SECOND_FORMAT)
        seq = take(institution_code, second)
        return None if seq is None else f"{institution_code}{second}{seq:04d}"


class SyncShell:
    def __init__(self, ledger: Ledger, msgids: MsgIds, client: httpx.Client) -> None:
        self.ledger, self.msgids, self.client = ledger, msgids, client

    def run(self, flow: Generator[Any, Any, Any]) -> Any:
        value: Any = None
        error: BaseException | None = None
        while True:
            try:
                effect = flow.throw(error) if error is not None else flow.send(value)
            except StopIteration as stop:
                return stop.value
            value, error = None, None
            try:
                value = self.perform(effect)
            except Exception as exc:  # handed to the flow, which decides (it usually lets it propagate)
                error = exc

    def perform(self, effect: Any) -> Any:
        if isinstance(effect, Send):
            return self.send(effect.request)
        if isinstance(effect, Sleep):
            time.sleep(effect.seconds)
            return None
        if isinstance(effect, AllocateMsgId):
            return self.msgids.next(effect.institution_code)
        return perform_storage(self.ledger, effect)

    def send(self, request: OutgoingRequest) -> SendResult:
        try:
            if _spools(request):
                return self._send_spooled(request)
            response = self.client.post(
                request.url, content=request.body, headers=dict(request.headers), timeout=_timeout(request)
            )
        except httpx.HTTPError as exc:
            return undelivered(exc)
        return delivered(response)

    def _send_spooled(self, request: OutgoingRequest) -> Delivered:
        """A file download written to a temporary file chunk by chunk; an answer that is not a file (an
        error, JSON) is read into memory as usual."""
        headers = dict(request.headers)
        with self.client.stream(
            "POST", request.url, content=request.body, headers=headers, timeout=_timeout(request)
        ) as response:
            headers = {k.lower(): v for k, v in response.headers.items()}
            chunks = response.iter_bytes(_SPOOL_CHUNK)
            first = next(chunks, b"")
            if not 200 <= response.status_code < 300 or first.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (
                b"{",
                b"[",
            ):
                return Delivered(response.status_code, headers, first + b"".join(chunks))
            spool = tempfile.TemporaryFile()  # noqa: SIM115 - the FileAnswer owns it; closing removes it
            try:
                spool.write(first)
                for chunk in chunks:
                    spool.write(chunk)
                spool.flush()
            except BaseException:
                spool.close()
                raise
            return Delivered(response.status_code, headers, b"", spool=spool)


class AsyncShell:
    def __init__(self, ledger: Ledger, msgids: MsgIds, client: httpx.AsyncClient) -> None:
        self.ledger, self.msgids, self.client = ledger, msgids, client
        self.writer = LedgerWriter(ledger)  # every ledger row, several per commit (ledger_writer.py)
        # (institution, operator) → (valid until, monotonic; the stored sign-in): one read per few seconds
        # instead of per call; this shell's own sign-ins and drops replace it at once, another process's
        # are seen within SESSION_CACHE_S, and a sign_no the bureau refuses is renewed by the flow anyway
        self._sessions: dict[tuple[str, str], tuple[float, Any]] = {}

    async def run(self, flow: Generator[Any, Any, Any]) -> Any:
        value: Any = None
        error: BaseException | None = None
        while True:
            try:
                effect = flow.throw(error) if error is not None else flow.send(value)
            except StopIteration as stop:
                return stop.value
            value, error = None, None
            try:
                value = await self.perform(effect)
            except Exception as exc:
                error = exc

    async def perform(self, effect: Any) -> Any:
        if isinstance(effect, Send):
            return await self.send(effect.request)
        if isinstance(effect, Sleep):
            await anyio.sleep(effect.seconds)
            return None
        if isinstance(effect, AllocateMsgId):
            held = self.msgids.next_held(effect.institution_code)
            if held is not None:
                return held
            # the generator may wait for the next second: keep the event loop free
            return await anyio.to_thread.run_sync(self.msgids.next, effect.institution_code)
        if isinstance(effect, (LoadSession, StoreSession, DropSession)):
            return await self._session(effect)
        if isinstance(effect, RecordAnswered):  # a read's row: not on the request path
            self.writer.submit(effect)
            return None
        if isinstance(effect, (Record, Complete)):  # committed before the flow goes on, with others' rows
            await self.writer.write(effect)
            return None
        return await anyio.to_thread.run_sync(perform_storage, self.ledger, effect)

    async def _session(self, effect: LoadSession | StoreSession | DropSession) -> Any:
        key = (effect.institution_code, effect.operator)
        if isinstance(effect, LoadSession):
            cached = self._sessions.get(key)
            if cached is not None and cached[0] > time.monotonic():
                return cached[1]
        else:
            self._sessions.pop(key, None)
        value = await anyio.to_thread.run_sync(perform_storage, self.ledger, effect)
        if isinstance(effect, LoadSession) and value is not None:
            self._sessions[key] = (time.monotonic() + SESSION_CACHE_S, value)
        return value

    async def send(self, request: OutgoingRequest) -> SendResult:
        try:
            response = await self.client.post(
                request.url, content=request.body, headers=dict(request.headers), timeout=_timeout(request)
            )
        except httpx.HTTPError as exc:
            return undelivered(exc)
        return delivered(response)


def perform_storage(ledger: Ledger, effect: Any) -> Any:
    """The database effects, shared by both shells (blocking; the async shell runs it in a thread)."""
    if isinstance(effect, Record):
        return ledger.record(effect.entry)
    if isinstance(effect, Complete):
        return ledger.complete(effect)
    if isinstance(effect, RecordAnswered):
        return ledger.record_answered([effect])
    if isinstance(effect, Resolve):
        return ledger.resolve(effect)
    if isinstance(effect, LoadSession):
        return ledger.load_session(effect.institution_code, effect.operator)
    if isinstance(effect, StoreSession):
        return ledger.store_session(
            effect.institution_code, effect.operator, effect.sign_no, effect.signed_in_at, effect.expires_at
        )
    if isinstance(effect, DropSession):
        return ledger.drop_session(effect.institution_code, effect.operator)
    if isinstance(effect, ListUnresolved):
        return ledger.unresolved(
            now=effect.now,
            stale_pending_s=effect.stale_pending_s,
            limit=effect.limit,
            institutions=effect.institutions,
        )
    if isinstance(effect, ClaimEntry):
        return ledger.claim(effect.msgid, owner=effect.owner, now=effect.now, until=effect.until)
    if isinstance(effect, MarkInterrupted):
        return ledger.mark_interrupted(effect.msgid, now=effect.now)
    if isinstance(effect, KEY_EFFECTS):
        return IdempotencyStore(ledger.database).perform(effect)
    raise TypeError(f"unknown effect {effect!r}")
