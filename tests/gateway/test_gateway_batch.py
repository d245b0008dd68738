"""Batches (spec §3.2): stop_on_error, lanes, max_concurrent, repeated ids, unknown outcomes, catalogues,
the 10,000 limit, permissions and isolation.  Each batch runs through the engine like a route's call."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from gateway_support import (
    HOSPITAL,
    JSON,
    PHARMACY,
    STRANGER,
    ConcurrencyProbe,
    Gateway,
    as_pharmacy,
    batch_done,
    gateway_settings,
    ledger_entries,
    operation_ids,
    person_query,
    ready_to_settle,
    start_gateway,
)
from sqlalchemy import select

from medical_insurance_sdk.engine.catalog_sync import catalog_rows
from medical_insurance_sdk.gateway.jobs_models import BatchOperation
from medical_insurance_sdk.gateway.keys import create_key
from medical_insurance_sdk.protocol import jsoncodec
from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.registry.samples import sample_message
from medical_insurance_sdk.sandbox.app import create_sandbox_app
from medical_insurance_sdk.sandbox.seed import PERSONS
from medical_insurance_sdk.sandbox.settings import SandboxSettings
from medical_insurance_sdk.sandbox.transport import SandboxTransport

UPLOAD = "batch/data-upload"


def submit(gateway: Gateway, body: dict[str, Any], role: str = "admin", **kw: Any) -> dict[str, Any]:
    response = gateway.post(
        UPLOAD, role, content=jsoncodec.dumps(body), headers={**JSON, **kw.pop("headers", {})}
    )
    assert response.status_code in (200, 202), response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def queries(*inputs: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"interface_type": "person_info", "data": data, "sequence": i + 1} for i, data in enumerate(inputs)
    ]


def statuses(batch: dict[str, Any]) -> list[str]:
    return [op["status"] for op in batch["operations"]]


FAILING_SECOND = (person_query(0), STRANGER, person_query(1), person_query(2))


def test_stop_on_error_stops_at_the_failed_operation(gateway: Gateway) -> None:
    # one at a time: with more slots, operations already under way when the failure comes finish normally
    options = {"stop_on_error": True, "max_concurrent": 1}
    body = {"batch_id": "STOP-1", "operations": queries(*FAILING_SECOND), "options": options}
    accepted = submit(gateway, body)
    assert accepted["batch_id"] == "STOP-1" and accepted["total_count"] == 4 and accepted["task_id"]
    batch = batch_done(gateway, "STOP-1")
    assert statuses(batch) == ["success", "failed", "skipped", "skipped"]
    assert batch["status"] == "failed" and "第 2 项" in batch["error_message"]
    assert (batch["success_count"], batch["failed_count"], batch["skipped_count"]) == (1, 1, 2)
    failed = batch["operations"][1]
    assert failed["error_code"] == 50001 and failed["msgid"].startswith(HOSPITAL)  # refused: no such person
    ids = operation_ids(gateway.state.database, "STOP-1")
    assert [len(ledger_entries(gateway.state.database, f"bop-{i}")) for i in ids] == [1, 1, 0, 0]


def test_without_stop_on_error_the_batch_continues(gateway: Gateway) -> None:
    body = {
        "batch_id": "GO-ON-1",
        "operations": queries(*FAILING_SECOND),
        "options": {"stop_on_error": False},
    }
    submit(gateway, body)
    batch = batch_done(gateway, "GO-ON-1")
    assert statuses(batch) == ["success", "failed", "success", "success"]
    assert (batch["status"], batch["success_count"], batch["failed_count"]) == ("completed", 3, 1)
    assert batch["operations"][2]["output"]["baseinfo"]["certno"] == PERSONS[1].certno


def test_submit_can_wait_for_the_end(gateway: Gateway) -> None:
    body = {"batch_id": "WAIT-1", "operations": queries(person_query(3)), "options": {"wait": 20}}
    response = gateway.post(UPLOAD, content=jsoncodec.dumps(body), headers=JSON)
    assert response.status_code == 200 and response.json()["message"] == "批量操作已完成"
    assert response.json()["data"]["success_count"] == 1


def test_a_repeated_batch_id_returns_the_batch_and_runs_nothing(gateway: Gateway) -> None:
    body = {"batch_id": "ONCE-1", "operations": queries(person_query(0), person_query(1))}
    first = submit(gateway, body)
    done = batch_done(gateway, "ONCE-1")
    database = gateway.state.database
    sent = [len(ledger_entries(database, f"bop-{i}")) for i in operation_ids(database, "ONCE-1")]

    other = {"batch_id": "ONCE-1", "operations": queries(person_query(2), person_query(3), person_query(0))}
    again = submit(gateway, other)
    assert again["duplicate"] is True and first["duplicate"] is False
    assert again["task_id"] == first["task_id"] and again["total_count"] == 2
    assert again["success_count"] == done["success_count"] == 2
    assert [len(ledger_entries(database, f"bop-{i}")) for i in operation_ids(database, "ONCE-1")] == sent
    assert statuses(batch_done(gateway, "ONCE-1")) == ["success", "success"]


def test_operations_of_one_visit_run_in_sequence_order(gateway: Gateway) -> None:
    visit = {**person_query(0), "psn_no": PERSONS[0].psn_no}  # the same person in each: one lane
    operations = [{"interface_type": "1101", "data": visit, "sequence": n} for n in (4, 1, 3, 2, 5)]
    submit(gateway, {"batch_id": "LANE-1", "operations": operations, "options": {"max_concurrent": 5}})
    assert statuses(batch_done(gateway, "LANE-1")) == ["success"] * 5
    ids = operation_ids(gateway.state.database, "LANE-1")
    with gateway.state.database.session() as session:
        rows = session.scalars(
            select(BatchOperation).where(BatchOperation.id.in_(ids)).order_by(BatchOperation.started_at)
        ).all()
    assert [r.sequence for r in rows] == [1, 2, 3, 4, 5]
    for before, after in pairwise(rows):
        assert before.finished_at is not None and after.started_at is not None
        assert before.finished_at <= after.started_at  # one after the other, never side by side


def test_an_operation_with_an_unknown_outcome_is_reported_and_never_sent_again(gateway: Gateway) -> None:
    fault = {"scope": "4301", "kind": "timeout_before", "count": 1}
    gateway.client.post("/sandbox/admin/faults", json=fault, headers=gateway.headers("admin"))
    upload = sample_message(REGISTRY["4301"].request_nodes)
    upload["rgstinfo"]["psn_no"] = PERSONS[5].psn_no
    operations = [
        {"interface_type": "4301", "data": upload, "sequence": 1},
        {"interface_type": "4301", "data": upload, "sequence": 2},  # the same person: waits for the first
        {"interface_type": "1101", "data": person_query(1), "sequence": 3},
    ]
    submit(gateway, {"batch_id": "UNKNOWN-1", "operations": operations, "options": {"stop_on_error": False}})
    batch = batch_done(gateway, "UNKNOWN-1")
    assert statuses(batch) == ["unknown", "skipped", "success"]
    unknown = batch["operations"][0]
    assert unknown["error_code"] == 20005 and unknown["outcome"] == "unknown" and unknown["msgid"]
    assert "前序操作结果未知" in batch["operations"][1]["error_message"]
    assert (batch["failed_count"], batch["unknown_count"]) == (1, 1)
    first = operation_ids(gateway.state.database, "UNKNOWN-1")[0]
    (entry,) = ledger_entries(gateway.state.database, f"bop-{first}")  # sent once, never again
    assert entry.state == "UNKNOWN" and entry.msgid == unknown["msgid"]


def test_a_money_operation_whose_answer_is_lost_is_reversed_not_resent(gateway: Gateway) -> None:
    settle = ready_to_settle(gateway, PERSONS[6])
    fault = {"scope": "2207", "kind": "timeout_after", "count": 1}
    gateway.client.post("/sandbox/admin/faults", json=fault, headers=gateway.headers("admin"))
    body = {"batch_id": "MONEY-1", "operations": [{"interface_type": "outpatient_settle", "data": settle}]}
    submit(gateway, body)
    operation = batch_done(gateway, "MONEY-1")["operations"][0]
    assert operation["status"] == "failed" and operation["error_code"] == 20005
    assert operation["outcome"] == "reversed"
    (entry,) = ledger_entries(
        gateway.state.database, f"bop-{operation_ids(gateway.state.database, 'MONEY-1')[0]}"
    )
    assert entry.state == "REVERSED" and entry.infno == "2207"

    settled = submit(gateway, {**body, "batch_id": "MONEY-2", "options": {"wait": 20}})
    assert settled["success_count"] == 1  # reversed: the visit can be settled again, in a new batch
    output = batch_done(gateway, "MONEY-2")["operations"][0]["output"]
    assert output["setlinfo"]["setl_id"] and output["setlinfo"]["medfee_sumamt"] == str(
        settle["medfee_sumamt"]
    )


def test_flat_and_node_data_are_accepted_like_the_routes(gateway: Gateway) -> None:
    who = PERSONS[7]
    register = {
        "psn_no": who.psn_no,
        "insutype": who.insutype,
        "begntime": "2025-07-14 09:30:00",
        "mdtrt_cert_type": "02",
        "mdtrt_cert_no": who.certno,
        "ipt_otp_no": f"MZ{who.psn_no[-8:]}",
        "caty": "A03",
        "atddr_no": "D430302000101",
        "dr_name": "李医生",
        "dept_code": "NK01",
        "dept_name": "普通内科",
    }
    operations = [
        {"interface_type": "outpatient_register", "data": register, "sequence": 1},  # flat
        {"interface_type": "1101", "data": {"data": person_query(7)}, "sequence": 2},  # node form
        {"interface_type": "2203", "data": {"mdtrt_id": "M1"}, "sequence": 3},  # flat for two nodes: 30001
    ]
    submit(gateway, {"batch_id": "SHAPES-1", "operations": operations, "options": {"stop_on_error": False}})
    batch = batch_done(gateway, "SHAPES-1")
    assert statuses(batch) == ["success", "success", "failed"]
    assert batch["operations"][0]["output"]["data"]["mdtrt_id"]
    assert batch["operations"][2]["error_code"] == 30001


def test_catalog_download_feeds_the_catalog_sync(gateway: Gateway) -> None:
    body = {"batch_id": "CAT-1", "catalogs": ["1301", "tcm_catalog"], "options": {"wait": 60}}
    response = gateway.post("batch/catalog-download", content=jsoncodec.dumps(body), headers=JSON)
    assert response.status_code == 200, response.text
    batch = batch_done(gateway, "CAT-1")
    assert batch["operation_type"] == "catalog_download" and statuses(batch) == ["success", "success"]
    first = batch["operations"][0]
    assert first["infno"] == "1301" and first["output"]["rows"] > 0 and first["output"]["ver_name"]
    assert catalog_rows(gateway.state.database, "1301") == first["output"]["rows"]
    assert catalog_rows(gateway.state.database, "1302") > 0


def test_more_than_10000_operations_is_refused_before_anything_is_stored(gateway: Gateway) -> None:
    operations = [{"interface_type": "1101", "data": {}}] * 10001
    response = gateway.post(UPLOAD, json={"batch_id": "HUGE-1", "operations": operations})
    body = response.json()
    assert response.status_code == 413 and body["error_code"] == 10003
    assert "10000" in body["message"] and "10001" in body["message"]
    assert gateway.get("batch/status/HUGE-1").status_code == 404


def test_a_malformed_batch_is_refused_whole(gateway: Gateway) -> None:
    unknown = gateway.post(UPLOAD, json={"batch_id": "BAD-1", "operations": [{"interface_type": "no_such"}]})
    assert unknown.status_code == 404 and unknown.json()["error_code"] == 20001
    missing = gateway.post(UPLOAD, json={"operations": [{"interface_type": "1101"}]}).json()
    assert missing["error_code"] == 30002 and missing["data"]["errors"][0]["field"] == "batch_id"
    empty = gateway.post(UPLOAD, json={"batch_id": "BAD-2", "operations": []}).json()
    assert empty["error_code"] == 30010 or empty["error_code"] in (30001, 30003)
    assert gateway.get("batch/status/BAD-1").status_code == 404


def test_every_operation_needs_the_callers_permission(gateway: Gateway) -> None:
    operations = [
        {"interface_type": "1101", "data": person_query(0)},
        {"interface_type": "outpatient_settle", "data": {}},
    ]
    response = gateway.post(UPLOAD, "data_analyst", json={"batch_id": "PERM-1", "operations": operations})
    assert response.status_code == 403 and response.json()["error_code"] == 10009
    assert gateway.get("batch/status/PERM-1").status_code == 404  # nothing was stored, nothing ran
    body = {"batch_id": "PERM-2", "catalogs": ["1314"], "options": {"wait": 30}}
    catalog = gateway.post("batch/catalog-download", "pharmacy_operator", json=body)
    assert catalog.status_code == 200 and catalog.json()["data"]["success_count"] == 1  # theirs too
    refused = gateway.post("batch/catalog-download", "hospital_operator", json={"catalogs": ["2207"]})
    assert refused.status_code == 404 and refused.json()["error_code"] == 20001  # not a catalogue


def test_batches_are_the_institutions_own(gateway: Gateway) -> None:
    submit(gateway, {"batch_id": "MINE-1", "operations": queries(person_query(0))})
    batch_done(gateway, "MINE-1")
    hidden = gateway.get("batch/status/MINE-1", headers=as_pharmacy(gateway))
    assert hidden.status_code == 404 and hidden.json()["error_code"] == 30007

    # the same batch_id at another institution is that institution's own batch, run as that institution
    forged = {**person_query(1), "fixmedins_code": HOSPITAL}
    theirs = submit(
        gateway, {"batch_id": "MINE-1", "operations": queries(forged)}, headers=as_pharmacy(gateway)
    )
    assert theirs["duplicate"] is False and theirs["task_id"]
    operation = batch_done(gateway, "MINE-1", headers=as_pharmacy(gateway))["operations"][0]
    (entry,) = ledger_entries(
        gateway.state.database, f"bop-{operation_ids(gateway.state.database, 'MINE-1', PHARMACY)[0]}"
    )
    assert entry.institution_code == PHARMACY and entry.request["fixmedins_code"] == PHARMACY
    assert operation["msgid"] == entry.msgid and entry.msgid.startswith(PHARMACY)
    mine = gateway.ok("GET", "batch/status/MINE-1")["data"]["operations"][0]
    assert mine["output"]["baseinfo"]["certno"] == PERSONS[0].certno  # untouched by theirs


# ------------------------------------------------------------------------------------ max_concurrent


@pytest.fixture(scope="module")
def probed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Gateway, ConcurrencyProbe]]:
    """A gateway whose bureau transport counts the requests in flight (each held 0.15 s)."""
    data_dir: Path = tmp_path_factory.mktemp("probed")
    sandbox = create_sandbox_app(SandboxSettings())
    probe = ConcurrencyProbe(SandboxTransport(sandbox), delay_s=0.15)
    settings = gateway_settings(f"sqlite:///{data_dir / 'g.sqlite3'}", data_dir)
    try:
        with start_gateway(settings, bureau_transport=probe) as (app, client):
            key = create_key(app.state.gateway.database, HOSPITAL, "admin").key
            yield Gateway(app, client, "", data_dir, {"admin": key}), probe
    finally:
        sandbox.state.sandbox.close()


@pytest.mark.parametrize("limit", [1, 3])
def test_max_concurrent_is_respected(probed: tuple[Gateway, ConcurrencyProbe], limit: int) -> None:
    gateway, probe = probed
    gateway.ok("POST", "basic/person-info", json=person_query(0))  # signed in: only the batch's calls follow
    probe.reset()
    operations = queries(*(person_query(i % 8) for i in range(12)))  # independent: twelve lanes
    body = {"batch_id": f"CONC-{limit}", "operations": operations, "options": {"max_concurrent": limit}}
    submit(gateway, body)
    assert statuses(batch_done(gateway, f"CONC-{limit}")) == ["success"] * 12
    assert probe.peak == limit  # reached, never exceeded
