"""The `Idempotency-Key` header over the ASGI app: a resubmitted settlement is answered, never sent twice.

Without the header, a second identical 2207 reaches the bureau (which refuses a second settlement of the
visit, 50008); with the header the gateway answers the first call's outcome again and sends nothing.  A
registration whose answer was lost and which compensation later confirmed (2201 → 5201) answers the 5201
row again, with the mdtrt_id the HIS needs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from gateway_support import (
    DOCTOR,
    HOSPITAL,
    JSON,
    SERVICE_TIME,
    Gateway,
    batch_done,
    gateway_settings,
    ready_to_settle,
    start_gateway,
    task_done,
)
from sqlalchemy import func, select

from medical_insurance_sdk.engine.engine import BureauEngine
from medical_insurance_sdk.gateway.assembly import engine_parts
from medical_insurance_sdk.gateway.keys import create_key
from medical_insurance_sdk.protocol import jsoncodec
from medical_insurance_sdk.sandbox.seed import PERSONS
from medical_insurance_sdk.sandbox.transport import SyncSandboxTransport
from medical_insurance_sdk.storage.models import IdempotencyRecord, LedgerEntry

SETTLE = "business/outpatient/settle"


def settle(gateway: Gateway, body: dict[str, Any], key: str | None) -> httpx.Response:
    headers = {**JSON, **({"Idempotency-Key": key} if key is not None else {})}
    return gateway.post(SETTLE, content=jsoncodec.dumps(body), headers=headers)


def settlements_sent(gateway: Gateway, psn_no: str) -> int:
    with gateway.state.database.session() as s:
        count = s.scalar(
            select(func.count())
            .select_from(LedgerEntry)
            .where(LedgerEntry.infno == "2207", LedgerEntry.psn_no == psn_no)
        )
        return int(count or 0)


def test_the_same_key_answers_the_first_settlement_again(gateway: Gateway) -> None:
    who = PERSONS[6]
    body = ready_to_settle(gateway, who)
    first = settle(gateway, body, "HIS-SETTLE-0001")
    assert first.status_code == 200, first.text
    again = settle(gateway, body, "HIS-SETTLE-0001")
    assert again.status_code == 200, again.text
    first_body, again_body = first.json(), again.json()
    assert again_body["interface_info"]["msgid"] == first_body["interface_info"]["msgid"]
    assert again_body["data"] == first_body["data"]
    assert settlements_sent(gateway, who.psn_no) == 1
    with gateway.state.database.session() as s:
        record = s.scalars(
            select(IdempotencyRecord).where(IdempotencyRecord.idem_key == "HIS-SETTLE-0001")
        ).one()
        assert (record.state, record.msgid) == ("DONE", first_body["interface_info"]["msgid"])


def test_the_same_key_with_another_body_is_409_30006(gateway: Gateway) -> None:
    who = PERSONS[7]
    body = ready_to_settle(gateway, who)
    assert settle(gateway, body, "HIS-SETTLE-0002").status_code == 200
    changed = settle(gateway, {**body, "acct_used_flag": "0"}, "HIS-SETTLE-0002")
    answer = changed.json()
    assert changed.status_code == 409, changed.text
    assert answer["success"] is False and answer["error_code"] == 30006
    assert "HIS-SETTLE-0002" in answer["message"]
    assert settlements_sent(gateway, who.psn_no) == 1


def test_a_malformed_key_is_400_10002_before_anything_is_sent(gateway: Gateway) -> None:
    who = PERSONS[9]
    body = ready_to_settle(gateway, who)
    response = settle(gateway, body, "x" * 256)
    assert response.status_code == 400, response.text
    assert response.json()["error_code"] == 10002
    assert settlements_sent(gateway, who.psn_no) == 0


def test_without_a_key_the_resubmission_reaches_the_bureau(gateway: Gateway) -> None:
    who = PERSONS[10]
    body = ready_to_settle(gateway, who)
    assert settle(gateway, body, None).status_code == 200
    assert settle(gateway, body, None).json()["error_code"] == 50008  # the bureau refused a second one
    assert settlements_sent(gateway, who.psn_no) == 2


def test_a_batch_operation_with_the_key_of_a_direct_call_is_not_sent_again(gateway: Gateway) -> None:
    """The HIS settled directly, lost the answer and put the same settlement in a batch with the same key."""
    who = PERSONS[11]
    body = ready_to_settle(gateway, who)
    first = settle(gateway, body, "HIS-SETTLE-0011")
    assert first.status_code == 200, first.text
    batch = {
        "batch_id": "IDEM-BATCH-0001",
        "operations": [{"interface_type": "2207", "data": body, "idempotency_key": "HIS-SETTLE-0011"}],
        "options": {"wait": 20},
    }
    response = gateway.post("batch/data-upload", content=jsoncodec.dumps(batch), headers=JSON)
    assert response.status_code in (200, 202), response.text
    [operation] = batch_done(gateway, "IDEM-BATCH-0001")["operations"]
    assert operation["status"] == "success", operation
    assert operation["msgid"] == first.json()["interface_info"]["msgid"]
    assert settlements_sent(gateway, who.psn_no) == 1


def test_a_malformed_operation_key_refuses_the_batch(gateway: Gateway) -> None:
    batch = {
        "batch_id": "IDEM-BATCH-0002",
        "operations": [{"interface_type": "2207", "data": {}, "idempotency_key": "幂等键"}],
    }
    response = gateway.post("batch/data-upload", content=jsoncodec.dumps(batch), headers=JSON)
    assert response.status_code in (400, 422), response.text
    assert response.json()["success"] is False


def test_a_task_created_twice_with_the_key_settles_once(gateway: Gateway) -> None:
    who = PERSONS[12]
    body = ready_to_settle(gateway, who)
    task = {"task_type": "transaction", "task_data": {"interface_type": "2207", "data": body}}
    headers = {**JSON, "Idempotency-Key": "HIS-TASK-0001"}
    results = []
    for _ in range(2):
        created = gateway.post("async/create-task", content=jsoncodec.dumps(task), headers=headers)
        assert created.status_code == 202, created.text
        task_id = created.json()["data"]["task_id"]
        assert task_done(gateway, task_id)["status"] == "completed"
        results.append(gateway.ok("GET", f"async/task-result/{task_id}")["data"]["result"])
    assert results[0]["msgid"] == results[1]["msgid"]
    assert settlements_sent(gateway, who.psn_no) == 1


def compensate(gateway: Gateway) -> dict[str, str]:
    """What `yibao compensate` does: a blocking engine on the gateway's database and bureau sweeps once."""
    state = gateway.state
    assert state.sandbox is not None  # the test gateway embeds the sandbox bureau
    parts = engine_parts(state.settings, state.database, state.sandbox)
    with BureauEngine(state.database, transport=SyncSandboxTransport(state.sandbox), **parts) as engine:
        return engine.sweep(state.tenants.active_configs(state.database))


@pytest.fixture
def impatient(database_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Gateway]:
    """A gateway whose calls give up resolving an unknown outcome after 0.5 s (the sweeper's job then), on a
    database of its own: the module's gateway keeps its ledger and its own bureau apart."""
    if database_url.startswith("sqlite"):
        own = f"sqlite:///{tmp_path / 'impatient.sqlite3'}"
    else:
        own = request.getfixturevalue("postgres_db").url.render_as_string(hide_password=False)
    settings = gateway_settings(own, tmp_path, compensation_budget_s=0.5)
    with start_gateway(settings) as (app, client):
        keys = {
            role: create_key(app.state.gateway.database, HOSPITAL, role).key
            for role in ("admin", "hospital_operator")
        }
        yield Gateway(app, client, own, tmp_path, keys)


def test_a_registration_confirmed_later_answers_its_mdtrt_id_again(impatient: Gateway) -> None:
    """2201's answer is lost and 5201 fails while the call resolves it (504 unknown); compensation confirms
    it by 5201 afterwards; the same key then answers 200 with the 5201 row, and the bureau got one 2201."""
    gateway = impatient
    who = PERSONS[13]
    body = {
        "psn_no": who.psn_no,
        "insutype": who.insutype,
        "begntime": SERVICE_TIME,
        "mdtrt_cert_type": "02",
        "mdtrt_cert_no": who.certno,
        "ipt_otp_no": f"MZ{who.psn_no[-8:]}",
        "caty": "A03",
        **DOCTOR,
    }

    def register() -> httpx.Response:
        headers = {**JSON, "Idempotency-Key": "HIS-REG-0001"}
        return gateway.post("business/outpatient/register", "hospital_operator", json=body, headers=headers)

    admin = gateway.headers("admin")
    faults = [
        {"scope": "2201", "kind": "reset_after", "count": 1},  # registered at the bureau, the answer lost
        {"scope": "5201", "kind": "http_5xx"},  # and the confirming query fails for a while
    ]
    try:
        for rule in faults:
            gateway.client.post("/sandbox/admin/faults", json=rule, headers=admin).raise_for_status()
        lost = register()
        assert lost.status_code == 504, lost.text
        msgid = lost.json()["data"]["msgid"]
        assert lost.json()["data"] == {"msgid": msgid, "outcome": "unknown"}
    finally:
        gateway.client.delete("/sandbox/admin/faults", headers=admin).raise_for_status()
    assert compensate(gateway)[msgid] == "CONFIRMED"

    replay = register()
    assert replay.status_code == 200, replay.text
    answer = replay.json()
    assert answer["success"] is True
    assert (answer["interface_info"]["msgid"], answer["interface_info"]["confirmed_by"]) == (msgid, "5201")
    received = gateway.client.get(
        "/sandbox/admin/ledger", params={"infno": "2201", "limit": 1000}, headers=admin
    ).json()
    [registration] = [m for m in received if m["input"]["data"]["psn_no"] == who.psn_no]
    assert registration["msgid"] == msgid
    assert answer["data"]["mdtrt_id"] == registration["output"]["data"]["mdtrt_id"]
    assert answer["data"]["ipt_otp_no"] == body["ipt_otp_no"]
