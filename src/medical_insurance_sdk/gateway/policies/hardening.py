"""Small hardening of every answer and of the documentation pages (issue 14 §5).

    install_hardening(app, settings)               # X-Content-Type-Options: nosniff on every answer

(Which documentation pages are served, and from where, is `policies/docs.py`.)

- `install_hardening`: a plain ASGI middleware (streamed 9102 files pass untouched) sets
  `X-Content-Type-Options: nosniff` on every answer, and the catch-all error handler's 500 answers (sent by
  Starlette outside every middleware) get it too.  The `server` banner is the server's: `yibao run` and
  `yibao sandbox` start uvicorn with `server_header=False`.
"""

from __future__ import annotations

import inspect

from fastapi import FastAPI, Request
from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from medical_insurance_sdk.gateway.settings import GatewaySettings

NOSNIFF = ("X-Content-Type-Options", "nosniff")


class NoSniffMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_hardened(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[NOSNIFF[0]] = NOSNIFF[1]
            await send(message)

        await self.app(scope, receive, send_hardened)


def install_hardening(app: FastAPI, settings: GatewaySettings) -> None:
    app.add_middleware(NoSniffMiddleware)
    catch_all = app.exception_handlers.get(Exception)
    if catch_all is not None:

        async def hardened(request: Request, exc: Exception) -> Response:
            answer = catch_all(request, exc)
            response = await answer if inspect.isawaitable(answer) else answer
            response.headers[NOSNIFF[0]] = NOSNIFF[1]
            return response

        app.add_exception_handler(Exception, hardened)
