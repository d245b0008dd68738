"""What one running gateway holds (`app.state.gateway`): built in the lifespan, gone at shutdown."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from starlette.requests import HTTPConnection

from medical_insurance_sdk.engine.engine import AsyncBureauEngine
from medical_insurance_sdk.exceptions import ServiceUnavailableError
from medical_insurance_sdk.gateway.settings import GatewaySettings
from medical_insurance_sdk.gateway.tenancy import Tenants
from medical_insurance_sdk.storage.database import Database


@dataclass
class GatewayState:
    """The gateway's live objects.  `extras` is for installers (rate-limit storage, audit writer …)."""

    settings: GatewaySettings
    database: Database
    engine: AsyncBureauEngine
    tenants: Tenants
    sandbox: FastAPI | None = None
    extras: dict[str, Any] = field(default_factory=dict)


def gateway_state(connection: HTTPConnection) -> GatewayState:
    """The state of the app serving this request; 10005 while the gateway is not started."""
    state = getattr(connection.app.state, "gateway", None)
    if not isinstance(state, GatewayState):
        raise ServiceUnavailableError("服务暂时不可用: 网关尚未启动完成")
    return state
