"""One place that puts the gateway's parts together: database, bureau (real or embedded sandbox), engine.

    sandbox = embedded_sandbox(settings)                 # None with a bureau URL
    engine = AsyncBureauEngine(database, allocator, **engine_parts(settings, sandbox, transport))
    with open_sync_engine(settings) as parts: ...        # the CLI (compensate, reconcile, catalog sync)

The gateway's lifespan, its Celery workers (which run that lifespan) and the `yibao` commands all come
through here, with the same `GatewaySettings` (arguments > environment > config file > defaults), so they
share one ledger and one bureau: the embedded sandbox keeps its state in the data directory, and every
process on that directory talks to the same sandbox.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI

from medical_insurance_sdk.engine.engine import BureauEngine
from medical_insurance_sdk.engine.settings import EngineSettings, InstitutionConfig
from medical_insurance_sdk.exceptions import RequestError
from medical_insurance_sdk.gateway.settings import GatewaySettings
from medical_insurance_sdk.gateway.tenancy import Tenants, find_institution
from medical_insurance_sdk.protocol.profiles import load_profile
from medical_insurance_sdk.storage.allocators import allocator_for
from medical_insurance_sdk.storage.database import Database


def embedded_sandbox(settings: GatewaySettings) -> FastAPI | None:
    """The embedded sandbox app when no bureau URL is set: the gateway's profile and credentials, its
    state in the data directory (a file, so sign-ins, settlements and its identity outlive the process)."""
    if not settings.embedded_sandbox:
        return None
    from medical_insurance_sdk.sandbox.app import create_sandbox_app
    from medical_insurance_sdk.sandbox.settings import SandboxSettings

    needed = load_profile(settings.bureau_profile).credentials
    credentials = {k: v for k, v in settings.default_credentials().items() if k in needed}
    return create_sandbox_app(
        SandboxSettings.embedded(settings.data_dir, profile=settings.bureau_profile, credentials=credentials)
    )


def engine_settings(settings: GatewaySettings, **tuning: Any) -> EngineSettings:
    """The engine's behaviour from the gateway's settings; `tuning` (EngineSettings fields) for tools that
    run apart from live traffic, e.g. a compensation pass that may treat every PENDING row as interrupted."""
    values: dict[str, Any] = {
        "timeout_s": settings.bureau_timeout_s,
        "lease_s": settings.compensation_lease_s,
        "processing_window_s": settings.bureau_processing_window_s,
        "resolve_budget_s": settings.compensation_budget_s,
    }
    return EngineSettings(**{**values, **tuning})  # a tool's tuning wins over the gateway's settings


# msgid numbers the gateway takes from the database per round trip (issue 16); at most this many minus one
# are skipped per process and second, of the 9999 a second allows
MSGID_BLOCK = 16


def engine_parts(
    settings: GatewaySettings, database: Database, sandbox: FastAPI | None, **tuning: Any
) -> dict[str, Any]:
    """What either engine (`AsyncBureauEngine` for the gateway, `BureauEngine` for the CLI) is built with
    besides its database and transport: the msgid allocator, its settings and the embedded bureau's id."""
    return {
        "allocator": allocator_for(database, settings.redis_url, block=MSGID_BLOCK),
        "settings": engine_settings(settings, **tuning),
        "embedded_bureau": sandbox_identity(sandbox),
    }


def sandbox_identity(sandbox: FastAPI | None) -> Any:
    """How the engine reads the embedded sandbox's identity (it changes when the sandbox is reset)."""
    if sandbox is None:
        return None
    state = sandbox.state.sandbox
    return lambda: state.bureau_id


@dataclass
class SyncParts:
    """What a `yibao` command works with: the gateway's database and tenants, a blocking engine."""

    settings: GatewaySettings
    database: Database
    engine: BureauEngine
    tenants: Tenants

    def institutions(self, code: str | None = None) -> dict[str, InstitutionConfig]:
        """{code: config} of one institution, or of every active one; RequestError 10007 if unknown."""
        if code is None:
            return self.tenants.active_configs(self.database)
        record = find_institution(self.database, code)
        if record is None or not record.active:
            raise RequestError(
                f"机构信息无效: 网关中没有启用的机构 {code}（yibao institutions list）", code=10007
            )
        return {code: self.tenants.config_for(record)}


@contextmanager
def open_sync_engine(
    settings: GatewaySettings, *, bureau_transport: httpx.BaseTransport | None = None, **tuning: Any
) -> Iterator[SyncParts]:
    """The gateway's database, tenants and bureau behind a blocking engine, closed on exit."""
    from medical_insurance_sdk.gateway.tenancy import ensure_demo_institution

    database = Database(settings.database_url, key_ring=settings.key_ring())
    sandbox = None
    try:
        database.migrate()
        if settings.creates_demo_institution:
            ensure_demo_institution(database, settings)
        transport = bureau_transport
        if transport is None:
            sandbox = embedded_sandbox(settings)
            if sandbox is not None:
                from medical_insurance_sdk.sandbox.transport import SyncSandboxTransport

                transport = SyncSandboxTransport(sandbox)
        engine = BureauEngine(
            database, transport=transport, **engine_parts(settings, database, sandbox, **tuning)
        )
        try:
            yield SyncParts(settings, database, engine, Tenants(settings, environ=os.environ))
        finally:
            engine.close()
    finally:
        if sandbox is not None:
            sandbox.state.sandbox.close()
        database.dispose()
