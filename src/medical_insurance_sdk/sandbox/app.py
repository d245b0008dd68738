"""The sandbox bureau as an ASGI app: the platform's endpoints, the fault layer, the admin API.

    app = create_sandbox_app(SandboxSettings(profile="tif", credentials={...}))
    uvicorn.run(app, port=9000)                                    # standalone (`yibao sandbox`)
    httpx.Client(transport=SyncSandboxTransport(app))             # in process (tests, the gateway)

Endpoints (all POST, JSON body as application/json or text/plain, reference §2.1 and §2.5):

    /fsi/api/rsfComIfsService/callService          the single dispatcher; infno from the body
    /fsi/api/<service path>                        per-service paths of the profile's table (tif if the
                                                   configured profile has none); the body's infno must be
                                                   one the path stands for; unknown paths use the body's
    /ebus/{paasid}/poc/hsa/hgs/{infno}             Shenzhen (test) and /ebus/{paasid}/hsa/hgs/{infno}
    /org/local/api/hos/{route}                     SM4/SM2 channel, mobile payment (uldFeeInfo → 6201 …)
    /epc/api/fixmedins/{route}                     SM4/SM2 channel, e-prescription (uploadChk → 7101 …)
    /sandbox/…                                     admin API and HTML page (`sandbox.admin`), behind
                                                   the admin token (settings.admin_token, else random:
                                                   `app.state.admin_token`)

The SM routes also accept the infno itself as {route} (6204, 6302, 7108–7211 have no public route name).
Faults (`sandbox.faults`) are decided per message here, around the dispatcher.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from contextlib import asynccontextmanager
from datetime import datetime
from types import MappingProxyType
from typing import Any

import anyio
import anyio.to_thread
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.types import Receive, Scope, Send

from medical_insurance_sdk.protocol.profiles import load_profile
from medical_insurance_sdk.registry import REGISTRY, Category, Channel
from medical_insurance_sdk.registry.transaction import SM_PATH_PREFIXES
from medical_insurance_sdk.sandbox.admin import admin_router, new_admin_token, token_guard
from medical_insurance_sdk.sandbox.answers import JSON, Answer, html_error_page
from medical_insurance_sdk.sandbox.dispatch import (
    Rejected,
    fault_answer,
    handle_body,
    handle_message,
    handle_sm_message,
    parse_body,
    serve_message,
    sm_fault_answer,
)
from medical_insurance_sdk.sandbox.faults import ConnectionDropped, FaultDecision
from medical_insurance_sdk.sandbox.runtime import SandboxState
from medical_insurance_sdk.sandbox.settings import SandboxSettings

DISPATCHER_PATH = "/fsi/api/rsfComIfsService/callService"
# The SM channel's paths are the registry's (`SM_PATH_PREFIXES`, `Transaction.sm_path`): the engine sends to
# the same ones.
MOBILE_PAY_PREFIX = SM_PATH_PREFIXES[Category.PAYMENT]
PRESCRIPTION_PREFIX = SM_PATH_PREFIXES[Category.PRESCRIPTION]

# Route names of the SM channel (reference §2.5), as the registry declares them (`Transaction.sm_route`).
SM_ROUTES: MappingProxyType[str, str] = MappingProxyType(
    {t.sm_route: t.infno for t in REGISTRY.transactions if t.sm_route is not None}
)


def sm_path(infno: str) -> str:
    """The URL path of an SM-channel transaction (its route name, or the infno when it has none)."""
    path = REGISTRY[infno].sm_path
    if path is None:
        raise ValueError(f"{infno} does not travel on the SM channel")
    return path


def create_sandbox_app(
    settings: SandboxSettings | None = None, *, clock: Callable[[], datetime] | None = None
) -> FastAPI:
    """A new sandbox bureau with its own state (`app.state.sandbox`); nothing is shared between apps.

    `clock` returns the current time (aware, or naive Beijing time); tests use it to pin the date.
    """
    state = SandboxState(settings or SandboxSettings(), clock=clock)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        state.close()

    app = _SandboxApp(
        title="医保沙箱 · 国家医保信息平台模拟器",
        version="1",
        docs_url="/sandbox/docs",
        redoc_url=None,
        openapi_url="/sandbox/openapi.json",
        lifespan=lifespan,
    )
    app.state.sandbox = state
    app.include_router(bureau_router(state))
    # the admin API is never open: the configured token, else a random one only this process knows
    token = state.settings.admin_token
    app.state.admin_token = token.get_secret_value() if token is not None else new_admin_token()
    app.include_router(admin_router(state, guard=token_guard(app.state.admin_token)))

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/sandbox/")

    return app


def bureau_router(state: SandboxState) -> APIRouter:
    """The platform's own endpoints, bound to one sandbox state."""
    router = APIRouter(tags=["bureau"])
    services = _service_paths(state)

    @router.post(DISPATCHER_PATH)
    async def dispatcher(request: Request) -> Response:
        return await _serve_envelope(state, request, None)

    @router.post("/fsi/api/{service_path:path}")
    async def per_service(service_path: str, request: Request) -> Response:
        return await _serve_envelope(state, request, services.get(service_path.strip("/")))

    @router.post("/ebus/{paasid}/poc/hsa/hgs/{infno}")
    async def shenzhen_test(paasid: str, infno: str, request: Request) -> Response:
        return await _serve_envelope(state, request, frozenset({infno}))

    @router.post("/ebus/{paasid}/hsa/hgs/{infno}")
    async def shenzhen(paasid: str, infno: str, request: Request) -> Response:
        return await _serve_envelope(state, request, frozenset({infno}))

    @router.post(MOBILE_PAY_PREFIX + "/{route}")
    async def mobile_pay(route: str, request: Request) -> Response:
        return await _serve_sm(state, request, route)

    @router.post(PRESCRIPTION_PREFIX + "/{route}")
    async def prescription(route: str, request: Request) -> Response:
        return await _serve_sm(state, request, route)

    return router


def _service_paths(state: SandboxState) -> dict[str, frozenset[str]]:
    """Service path → the infnos it stands for (2203 and 2203A share one), from the per-service table."""
    profile = state.profile if state.profile.endpoint.style == "per_service" else load_profile("tif")
    paths: dict[str, set[str]] = {}
    for infno, path in profile.endpoint.paths.items():
        paths.setdefault(path.strip("/"), set()).add(infno)
    return {path: frozenset(infnos) for path, infnos in paths.items()}


async def _serve_envelope(
    state: SandboxState, request: Request, route_infnos: Collection[str] | None
) -> Response:
    received = state.now()
    body = await request.body()
    headers = dict(request.headers)
    try:
        message: dict[str, Any] | None = parse_body(body)
    except Rejected:
        message = None  # handle_body answers it
    named = message.get("infno") if message else None
    infno = named if isinstance(named, str) else None
    if infno is None and route_infnos and len(route_infnos) == 1:
        infno = next(iter(route_infnos))

    def process() -> Answer:
        if message is None:
            return handle_body(state, body, headers, route_infnos=route_infnos, received=received)
        return handle_message(
            state, message, headers, body=body, route_infnos=route_infnos, received=received
        )

    async def serve() -> Answer:
        if message is None:
            return process()  # not a JSON object: a rejection, nothing to wait for
        return await serve_message(
            state, message, headers, body=body, route_infnos=route_infnos, received=received
        )

    return await _with_faults(
        state, request, state.faults.decide(infno), process, lambda m: fault_answer(state, m), serve
    )


async def _serve_sm(state: SandboxState, request: Request, route: str) -> Response:
    received = state.now()
    body = await request.body()
    infno = SM_ROUTES.get(route) or route
    tx = REGISTRY.get(infno)
    known = tx is not None and tx.infno == infno and tx.channel is Channel.SM

    def process() -> Answer:
        return handle_sm_message(state, infno if known else None, body, received=received)

    return await _with_faults(
        state,
        request,
        state.faults.decide(infno if known else None),
        process,
        lambda m: sm_fault_answer(state, m),
    )


async def _with_faults(
    state: SandboxState,
    request: Request,
    decision: FaultDecision,
    process: Callable[[], Answer],
    error_answer: Callable[[str], Answer],
    serve: Callable[[], Awaitable[Answer]] | None = None,
) -> Response:
    """Carry out one fault decision around processing (semantics in `sandbox.faults`): `process` on a
    worker thread, or `serve` when given (it knows what may run on the event loop)."""
    if decision.latency_ms:
        await anyio.sleep(decision.latency_ms / 1000)
    fault = decision.fault
    kind = decision.kind
    if kind == "timeout_before":
        await _hang(request, state.settings.hang_s)
        return HTMLResponse(html_error_page(504), status_code=504)
    if fault is not None and kind == "delayed_commit":
        state.defer(fault.latency_ms / 1000, process)
        await _hang(request, state.settings.hang_s)
        return HTMLResponse(html_error_page(504), status_code=504)
    if kind == "reset_before":
        return DropConnection()
    if fault is not None and kind == "http_5xx":
        return HTMLResponse(html_error_page(fault.status), status_code=fault.status)
    if fault is not None and kind == "infcode_error":
        return to_response(error_answer(fault.err_msg))
    # Handlers are synchronous database work: on a worker thread, or where `serve` decides (the envelope
    # channel answers on the event loop, `dispatch.serve_message`).  A cancelled request (client timeout)
    # still waits for the commit, exactly as a real server finishes what it started.
    answer = await serve() if serve is not None else await anyio.to_thread.run_sync(process)
    if kind == "timeout_after":
        await _hang(request, state.settings.hang_s)
    elif kind == "reset_after":
        return DropConnection()
    return to_response(answer)


async def _hang(request: Request, seconds: float) -> None:
    """Wait `seconds`, or until the client goes away."""
    with anyio.move_on_after(seconds):
        while (await request.receive())["type"] != "http.disconnect":
            pass


def to_response(answer: Answer) -> Response:
    if answer.path is not None:
        return FileResponse(answer.path, media_type=answer.content_type, headers=answer.headers)
    return Response(
        answer.body, status_code=answer.status, media_type=answer.content_type, headers=answer.headers
    )


class _SandboxApp(FastAPI):
    """FastAPI, with the platform's dispatcher (nearly all of the traffic) served before FastAPI's
    middleware and routing, which would cost a query a tenth of its time; its route stays in the table
    (the API documentation; and a mounted app, with a root path, goes the ordinary way)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == DISPATCHER_PATH and _plain_post(scope):
            response = await _serve_envelope(self.state.sandbox, Request(scope, receive), None)
            await response(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def _plain_post(scope: Scope) -> bool:
    return bool(scope["method"] == "POST" and not scope.get("root_path"))


class DropConnection(Response):
    """Starts a response promising a body, then raises: the server drops the connection mid-answer."""

    def __init__(self) -> None:
        super().__init__(status_code=200, media_type=JSON)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", JSON.encode()), (b"content-length", b"1024")],
            }
        )
        raise ConnectionDropped("sandbox fault: connection reset by the bureau")
