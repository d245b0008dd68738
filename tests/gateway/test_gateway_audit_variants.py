"""The audit of a province variant call (issue 15): interface_call_log, interface_data and the JSON access
line record the code as sent (`2201A`) beside the base's interface type, for a success and a failure alike;
the spec-path route and other calls keep their transaction's own code."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gateway_support import Gateway
from sqlalchemy import select
from test_gateway_proxy_variants import gateway, proxy, registration  # noqa: F401 - `gateway` is a fixture

from medical_insurance_sdk.gateway.audit.logging import access_fields
from medical_insurance_sdk.gateway.audit.models import InterfaceCallLog, InterfaceData
from medical_insurance_sdk.gateway.audit.observer import Exchange
from medical_insurance_sdk.registry import REGISTRY

REGISTER = REGISTRY["2201"]


def _call_log(at: Gateway, request_id: str) -> list[tuple[str, str, bool]]:
    with at.state.database.session() as session:
        rows = session.scalars(select(InterfaceCallLog).where(InterfaceCallLog.request_id == request_id))
        return [(row.interface_type, row.infno, row.success) for row in rows]


def _data(at: Gateway, request_id: str) -> list[tuple[str, str]]:
    with at.state.database.session() as session:
        query = select(InterfaceData).join(InterfaceCallLog, InterfaceCallLog.id == InterfaceData.call_log_id)
        rows = session.scalars(query.where(InterfaceCallLog.request_id == request_id))
        return [(row.interface_type, row.infno) for row in rows]


def test_a_variant_call_is_logged_under_the_code_sent(gateway: tuple[Gateway, Any]) -> None:  # noqa: F811
    gateway, _ = gateway  # the province gateway of test_gateway_proxy_variants
    done = proxy(gateway, "2201A", registration(11))
    assert done.status_code == 200, done.text
    request_id = done.json()["request_id"]
    assert _call_log(gateway, request_id) == [(REGISTER.interface_type, "2201A", True)]
    assert _data(gateway, request_id) == [(REGISTER.interface_type, "2201A")]

    refused = proxy(gateway, "2201A", {**registration(12), "psn_no": None})  # 30002: nothing sent
    assert refused.status_code == 422, refused.text
    failed = _call_log(gateway, refused.json()["request_id"])
    assert failed == [(REGISTER.interface_type, "2201A", False)]

    base = gateway.ok("POST", "business/outpatient/register", json=registration(13))  # the spec path
    assert _call_log(gateway, base["request_id"]) == [(REGISTER.interface_type, "2201", True)]


def test_the_access_line_names_the_code_sent() -> None:
    def exchange(**sent: Any) -> Exchange:
        return Exchange(
            request_id="REQ1",
            method="POST",
            path="/api/medical-insurance/2201A",
            query=(),
            client_ip=None,
            user_agent=None,
            started_at=datetime(2025, 7, 14, 10, 30),
            duration_s=0.1,
            status_code=200,
            transaction=REGISTER,
            **sent,
        )

    variant = access_fields(exchange(sent_infno="2201A"))
    assert (variant["interface_type"], variant["infno"]) == (REGISTER.interface_type, "2201A")
    assert access_fields(exchange())["infno"] == "2201"
