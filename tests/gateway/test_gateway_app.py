"""The app factory: settings precedence, extension points, OpenAPI, the compensation sweeper."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from fastapi import APIRouter, FastAPI
from gateway_support import HOSPITAL, JSON, Gateway, gateway_settings, start_gateway
from pydantic import ValidationError
from sqlalchemy import select

from medical_insurance_sdk.gateway import GatewaySettings
from medical_insurance_sdk.gateway.extensions import lifespan_hooks
from medical_insurance_sdk.gateway.keys import create_key
from medical_insurance_sdk.gateway.state import GatewayState
from medical_insurance_sdk.protocol import jsoncodec
from medical_insurance_sdk.registry import API_PREFIX, REGISTRY
from medical_insurance_sdk.registry.samples import sample_message
from medical_insurance_sdk.storage.models import LedgerEntry

# ------------------------------------------------------------------------------------------ settings

_PRINT_SETTINGS = """
import json
from medical_insurance_sdk.gateway.settings import GatewaySettings
s = GatewaySettings(jwt_ttl_s=120)
print(json.dumps({"profile": s.bureau_profile, "ttl": s.jwt_ttl_s, "url": s.bureau_api_url,
                  "timeout": s.bureau_timeout_s, "ak": s.default_credentials().get("access_key"),
                  "database_url": s.database_url}))
"""


def test_settings_precedence_argument_environment_file_default(tmp_path: Path) -> None:
    config = tmp_path / "yibao.yaml"
    lines = ["bureau_profile: tif", "jwt_ttl_s: 60", "medical_bureau:"]
    lines += ["  api_url: http://10.1.1.1:8080", "  ak: FILE_AK", "  timeout: 12"]
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {
        **os.environ,
        "MEDICAL_INSURANCE_CONFIG_FILE": str(config),
        "MEDICAL_BUREAU_PROFILE": "aksk",
        "DATABASE_URL": "sqlite:///env.sqlite3",
    }
    env.pop("MEDICAL_BUREAU_AK", None)
    out = subprocess.run(
        [sys.executable, "-c", _PRINT_SETTINGS],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    values = json.loads(out.strip().splitlines()[-1])
    assert values == {
        "profile": "aksk",  # environment beats the file
        "ttl": 120,  # the argument beats the file
        "url": "http://10.1.1.1:8080",  # the spec's medical_bureau section of the file
        "timeout": 12.0,
        "ak": "FILE_AK",
        "database_url": "sqlite:///env.sqlite3",
    }


def test_production_refuses_a_weak_jwt_secret(tmp_path: Path) -> None:
    for secret in (None, "changethis", "short"):
        with pytest.raises(ValidationError, match="MEDICAL_INSURANCE_JWT_SECRET"):
            GatewaySettings(database_url="sqlite://", environment="production", jwt_secret=secret)
    secret = "Xq7-vR2pLm9sT4wZ8yB1nC6dF3gH5jK0aE"  # a random-looking secret (test_api2 covers weak ones)
    strong = GatewaySettings(
        database_url="sqlite://", environment="production", jwt_secret=secret, sandbox="embedded"
    )
    assert strong.jwt_key == secret and not strong.creates_demo_institution


def test_development_makes_a_random_secret_per_process() -> None:
    first = GatewaySettings(database_url="sqlite://", environment="development")
    second = GatewaySettings(database_url="sqlite://", environment="development")
    assert len(first.jwt_key) >= 32 and first.jwt_key != second.jwt_key


# ------------------------------------------------------------------------------------ extension points


def test_installers_routers_and_lifespan_hooks_extend_the_app(tmp_path: Path) -> None:
    seen: list[str] = []

    def install(app: FastAPI, settings: GatewaySettings) -> None:
        @asynccontextmanager
        async def hook(state: GatewayState) -> AsyncIterator[None]:
            state.extras["hooked"] = True
            seen.append("enter")
            yield
            seen.append("exit")

        lifespan_hooks(app).append(hook)

    def extra_routes(settings: GatewaySettings) -> APIRouter:
        router = APIRouter()

        @router.get(API_PREFIX + "ping")
        def ping() -> dict[str, str]:
            return {"environment": settings.environment}

        @router.get(API_PREFIX + "boom")
        def boom() -> None:
            raise RuntimeError("a bug")

        return router

    settings = gateway_settings(f"sqlite:///{tmp_path / 'g.sqlite3'}", tmp_path)
    with start_gateway(settings, installers=[install], routers=[extra_routes]) as (app, client):
        assert seen == ["enter"] and app.state.gateway.extras["hooked"] is True
        assert client.get(API_PREFIX + "ping").json() == {"environment": "development"}
        crashed = client.get(API_PREFIX + "boom")  # even a bug answers in the common format
        assert crashed.status_code == 500 and crashed.json()["error_code"] == 60010
        assert "a bug" not in crashed.text
    assert seen == ["enter", "exit"]


def test_openapi_lists_every_route_with_its_title_category_and_method(gateway: Gateway) -> None:
    spec = gateway.client.get("/openapi.json").json()
    operations = {
        (method.upper(), path): op
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if path.startswith(API_PREFIX)
    }
    ids = [op["operationId"] for op in operations.values()]
    assert len(ids) == len(set(ids))
    for tx in REGISTRY.transactions:
        for route in tx.routes:
            op = operations[(route.method, route.full_path)]
            assert op["summary"] == tx.title and op["tags"] == [tx.category.value]
            assert ("requestBody" in op) == (route.method != "GET")
    assert (
        operations[("POST", API_PREFIX + "business/outpatient/settle")]["operationId"] == "outpatient_settle"
    )


# ------------------------------------------------------------------------------------------ sweeper


def _unknown_entry(gateway: Gateway) -> str:
    """A 4301 upload whose answer was lost: UNKNOWN, and no 2601 or query can settle it."""
    fault = {"scope": "4301", "kind": "timeout_before", "count": 1}
    gateway.client.post("/sandbox/admin/faults", json=fault, headers=gateway.headers("admin"))
    sample = jsoncodec.dumps(sample_message(REGISTRY["4301"].request_nodes))
    body = gateway.post("upload/outpatient-treatment-record", content=sample, headers=JSON).json()
    msgid: str = body["data"]["msgid"]
    return msgid


def _attempts(database_state: GatewayState, msgid: str) -> int:
    with database_state.database.session() as session:
        entry = session.scalar(select(LedgerEntry).where(LedgerEntry.msgid == msgid))
        assert entry is not None
        return entry.resolve_attempts


def test_the_sweeper_task_goes_over_unknown_outcomes_in_the_background(tmp_path: Path) -> None:
    settings = gateway_settings(f"sqlite:///{tmp_path / 'g.sqlite3'}", tmp_path, sweeper_interval_s=0.05)
    with start_gateway(settings) as (app, client):
        key = create_key(app.state.gateway.database, HOSPITAL, "admin").key
        gateway = Gateway(app, client, "", tmp_path, {"admin": key})
        msgid = _unknown_entry(gateway)
        before = _attempts(gateway.state, msgid)
        deadline = time.monotonic() + 10
        while _attempts(gateway.state, msgid) <= before:
            assert time.monotonic() < deadline, "the sweeper never came"
            time.sleep(0.05)
