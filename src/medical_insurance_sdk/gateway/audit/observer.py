"""Sees every request end and tells the sinks (call log, JSON log line, metrics) what happened.

    install_observer(app, settings)
    exchange_sinks(app).append(my_sink)           # async def my_sink(exchange: Exchange) -> None

A plain ASGI middleware (streamed answers pass untouched): it times the request, keeps the status and, for
JSON answers up to a size, the body; once the app has finished (the answer is out) it builds an `Exchange`
and awaits each sink in turn, shielded from cancellation.  A sink that fails is logged and skipped: the
answer has been sent already and an audit problem never changes it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import anyio
from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from medical_insurance_sdk.gateway.extensions import Admission
from medical_insurance_sdk.gateway.settings import GatewaySettings
from medical_insurance_sdk.protocol import jsoncodec
from medical_insurance_sdk.registry import Transaction

log = logging.getLogger(__name__)

# Error answers are small; success answers above this are not kept (their data lands in interface_data
# through the admission instead).
MAX_CAPTURED_BYTES = 256 * 1024
UNHANDLED_ERROR_CODE = 60010


@dataclass(frozen=True)
class Exchange:
    """One finished request: what was asked, by whom (when known), and how it was answered."""

    request_id: str
    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    client_ip: str | None
    user_agent: str | None
    started_at: datetime  # UTC, naive
    duration_s: float
    status_code: int
    body: Any = None  # the JSON answer when it was small enough to keep
    transaction: Transaction | None = None
    admission: Admission | None = None
    crashed: bool = False  # the app raised; the server answered 500
    sent_infno: str | None = None  # a province variant code (2206A) the proxy route sent for `transaction`

    def infno_for(self, tx: Transaction) -> str:
        """The code sent to the bureau for `tx` (the request's transaction): the province variant the proxy
        route was named, else tx's own.  The interface type stays the base's."""
        return self.sent_infno or tx.infno

    @property
    def success(self) -> bool:
        if self.crashed or self.status_code >= 400:
            return False
        return not (isinstance(self.body, Mapping) and self.body.get("success") is False)

    @property
    def error_code(self) -> int | None:
        if self.success:
            return None
        if isinstance(self.body, Mapping) and isinstance(self.body.get("error_code"), int):
            code: int = self.body["error_code"]
            return code
        return UNHANDLED_ERROR_CODE if self.crashed or self.status_code >= 500 else None

    @property
    def error_message(self) -> str | None:
        if self.success:
            return None
        if isinstance(self.body, Mapping) and self.body.get("message"):
            return str(self.body["message"])
        return "服务进程异常" if self.crashed else f"HTTP {self.status_code}"

    @property
    def msgid(self) -> str | None:
        if self.admission is not None and self.admission.result is not None:
            return self.admission.result.msgid
        info = self.body.get("interface_info") if isinstance(self.body, Mapping) else None
        return str(info["msgid"]) if isinstance(info, Mapping) and info.get("msgid") else None


Sink = Callable[[Exchange], Awaitable[None]]


def exchange_sinks(app: FastAPI) -> list[Sink]:
    """The app's sinks, awaited in order after each request (installers append to it)."""
    if not hasattr(app.state, "exchange_sinks"):
        app.state.exchange_sinks = []
    sinks: list[Sink] = app.state.exchange_sinks
    return sinks


class _Capture:
    """The status, and the body of a JSON answer up to `limit` bytes."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.status: int | None = None
        self.json = False
        self.chunks: list[bytes] = []
        self.size = 0

    def see(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
            content_type = Headers(raw=message.get("headers", [])).get("content-type", "")
            self.json = content_type.startswith("application/json")
        elif message["type"] == "http.response.body" and self.json:
            chunk: bytes = message.get("body", b"")
            self.size += len(chunk)
            if self.size <= self.limit:
                self.chunks.append(chunk)

    def body(self) -> Any:
        if not self.json or self.size > self.limit or not self.chunks:
            return None
        try:
            return jsoncodec.loads(b"".join(self.chunks))
        except ValueError:
            return None


class ObserverMiddleware:
    """Times each HTTP request, keeps what the sinks need, and tells them once the app has finished."""

    def __init__(self, app: ASGIApp, *, owner: FastAPI) -> None:
        self.app = app
        self.owner = owner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started_at = datetime.now(UTC).replace(tzinfo=None)
        clock = time.perf_counter()
        capture = _Capture(MAX_CAPTURED_BYTES)

        async def watched_send(message: Message) -> None:
            capture.see(message)
            await send(message)

        crashed = False
        try:
            await self.app(scope, receive, watched_send)
        except Exception:
            crashed = True
            raise
        finally:
            exchange = _exchange(scope, capture, started_at, time.perf_counter() - clock, crashed)
            with anyio.CancelScope(shield=True):
                await _tell(exchange_sinks(self.owner), exchange)


def _exchange(
    scope: Scope, capture: _Capture, started_at: datetime, seconds: float, crashed: bool
) -> Exchange:
    state: dict[str, Any] = scope.get("state", {})
    headers = Headers(scope=scope)
    client = scope.get("client")
    admission = state.get("admission")
    transaction = state.get("transaction")
    infno = state.get("infno")  # set beside the transaction by the proxy route (routes/proxy.py)
    raw_query: bytes = scope.get("query_string", b"")
    query = tuple(parse_qsl(raw_query.decode("latin-1"), keep_blank_values=True))
    return Exchange(
        request_id=str(state.get("request_id", "")),
        method=scope["method"],
        path=scope["path"],
        query=query,
        client_ip=client[0] if client else None,
        user_agent=headers.get("user-agent"),
        started_at=started_at,
        duration_s=seconds,
        status_code=500 if crashed else (capture.status or 500),
        body=capture.body(),
        transaction=transaction if isinstance(transaction, Transaction) else None,
        admission=admission if isinstance(admission, Admission) else None,
        crashed=crashed,
        sent_infno=infno if isinstance(infno, str) else None,
    )


async def _tell(sinks: list[Sink], exchange: Exchange) -> None:
    for sink in sinks:
        try:
            await sink(exchange)
        except Exception:
            name = getattr(sink, "__name__", repr(sink))
            log.exception("audit sink %s failed for request %s", name, exchange.request_id)


def install_observer(app: FastAPI, settings: GatewaySettings) -> None:
    """Add the middleware once (the audit and the metrics both need it)."""
    if getattr(app.state, "observer_installed", False):
        return
    app.state.observer_installed = True
    app.add_middleware(ObserverMiddleware, owner=app)
