"""The universal query (spec §3.5.1): filters, §1.4 pages, whitelisted sorts — and only the caller's rows."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from gateway_support import JSON, STRANGER, Gateway, as_pharmacy, person_query

from medical_insurance_sdk.gateway.audit.periods import beijing_today
from medical_insurance_sdk.masking import mask_id_card
from medical_insurance_sdk.protocol import jsoncodec
from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.registry.samples import sample_message
from medical_insurance_sdk.sandbox.seed import PERSONS

UNIVERSAL = "query/universal"
PERSON_INFO = "basic/person-info"


@pytest.fixture(scope="module")
def traffic(gateway: Gateway) -> dict[str, list[str]]:
    """Request ids of the calls each institution made: the hospital 4 (one failed), the pharmacy 2."""
    hospital = [
        gateway.post(PERSON_INFO, json=person_query(0)),
        gateway.post(PERSON_INFO, json=person_query(1)),
        gateway.post(PERSON_INFO, json=STRANGER),
        gateway.post(
            "upload/outpatient-treatment-record",
            content=jsoncodec.dumps(sample_message(REGISTRY["4301"].request_nodes)),
            headers=JSON,
        ),
    ]
    pharmacy = [
        gateway.post(PERSON_INFO, json=person_query(2), headers=as_pharmacy(gateway)) for _ in range(2)
    ]
    return {
        "hospital": [r.json()["request_id"] for r in hospital],
        "pharmacy": [r.json()["request_id"] for r in pharmacy],
    }


def query(gateway: Gateway, body: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return gateway.ok("POST", UNIVERSAL, json=body, **kw)


def test_the_call_log_holds_only_the_callers_rows(gateway: Gateway, traffic: dict[str, list[str]]) -> None:
    mine = query(gateway, {"query_type": "call_log", "pagination": {"page_size": 100}})
    assert mine["pagination"]["total"] == 4 and mine["message"] == "查询成功"
    assert {row["request_id"] for row in mine["data"]} == set(traffic["hospital"])
    theirs = query(gateway, {"query_type": "call_log"}, headers=as_pharmacy(gateway))
    assert {row["request_id"] for row in theirs["data"]} == set(traffic["pharmacy"])
    data = query(gateway, {"query_type": "interface_data"}, headers=as_pharmacy(gateway))
    assert data["pagination"]["total"] == 2 and {r["interface_type"] for r in data["data"]} == {"person_info"}


def test_interface_data_by_type_status_and_dates(gateway: Gateway, traffic: dict[str, list[str]]) -> None:
    today = beijing_today().isoformat()
    body = {
        "query_type": "interface_data",
        "filters": {
            "interface_type": ["person_info", "drug_catalog"],
            "data_status": "active",
            "date_range": {"start": today, "end": today},
        },
        "sort": [{"field": "created_at", "order": "desc"}],
    }
    answer = query(gateway, body)
    assert answer["pagination"]["total"] == 2
    newest, oldest = answer["data"]
    assert newest["id"] > oldest["id"] and newest["business_key"] == PERSONS[1].psn_no
    assert newest["data_type"] == "PersonInfo" and newest["data_status"] == "active"
    assert newest["parsed_data"]["baseinfo"]["certno"] == mask_id_card(PERSONS[1].certno)
    assert newest["call_log_id"] and newest["created_at"].endswith("Z")

    yesterday = (beijing_today() - timedelta(days=1)).isoformat()
    body["filters"]["date_range"] = {"start": yesterday, "end": yesterday}
    assert query(gateway, body)["pagination"]["total"] == 0
    by_key = query(gateway, {"query_type": "interface_data", "filters": {"business_key": PERSONS[0].psn_no}})
    assert [row["business_key"] for row in by_key["data"]] == [PERSONS[0].psn_no]


def test_failed_calls_and_other_call_log_filters(gateway: Gateway, traffic: dict[str, list[str]]) -> None:
    failed = query(gateway, {"query_type": "call_log", "filters": {"success": False}})
    (row,) = failed["data"]
    assert row["request_id"] == traffic["hospital"][2] and row["error_code"] == "50001"
    assert row["request_data"]["data"]["mdtrt_cert_no"] == mask_id_card(STRANGER["mdtrt_cert_no"])
    by_infno = query(gateway, {"query_type": "call_log", "filters": {"infno": "4301"}})
    assert [r["infno"] for r in by_infno["data"]] == ["4301"]
    by_id = query(gateway, {"query_type": "call_log", "filters": {"request_id": traffic["hospital"][0]}})
    assert by_id["pagination"]["total"] == 1
    foreign = query(gateway, {"query_type": "call_log", "filters": {"request_id": traffic["pharmacy"][0]}})
    assert foreign["pagination"]["total"] == 0 and foreign["data"] == []


def test_pages_and_sorting(gateway: Gateway, traffic: dict[str, list[str]]) -> None:
    body = {
        "query_type": "call_log",
        "pagination": {"page": 2, "page_size": 1},
        "sort": [{"field": "call_time", "order": "asc"}],
    }
    page = query(gateway, body)
    assert page["pagination"] == {
        "total": 4,
        "page": 2,
        "page_size": 1,
        "total_pages": 4,
        "has_next": True,
        "has_previous": True,
    }
    assert [row["request_id"] for row in page["data"]] == [traffic["hospital"][1]]
    slowest = query(
        gateway, {"query_type": "call_log", "sort": [{"field": "response_time", "order": "desc"}]}
    )
    times = [row["response_time_ms"] for row in slowest["data"]]
    assert times == sorted(times, reverse=True)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"query_type": "interface_data", "filters": {"success": True}}, "filters.success"),
        ({"query_type": "call_log", "filters": {"data_status": "active"}}, "filters.data_status"),
        ({"query_type": "call_log", "sort": [{"field": "request_data"}]}, "sort.0.field"),
        ({"query_type": "call_log", "filters": {"institution_id": 2}}, "filters.institution_id"),
        ({"query_type": "everything"}, "query_type"),
        ({"query_type": "call_log", "pagination": {"page_size": 1000}}, "pagination.page_size"),
    ],
)
def test_a_bad_query_is_422_naming_the_field(gateway: Gateway, body: dict[str, Any], field: str) -> None:
    response = gateway.post(UNIVERSAL, json=body)
    answer = response.json()
    assert response.status_code == 422 and answer["error_code"] // 10000 == 3, answer
    assert field in [e["field"] for e in answer["data"]["errors"]]
