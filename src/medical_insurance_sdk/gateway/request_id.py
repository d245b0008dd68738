"""Request ids: one per request, from the client's X-Request-ID or new, echoed in the answer's header.

The middleware is plain ASGI (not BaseHTTPMiddleware), so streamed answers (9102 files) pass untouched.
Handlers read the id with `request_id_of(request)`; it is stored in the scope's state.
"""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from medical_insurance_sdk.gateway.responses import REQUEST_ID_HEADER, accept_request_id

_STATE_KEY = "request_id"


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = accept_request_id(Headers(scope=scope).get(REQUEST_ID_HEADER))
        scope.setdefault("state", {})[_STATE_KEY] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        await self.app(scope, receive, send_with_id)


def request_id_of(request: Request) -> str:
    """This request's id (a new one if the middleware did not run, e.g. in a bare test app)."""
    state = request.scope.setdefault("state", {})
    if _STATE_KEY not in state:
        state[_STATE_KEY] = accept_request_id(request.headers.get(REQUEST_ID_HEADER))
    return str(state[_STATE_KEY])
