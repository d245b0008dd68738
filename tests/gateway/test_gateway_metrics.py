"""GET /metrics (spec §10.2): the two families the dashboards query, with the spec's label names, on a
registry of each app's own."""

from __future__ import annotations

from pathlib import Path

from gateway_support import STRANGER, Gateway, operations_gateway, person_query
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from medical_insurance_sdk.gateway.audit.metrics import GatewayMetrics

PERSON_INFO = "basic/person-info"


def samples(gateway: Gateway) -> dict[str, list[Sample]]:
    response = gateway.client.get("/metrics")  # no credentials: Prometheus scrapes it as is
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return {family.name: list(family.samples) for family in text_string_to_metric_families(response.text)}


def count(found: dict[str, list[Sample]], category: str, status: str) -> float:
    return sum(
        s.value
        for s in found["medical_insurance_requests"]
        if s.name == "medical_insurance_requests_total"
        and s.labels == {"category": category, "status": status}
    )


def test_calls_are_counted_by_category_and_status(gateway: Gateway) -> None:
    before = samples(gateway)
    success_before = count(before, "基础信息服务", "success") if "medical_insurance_requests" in before else 0
    gateway.ok("POST", PERSON_INFO, json=person_query())
    gateway.post(PERSON_INFO, json=STRANGER)
    found = samples(gateway)
    assert count(found, "基础信息服务", "success") == success_before + 1
    assert count(found, "基础信息服务", "error") >= 1
    for sample in found["medical_insurance_requests"]:
        if sample.name == "medical_insurance_requests_total":
            assert set(sample.labels) == {"category", "status"}
    durations = found["medical_insurance_request_duration_seconds"]
    buckets = [s for s in durations if s.name == "medical_insurance_request_duration_seconds_bucket"]
    assert buckets and all(set(s.labels) == {"category", "le"} for s in buckets)
    total = next(
        s for s in durations if s.name == "medical_insurance_request_duration_seconds_count" and s.labels
    )
    assert total.labels == {"category": "基础信息服务"} and total.value >= 2


def test_requests_that_are_not_transactions_are_not_counted(gateway: Gateway) -> None:
    before = samples(gateway)
    gateway.client.get("/api/v1/medical-insurance/health/check")
    gateway.ok("GET", "config/interface-schema")
    after = samples(gateway)
    assert after.get("medical_insurance_requests") == before.get("medical_insurance_requests")


def test_each_app_has_its_own_registry(database_url: str, tmp_path: Path) -> None:
    GatewayMetrics(), GatewayMetrics()  # a process-global registry would refuse the second
    with operations_gateway(database_url, tmp_path) as fresh:
        counted = [
            s
            for s in samples(fresh).get("medical_insurance_requests", [])
            if s.name == "medical_insurance_requests_total"
        ]
        assert counted == []  # the module gateway's calls are not this app's
