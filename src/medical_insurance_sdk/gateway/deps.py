"""The gateway's dependencies, declared once as `Annotated` aliases; routes read like prose.

async def issue(caller: CurrentCaller, settings: Settings, request_id: RequestId) -> Response: ...
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from medical_insurance_sdk.engine.engine import AsyncBureauEngine
from medical_insurance_sdk.gateway.policies.auth import Caller, authenticate
from medical_insurance_sdk.gateway.request_id import request_id_of
from medical_insurance_sdk.gateway.settings import GatewaySettings
from medical_insurance_sdk.gateway.state import GatewayState, gateway_state
from medical_insurance_sdk.gateway.tenancy import Tenants
from medical_insurance_sdk.storage.database import Database

# Every dependency here is `async def` although none awaits: FastAPI runs a plain `def` dependency in its
# thread pool, and a thread hop per dependency per request is measurable latency (docs/benchmarks.md §2).


async def _state(request: Request) -> GatewayState:
    return gateway_state(request)


async def _engine(request: Request) -> AsyncBureauEngine:
    return gateway_state(request).engine


async def _database(request: Request) -> Database:
    return gateway_state(request).database


async def _settings(request: Request) -> GatewaySettings:
    return gateway_state(request).settings


async def _tenants(request: Request) -> Tenants:
    return gateway_state(request).tenants


async def _request_id(request: Request) -> str:
    return request_id_of(request)


State = Annotated[GatewayState, Depends(_state)]
Engine = Annotated[AsyncBureauEngine, Depends(_engine)]
DatabaseDep = Annotated[Database, Depends(_database)]
Settings = Annotated[GatewaySettings, Depends(_settings)]
TenantsDep = Annotated[Tenants, Depends(_tenants)]
CurrentCaller = Annotated[Caller, Depends(authenticate)]
RequestId = Annotated[str, Depends(_request_id)]

__all__ = ["CurrentCaller", "DatabaseDep", "Engine", "RequestId", "Settings", "State", "TenantsDep"]
