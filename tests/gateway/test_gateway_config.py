"""Interface configuration (spec §3.1): the list, one interface, and batch updates that take effect —
a switched-off transaction answers 404 + 20002, a changed timeout reaches the engine's call."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from gateway_support import TEST_BUREAU_TIMEOUT_S, Gateway, as_pharmacy, operations_gateway, person_query

from medical_insurance_sdk.registry import CATEGORY_COUNTS, REGISTRY
from medical_insurance_sdk.sandbox.app import create_sandbox_app
from medical_insurance_sdk.sandbox.settings import SandboxSettings
from medical_insurance_sdk.sandbox.transport import SandboxTransport

SCHEMAS = "config/interface-schema"
BATCH = SCHEMAS + "/batch"
PERSON_INFO = "basic/person-info"


def update(gateway: Gateway, *entries: dict[str, Any], role: str = "admin", **kw: Any) -> httpx.Response:
    return gateway.request("PUT", BATCH, role, json={"interfaces": list(entries)}, **kw)


@pytest.fixture
def restore(gateway: Gateway) -> Iterator[None]:
    """Switch 1101 back on with its own timeout after the test, for both institutions."""
    yield
    reset = {"interface_type": "person_info", "enabled": True, "timeout": None}
    assert update(gateway, reset).status_code == 200
    assert update(gateway, reset, headers=as_pharmacy(gateway)).status_code == 200


def test_the_list_has_206_interfaces_in_11_categories(gateway: Gateway) -> None:
    data = gateway.ok("GET", SCHEMAS, "data_analyst")["data"]
    assert data["total_interfaces"] == 206
    assert {name: c["count"] for name, c in data["categories"].items()} == {
        category.value: count for category, count in CATEGORY_COUNTS.items()
    }
    entry = data["categories"]["基础信息服务"]["interfaces"]["person_info"]
    assert (entry["infno"], entry["name"], entry["category"]) == ("1101", "人员基本信息获取", "基础信息服务")
    assert entry["enabled"] is True and entry["timeout"] == REGISTRY["1101"].timeout_s
    assert entry["path"] == "/api/v1/medical-insurance/basic/person-info" and entry["method"] == "POST"


def test_one_interface_by_type_or_infno_with_its_schemas(gateway: Gateway) -> None:
    by_type = gateway.ok("GET", SCHEMAS + "/outpatient_settle")["data"]
    by_infno = gateway.ok("GET", SCHEMAS + "/2207")["data"]
    assert by_type == by_infno and by_type["infno"] == "2207" and by_type["safety"] == "money"
    assert "data" in by_type["request_schema"]["properties"]
    assert "setlinfo" in by_type["response_schema"]["properties"]
    missing = gateway.get(SCHEMAS + "/no_such_interface")
    assert missing.status_code == 404 and missing.json()["error_code"] == 20001


def test_only_an_admin_may_change_the_configuration(gateway: Gateway) -> None:
    refused = update(gateway, {"interface_type": "1101", "enabled": False}, role="hospital_operator")
    assert refused.status_code == 403 and refused.json()["error_code"] == 10009


def test_a_switched_off_transaction_answers_20002_for_that_institution_only(
    gateway: Gateway, restore: None
) -> None:
    body = update(gateway, {"interface_type": "person_info", "enabled": False}).json()
    assert body["data"]["updated"] == 1 and body["data"]["interfaces"]["person_info"]["enabled"] is False
    refused = gateway.post(PERSON_INFO, json=person_query())
    answer = refused.json()
    assert refused.status_code == 404 and answer["error_code"] == 20002, answer
    assert "停用" in answer["message"] and answer["interface_info"]["infno"] == "1101"
    gateway.ok("POST", PERSON_INFO, json=person_query(), headers=as_pharmacy(gateway))  # not the pharmacy's
    listed = gateway.ok("GET", SCHEMAS)["data"]["categories"]["基础信息服务"]["interfaces"]["person_info"]
    assert listed["enabled"] is False

    update(gateway, {"interface_type": "1101", "enabled": True})
    gateway.ok("POST", PERSON_INFO, json=person_query())


@pytest.mark.parametrize(
    "entry",
    [
        {"interface_type": "no_such_interface", "enabled": False},
        {"interface_type": "1101"},
        {"interface_type": "1101", "timeout": 0},
        {"interface_type": "1101", "timeout": 100000},
        {"interface_type": "1101", "enabled": False, "colour": "red"},
    ],
)
def test_a_bad_update_changes_nothing(gateway: Gateway, entry: dict[str, Any]) -> None:
    response = update(gateway, {"interface_type": "2207", "enabled": False}, entry)
    assert response.status_code == 422 and response.json()["error_code"] // 10000 == 3, response.text
    detail = gateway.ok("GET", SCHEMAS + "/2207")["data"]
    assert detail["enabled"] is True  # all or nothing


# ------------------------------------------------------------------------------------------ timeouts


class RecordingTransport(httpx.AsyncBaseTransport):
    """The bureau transport, noting the read timeout each message was sent with, by infno."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.timeouts: list[tuple[str, float | None]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        infno = json.loads(request.content).get("infno", "")
        self.timeouts.append((infno, (request.extensions.get("timeout") or {}).get("read")))
        return await self.inner.handle_async_request(request)

    def last(self, infno: str) -> float | None:
        return [seconds for sent, seconds in self.timeouts if sent == infno][-1]


@pytest.fixture
def recorded(database_url: str, tmp_path: Path) -> Iterator[tuple[Gateway, RecordingTransport]]:
    sandbox = create_sandbox_app(SandboxSettings())
    transport = RecordingTransport(SandboxTransport(sandbox))
    try:
        with operations_gateway(database_url, tmp_path, create={"bureau_transport": transport}) as gateway:
            yield gateway, transport
    finally:
        sandbox.state.sandbox.close()


def test_a_changed_timeout_reaches_the_engine_call(recorded: tuple[Gateway, RecordingTransport]) -> None:
    gateway, transport = recorded
    gateway.ok("POST", PERSON_INFO, json=person_query())
    assert transport.last("1101") == TEST_BUREAU_TIMEOUT_S  # the gateway-wide MEDICAL_INSURANCE_TIMEOUT

    body = update(gateway, {"interface_type": "person_info", "timeout": 7}).json()
    assert body["data"]["interfaces"]["person_info"]["timeout"] == 7
    gateway.ok("POST", PERSON_INFO, json=person_query())
    assert transport.last("1101") == 7

    update(gateway, {"interface_type": "person_info", "timeout": None})
    gateway.ok("POST", PERSON_INFO, json=person_query())
    assert transport.last("1101") == TEST_BUREAU_TIMEOUT_S
