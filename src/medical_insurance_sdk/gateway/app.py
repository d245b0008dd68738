"""The gateway's app factory: `create_app(settings)`; nothing is built at import time.

    app = create_app(GatewaySettings(database_url="sqlite:///var/yibao.sqlite3"))
    uvicorn.run(app, port=8000)                                     # or `yibao run`

The lifespan opens the database (and migrates it), the msgid allocator, the bureau engine and the
compensation sweeper, and puts them on `app.state.gateway` (`GatewayState`).  The bureau is reached
through `bureau_transport` when given (tests), else the embedded sandbox when `bureau_api_url` is None
(its admin API and page are then served at /sandbox/admin/… and /sandbox/), else the network.

This module only assembles: INSTALLERS (`(app, settings) -> None`, run in order, then those passed with
`create_app(installers=[...])`) and ROUTERS (`(settings) -> APIRouter`, included in order, then
`create_app(routers=[...])`).  The extension points they use — lifespan hooks, admission policies around
every way in (transaction routes, batch operations, tasks …) — are in `gateway.extensions`; nothing but
the entry points (cli, the Celery worker) imports this module.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager

import anyio
import anyio.to_thread
import httpx
from fastapi import FastAPI

from medical_insurance_sdk import __version__
from medical_insurance_sdk.engine.engine import AsyncBureauEngine
from medical_insurance_sdk.gateway.assembly import embedded_sandbox, engine_parts
from medical_insurance_sdk.gateway.audit.install import install_audit
from medical_insurance_sdk.gateway.audit.interface_config import install_interface_config
from medical_insurance_sdk.gateway.errors import install_error_handlers
from medical_insurance_sdk.gateway.executors import install_task_executor
from medical_insurance_sdk.gateway.extensions import (
    Installer,
    RouterFactory,
    bind_policies,
    lifespan_hooks,
)
from medical_insurance_sdk.gateway.policies.body_size import install_body_size
from medical_insurance_sdk.gateway.policies.concurrency import install_concurrency
from medical_insurance_sdk.gateway.policies.docs import docs_urls, install_docs
from medical_insurance_sdk.gateway.policies.hardening import install_hardening
from medical_insurance_sdk.gateway.policies.input_guard import install_input_guard
from medical_insurance_sdk.gateway.policies.limits import install_rate_limits
from medical_insurance_sdk.gateway.request_id import RequestIdMiddleware
from medical_insurance_sdk.gateway.routes.auth import auth_router
from medical_insurance_sdk.gateway.routes.batch import batch_router
from medical_insurance_sdk.gateway.routes.config import config_router, install_openapi_schemas
from medical_insurance_sdk.gateway.routes.files import files_router
from medical_insurance_sdk.gateway.routes.health import health_router, install_health
from medical_insurance_sdk.gateway.routes.metrics import install_metrics, metrics_router
from medical_insurance_sdk.gateway.routes.proxy import proxy_router
from medical_insurance_sdk.gateway.routes.query import query_router
from medical_insurance_sdk.gateway.routes.statistics import statistics_router
from medical_insurance_sdk.gateway.routes.tasks import tasks_router
from medical_insurance_sdk.gateway.routes.transactions import transactions_router
from medical_insurance_sdk.gateway.settings import GatewaySettings
from medical_insurance_sdk.gateway.state import GatewayState
from medical_insurance_sdk.gateway.sweeper import run_sweeper
from medical_insurance_sdk.gateway.tenancy import Tenants, ensure_demo_institution
from medical_insurance_sdk.sandbox.settings import SandboxSettings
from medical_insurance_sdk.storage.database import Database

log = logging.getLogger(__name__)

INSTALLERS: tuple[Installer, ...] = (
    install_error_handlers,
    # operations (spec §6, §8): middleware added later wraps what came before, so the audit observer
    # sees the body-size refusals; admission policies run in their own `order`
    install_input_guard,  # inside the body-size limit: it counts the bytes before the guard gathers them
    install_body_size,
    install_interface_config,
    install_rate_limits,
    install_concurrency,
    install_audit,
    install_metrics,
    install_health,
    install_openapi_schemas,
    install_task_executor,
    install_hardening,  # nosniff on every answer (issue 14 §5)
    install_docs,  # /docs and /redoc from the package's assets, no CDN (issue 21)
)
ROUTERS: tuple[RouterFactory, ...] = (
    auth_router,
    transactions_router,
    config_router,
    query_router,
    statistics_router,
    health_router,
    metrics_router,
    batch_router,
    tasks_router,
    files_router,
    proxy_router,
)


def create_app(
    settings: GatewaySettings | None = None,
    *,
    bureau_transport: httpx.AsyncBaseTransport | None = None,
    sandbox_settings: SandboxSettings | None = None,
    installers: Sequence[Installer] = (),
    routers: Sequence[RouterFactory] = (),
) -> FastAPI:
    """A new gateway app; `settings` defaults to `GatewaySettings()` (environment and config file)."""
    settings = settings or GatewaySettings()
    sandbox = None
    if bureau_transport is None and settings.embedded_sandbox:
        if sandbox_settings is not None:
            from medical_insurance_sdk.sandbox.app import create_sandbox_app

            sandbox = create_sandbox_app(sandbox_settings)
        else:
            sandbox = embedded_sandbox(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with gateway_lifespan(app, settings, bureau_transport, sandbox):
            yield

    app = FastAPI(
        title="医保接口平台 REST 网关",
        description="国家医保信息平台 206 个定点医药机构接口的 REST 网关（规范 §1–§2）。",
        version=__version__,
        lifespan=lifespan,
        **docs_urls(settings),  # /docs, /redoc, /openapi.json only when settings.serves_docs
    )
    for install in (*INSTALLERS, *installers):
        install(app, settings)
    for make_router in (*ROUTERS, *routers):
        app.include_router(make_router(settings))
    if sandbox is not None:
        from medical_insurance_sdk.gateway.policies.sandbox_access import sandbox_admin_access
        from medical_insurance_sdk.sandbox.admin import admin_router

        docs = "/docs" if settings.serves_docs else None  # the gateway's, not the standalone sandbox's
        app.include_router(admin_router(sandbox.state.sandbox, guard=sandbox_admin_access, docs_url=docs))
    # outermost, so that every answer (errors of other middleware included) carries the request id
    app.add_middleware(RequestIdMiddleware)
    return app


@asynccontextmanager
async def gateway_lifespan(
    app: FastAPI,
    settings: GatewaySettings,
    bureau_transport: httpx.AsyncBaseTransport | None,
    sandbox: FastAPI | None,
) -> AsyncIterator[GatewayState]:
    """Open everything the gateway needs, serve, then close it all in reverse order."""
    database = Database(settings.database_url, key_ring=settings.key_ring())
    try:
        await anyio.to_thread.run_sync(database.migrate)
        if settings.creates_demo_institution:
            await anyio.to_thread.run_sync(ensure_demo_institution, database, settings)
        if sandbox is not None:
            from medical_insurance_sdk.sandbox.transport import SandboxTransport

            bureau_transport = SandboxTransport(sandbox)
        engine = AsyncBureauEngine(
            database, transport=bureau_transport, **engine_parts(settings, database, sandbox)
        )
        state = GatewayState(
            settings=settings,
            database=database,
            engine=engine,
            tenants=Tenants(settings, environ=os.environ),
            sandbox=sandbox,
        )
        bind_policies(app, state)
        app.state.gateway = state
        async with AsyncExitStack() as stack:
            stack.push_async_callback(engine.aclose)
            for hook in lifespan_hooks(app):
                await stack.enter_async_context(hook(state))
            tasks = await stack.enter_async_context(anyio.create_task_group())
            if settings.sweeper_interval_s > 0:
                tasks.start_soon(run_sweeper, state, settings.sweeper_interval_s)
            try:
                yield state
            finally:
                tasks.cancel_scope.cancel()
    finally:
        app.state.gateway = None
        if sandbox is not None:
            sandbox.state.sandbox.close()
        database.dispose()
