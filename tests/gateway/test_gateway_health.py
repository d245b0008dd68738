"""Health and monitoring (spec §3.6): real checks with a failing dependency reported, performance figures
and error logs of the caller's institution."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from gateway_support import STRANGER, Gateway, as_pharmacy, operations_gateway, person_query

from medical_insurance_sdk.answer_shapes import API_VERSION
from medical_insurance_sdk.gateway.routes.health import overall_status, uptime_text
from medical_insurance_sdk.registry import API_PREFIX

HEALTH = API_PREFIX + "health/check"
PERSON_INFO = "basic/person-info"


def test_a_healthy_gateway_in_the_spec_shape_without_credentials(gateway: Gateway) -> None:
    response = gateway.client.get(HEALTH)  # no API key: load balancers and `curl` call it
    body = response.json()
    assert response.status_code == 200 and set(body) == {"status", "timestamp", "checks", "version", "uptime"}
    assert body["status"] == "healthy" and body["version"] == API_VERSION
    assert body["checks"] == {
        "database": "ok",
        "redis": "not_configured",
        "medical_api": "ok",
        "file_storage": "ok",
    }
    assert re.fullmatch(r"\d+d \d+h \d+m", body["uptime"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", body["timestamp"])


def _unreachable_bureau(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


def test_failing_dependencies_are_reported_and_degrade_the_status(database_url: str, tmp_path: Path) -> None:
    overrides = {
        "redis_url": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        "bureau_api_url": "http://bureau.invalid:8080/fsi/api/",
    }
    create = {"bureau_transport": httpx.MockTransport(_unreachable_bureau)}
    with operations_gateway(database_url, tmp_path, create=create, **overrides) as gateway:
        response = gateway.client.get(HEALTH)
    body = response.json()
    assert response.status_code == 200 and body["status"] == "degraded"
    checks = body["checks"]
    assert checks["database"] == "ok" and checks["file_storage"] == "ok"
    assert checks["redis"].startswith("error") and checks["medical_api"] == "error: ConnectError"


def test_the_database_failing_makes_the_gateway_unhealthy() -> None:
    checks = {"database": "error: OperationalError", "redis": "ok", "medical_api": "ok", "file_storage": "ok"}
    assert overall_status(checks) == "unhealthy"
    assert overall_status({**checks, "database": "ok", "redis": "not_configured"}) == "healthy"
    assert uptime_text(15 * 86400 + 7 * 3600 + 23 * 60 + 59) == "15d 7h 23m"


# ------------------------------------------------------------------------------------------ monitoring


@pytest.fixture(scope="module")
def traffic(gateway: Gateway) -> list[str]:
    """Request ids of the hospital's failed calls (the pharmacy fails once too)."""
    gateway.ok("POST", PERSON_INFO, json=person_query())
    failed = [gateway.post(PERSON_INFO, json=STRANGER).json()["request_id"] for _ in range(2)]
    gateway.post(PERSON_INFO, json=STRANGER, headers=as_pharmacy(gateway))
    return failed


def test_performance_per_interface(gateway: Gateway, traffic: list[str]) -> None:
    data = gateway.ok("GET", "monitoring/performance", params={"window_minutes": 30})["data"]
    assert data["window_minutes"] == 30
    (entry,) = [e for e in data["interfaces"] if e["infno"] == "1101"]
    assert entry["calls"] == 3 and entry["error_rate"] == round(2 / 3, 4) and entry["timeout_rate"] == 0
    assert 0 <= entry["p50_ms"] <= entry["p95_ms"]


def test_error_logs_are_the_institutions_own_failures_newest_first(
    gateway: Gateway, traffic: list[str]
) -> None:
    page = gateway.ok("GET", "monitoring/error-logs", params={"page_size": 1})
    assert page["pagination"]["total"] == 2 and page["pagination"]["has_next"] is True
    assert [row["request_id"] for row in page["data"]] == [traffic[-1]]
    row = page["data"][0]
    assert row["error_code"] == "50001" and row["http_status"] == 404 and row["infno"] == "1101"
    everything = gateway.ok("GET", "monitoring/error-logs", params={"error_code": "50001"})
    assert {r["request_id"] for r in everything["data"]} == set(traffic)
    refused = gateway.get("monitoring/error-logs", "data_analyst")
    assert refused.status_code == 403 and refused.json()["error_code"] == 10009
