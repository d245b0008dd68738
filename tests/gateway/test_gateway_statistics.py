"""Statistics (spec §3.5.2, §3.5.3): interface calls and system usage, each institution seeing its own."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from gateway_support import JSON, STRANGER, Gateway, as_pharmacy, person_query
from sqlalchemy import insert

from medical_insurance_sdk.gateway.audit.models import InterfaceCallLog
from medical_insurance_sdk.gateway.audit.periods import Period, beijing_today
from medical_insurance_sdk.gateway.audit.statistics import performance, system_usage
from medical_insurance_sdk.gateway.tenancy import NewInstitution, add_institution, utcnow
from medical_insurance_sdk.protocol import jsoncodec
from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.registry.samples import sample_message

CALLS = "statistics/interface-calls"
USAGE = "statistics/system-usage"
PERSON_INFO = "basic/person-info"


@pytest.fixture(scope="module")
def traffic(gateway: Gateway) -> None:
    """The hospital: 1101 three times and once refused by the bureau; the pharmacy: 1201 twice."""
    for index in range(3):
        gateway.ok("POST", PERSON_INFO, json=person_query(index))
    assert gateway.post(PERSON_INFO, json=STRANGER).status_code == 404  # the bureau: no such person
    sample = jsoncodec.dumps(sample_message(REGISTRY["1201"].request_nodes))
    for _ in range(2):
        gateway.ok("POST", "basic/institution-info", content=sample, headers={**JSON, **as_pharmacy(gateway)})


def by_type(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["interface_type"]: entry for entry in data["interfaces"]}


def test_interface_calls_counts_the_callers_calls_only(gateway: Gateway, traffic: None) -> None:
    data = gateway.ok("GET", CALLS)["data"]
    assert (data["total_calls"], data["success_calls"], data["failed_calls"]) == (4, 3, 1)
    assert data["success_rate"] == 0.75 and data["avg_response_time_ms"] >= 0
    mine = by_type(data)
    assert set(mine) == {"person_info"}  # the pharmacy's 1201 calls are not the hospital's
    entry = mine["person_info"]
    assert (entry["infno"], entry["calls"], entry["success"], entry["failed"]) == ("1101", 4, 3, 1)
    assert entry["last_call_time"].endswith("Z") and data["period"]["start"] < data["period"]["end"]

    theirs = gateway.ok("GET", CALLS, headers=as_pharmacy(gateway))["data"]
    assert set(by_type(theirs)) == {"institution_info"} and theirs["total_calls"] == 2


def test_interface_calls_by_type_and_dates(gateway: Gateway, traffic: None) -> None:
    only = gateway.ok("GET", CALLS, params={"interface_type": "institution_info"})["data"]
    assert only["total_calls"] == 0 and only["interfaces"] == []
    last_week = beijing_today() - timedelta(days=7)
    old = gateway.ok(
        "GET", CALLS, params={"start_date": last_week - timedelta(days=3), "end_date": last_week}
    )
    assert old["data"]["total_calls"] == 0


def test_system_usage_per_category_and_day(gateway: Gateway, traffic: None) -> None:
    data = gateway.ok("GET", USAGE, params={"days": 30})["data"]
    assert data["calls"] == 4 and data["success_rate"] == 0.75
    assert (
        set(data["latency_ms"]) == {"p50", "p95"} and data["latency_ms"]["p50"] <= data["latency_ms"]["p95"]
    )
    (category,) = data["by_category"]
    assert category["category"] == "基础信息服务" and category["calls"] == 4
    assert data["by_day"] == [
        {"date": beijing_today().isoformat(), "category": "基础信息服务", "calls": 4, "success": 3}
    ]
    assert data["storage"] == {"call_log_rows": 4, "interface_data_rows": 3}
    system = data["system"]
    assert system["active_institutions"] >= 2 and system["institutions"] >= system["active_institutions"]
    assert system["database_bytes"] > 0


def test_statistics_need_monitoring_access_and_sane_dates(gateway: Gateway) -> None:
    refused = gateway.get(CALLS, "hospital_operator")
    assert refused.status_code == 403 and refused.json()["error_code"] == 10009
    today = beijing_today()
    reversed_dates = gateway.get(CALLS, params={"start_date": today, "end_date": today - timedelta(days=1)})
    assert reversed_dates.status_code == 422 and reversed_dates.json()["error_code"] == 30003
    assert gateway.get(USAGE, params={"days": 0}).status_code == 422


def test_percentiles_are_nearest_rank(gateway: Gateway) -> None:
    database = gateway.state.database
    clinic = add_institution(
        database, NewInstitution(code="H43028119999", name="百分位诊所", admdvs="430200")
    )
    now = utcnow()
    rows = [
        {
            "institution_id": clinic.id,
            "interface_type": "person_info" if ms % 2 else "outpatient_settle",
            "infno": "1101" if ms % 2 else "2207",
            "category": "基础信息服务" if ms % 2 else "医保业务服务",
            "request_id": f"REQPCT{ms:04d}",
            "success": ms % 10 != 0,
            "http_status": 200 if ms % 10 else 502,
            "error_code": None if ms % 10 else "20005",
            "response_time": ms,
            "call_time": now,
        }
        for ms in range(1, 101)
    ]
    with database.session() as session:
        session.execute(insert(InterfaceCallLog), rows)
    usage = system_usage(database, clinic.id, Period(now - timedelta(minutes=1), now + timedelta(minutes=1)))
    assert usage["calls"] == 100 and usage["latency_ms"] == {"p50": 50, "p95": 95}
    odd = next(c for c in usage["by_category"] if c["category"] == "基础信息服务")
    assert odd["latency_ms"] == {"p50": 49, "p95": 95}  # 1, 3, …, 99: ranks 25 and 48
    perf = {p["infno"]: p for p in performance(database, clinic.id, now - timedelta(minutes=1))}
    assert perf["2207"]["timeout_rate"] == 0.2 and perf["2207"]["error_rate"] == 0.2
    assert (perf["2207"]["p50_ms"], perf["2207"]["p95_ms"]) == (50, 96)  # 2, 4, …, 100
