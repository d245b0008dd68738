"""The asynchronous engine's default transport to a real bureau: httpx's interface over aiohttp's pool.

The engine speaks httpx everywhere (the transport is the one test seam; `runner.undelivered` sorts httpx's
exceptions into "not sent" and "lost").  httpx's own async pool (httpcore) costs ~0.95 ms of CPU per
call, and looks at every pooled connection on each request, so 64 concurrent calls cost ~2.5 ms each; the
same calls through this transport cost ~0.4 ms, flat in concurrency (issue 16, measured against the null
bureau; docs/benchmarks.md §8).  Only the wire moves: httpx still builds the request (headers, URL,
environment proxies, which it mounts on its own transports before this one is reached) and decodes the
answer.

What the engine's safety rests on is the translation of failures (`_translate`):

- the connection could not be opened (refused, DNS, TLS, connect timeout, pool wait): httpx.ConnectError,
  ConnectTimeout or UnsupportedProtocol; nothing left, so sending again is safe;
- anything after that (reset, closed early, read timeout, a malformed answer, an unknown error):
  httpx.ReadError, ReadTimeout or RemoteProtocolError; the bureau may have the request.

When in doubt it says "lost": a lost money call is resolved by 2601/query, never sent again blindly.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

import aiohttp
import httpx

MAX_CONNECTIONS = 100  # open to the bureau at most (spec §6.1.2 sizes the gateway's pools at 100)
KEEPALIVE_S = 30.0


class AiohttpTransport(httpx.AsyncBaseTransport):
    """One aiohttp session (created on first use, in the running event loop) behind httpx's interface."""

    def __init__(self, *, ssl_context: ssl.SSLContext | None = None, max_connections: int = MAX_CONNECTIONS):
        # the CA bundle httpx itself would use (certifi, or SSL_CERT_FILE / SSL_CERT_DIR)
        self._ssl = ssl_context or httpx.create_ssl_context()
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=self._max_connections, ssl=self._ssl, keepalive_timeout=KEEPALIVE_S
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                auto_decompress=False,  # httpx decodes Content-Encoding itself
                skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
                trust_env=False,  # httpx has applied the environment's proxies already
                timeout=aiohttp.ClientTimeout(total=None),
            )
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        session = self._open()
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]
        try:
            async with session.request(
                request.method,
                str(request.url),
                data=request.content or None,
                headers=headers,
                timeout=_timeout(request.extensions.get("timeout") or {}),
                allow_redirects=False,
                compress=None,
            ) as answer:
                content = await answer.read()
                raw_headers = list(answer.raw_headers)
                status = answer.status
        except Exception as exc:
            raise _translate(exc, request) from exc
        return httpx.Response(
            status, headers=raw_headers, content=content, extensions={"http_version": b"HTTP/1.1"}
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _timeout(limits: dict[str, Any]) -> aiohttp.ClientTimeout:
    """httpx's timeout extension as aiohttp's: pool wait + connect, then the gap between reads."""
    connect, read, pool = limits.get("connect"), limits.get("read"), limits.get("pool")
    return aiohttp.ClientTimeout(
        total=None,
        connect=None if connect is None and pool is None else (connect or 0) + (pool or 0),
        sock_connect=connect,
        sock_read=read,
    )


def _translate(exc: BaseException, request: httpx.Request) -> httpx.TransportError:
    """aiohttp's failure as the httpx exception that says whether the bureau may have the request."""
    detail = f"{type(exc).__name__}: {exc}".rstrip(": ")
    # never sent: the connection was not there to write on
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout(detail, request=request)
    if isinstance(exc, aiohttp.ClientConnectorError):  # refused, DNS, TLS handshake, proxy connect
        return httpx.ConnectError(detail, request=request)
    if isinstance(exc, aiohttp.InvalidURL):
        return httpx.UnsupportedProtocol(detail, request=request)
    # perhaps sent: the bureau may have it
    if isinstance(exc, (aiohttp.SocketTimeoutError, asyncio.TimeoutError, TimeoutError)):
        return httpx.ReadTimeout(detail, request=request)
    if isinstance(exc, (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError)):
        return httpx.RemoteProtocolError(detail, request=request)
    return httpx.ReadError(detail, request=request)
