"""In-process httpx transports to an ASGI app (the sandbox) that behave like a socket would.

    async with httpx.AsyncClient(transport=SandboxTransport(app), base_url="http://sandbox") as client: ...
    with httpx.Client(transport=SyncSandboxTransport(app), base_url="http://sandbox") as client: ...

httpx's own ASGITransport enforces no timeout and re-raises the app's exceptions.  These transports add
what a client of a real server would see:

- the request's read timeout (`request.extensions["timeout"]["read"]`) is enforced: when it runs out the
  app's task is cancelled and httpx.ReadTimeout is raised.  What the app committed before stays committed
  (the sandbox's `timeout_after` fault), what it had not started never happens (`timeout_before`);
- a connection the app drops (the sandbox's `ConnectionDropped`, or any exception after the response
  started) raises httpx.RemoteProtocolError, as a truncated HTTP response does;
- any other exception before the response started becomes a plain 500, as uvicorn answers it.

`SyncSandboxTransport` runs the async one on an anyio blocking portal in a background thread; close it
(or the client that owns it) to stop the thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import MutableMapping
from typing import Any

import anyio
import httpx
from anyio.from_thread import BlockingPortal, start_blocking_portal
from starlette.types import ASGIApp, Receive, Scope, Send

from medical_insurance_sdk.sandbox.faults import ConnectionDropped

log = logging.getLogger(__name__)


class _ServerShim:
    """Wraps the app the way a server does: knows whether the answer started and finished."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = finished = False

        async def watch(message: MutableMapping[str, Any]) -> None:
            nonlocal started, finished
            if message["type"] == "http.response.start":
                started = True
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                finished = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except ConnectionDropped:
            raise
        except Exception as exc:
            if finished:
                return  # the answer went out whole; the server would just log this
            if started:
                raise ConnectionDropped(f"app failed mid-response: {exc!r}") from exc
            log.exception("ASGI app failed before answering")
            await send(
                {"type": "http.response.start", "status": 500, "headers": [(b"content-type", b"text/plain")]}
            )
            await send({"type": "http.response.body", "body": b"Internal Server Error"})


def _read_timeout(request: httpx.Request) -> float | None:
    timeout = request.extensions.get("timeout") or {}
    value = timeout.get("read")
    return float(value) if value is not None else None


class SandboxTransport(httpx.AsyncBaseTransport):
    """Async transport to an ASGI app with read timeouts and dropped connections (see the module doc)."""

    def __init__(self, app: ASGIApp, *, client: tuple[str, int] = ("127.0.0.1", 50000)) -> None:
        self._asgi = httpx.ASGITransport(app=_ServerShim(app), client=client)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        seconds = _read_timeout(request)
        try:
            if seconds is None:
                response = await self._asgi.handle_async_request(request)
            else:
                with anyio.fail_after(seconds):
                    response = await self._asgi.handle_async_request(request)
        except TimeoutError:
            raise httpx.ReadTimeout(f"no answer within {seconds:g} s", request=request) from None
        except ConnectionDropped as exc:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a complete response", request=request
            ) from exc
        return response

    async def aclose(self) -> None:
        await self._asgi.aclose()


class SyncSandboxTransport(httpx.BaseTransport):
    """The same, for synchronous clients: the app runs on an event loop in a background thread."""

    def __init__(self, app: ASGIApp, *, client: tuple[str, int] = ("127.0.0.1", 50000)) -> None:
        self._async = SandboxTransport(app, client=client)
        self._lock = threading.Lock()
        self._portal_cm: Any = None
        self._portal: BlockingPortal | None = None

    def _running_portal(self) -> BlockingPortal:
        with self._lock:
            if self._portal is None:
                self._portal_cm = start_blocking_portal()
                self._portal = self._portal_cm.__enter__()
            return self._portal

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        # A sync request's stream cannot be read from the portal's loop: hand over the bytes instead.
        inner = httpx.Request(
            request.method, request.url, headers=request.headers, content=body, extensions=request.extensions
        )
        status, headers, content = self._running_portal().call(self._exchange, inner)
        return httpx.Response(status, headers=headers, content=content, request=request)

    async def _exchange(self, request: httpx.Request) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        response = await self._async.handle_async_request(request)
        content = await response.aread()
        return response.status_code, response.headers.raw, content

    def close(self) -> None:
        with self._lock:
            portal_cm, self._portal_cm, self._portal = self._portal_cm, None, None
        if portal_cm is not None:
            portal_cm.__exit__(None, None, None)
