"""A lost answer to a 进销存 upload (3501-3506 and their batch forms) or a catalogue mapping (3301, 3302) is
resolved by its query, matched by `confirm_evidence`.

An inventory record is named by its 批次流水号 `fixmedins_bchno`, which 3508-3511 answer as `fixmedinsBchno`;
compensation asks them with the institution's own code and the serial (the ledger keeps it), so a record
behind a full page of others is still found.  A mapping is named by the item's code (`fixmedins_hilist_id`,
answered by 1317 as `medins_list_codg`) and the national code `med_list_codg`.  An upload is CONFIRMED when
its record is listed, FAILED when not (after the processing window: it is sent again); 3302 is CONFIRMED
when its mapping is gone, FAILED while it is still listed.  Both lost-answer kinds, SQLite; one on
PostgreSQL.
"""

from __future__ import annotations

import functools
from typing import Any

import pytest
from sandbox_support import (
    FAULTED_CALL_TIMEOUT_S,
    Answer,
    Counter,
    SandboxBureau,
    assert_definite_answer,
    expected_state,
    settled_after_losing,
)

from medical_insurance_sdk.exceptions import MedicalInsuranceException
from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.registry.samples import sample_message
from medical_insurance_sdk.sandbox.seed import DEMO_HOSPITAL
from medical_insurance_sdk.storage.database import Database

UPLOADS = ("3501", "3502", "3503", "3504", "3505", "3506")
KINDS = ("timeout_after", "timeout_before")
NATIONAL_CODE = "XA01AAA001A001010100001"


def _message(infno: str, serials: list[str]) -> dict[str, Any]:
    """The upload `infno` of one record per serial (a batch form takes them all, a single one the first)."""
    message = sample_message(REGISTRY[infno].request_nodes, optional=False)
    assert isinstance(message, dict)
    (node, value), *_ = message.items()
    if isinstance(value, list):
        message[node] = [value[0] | {"fixmedins_bchno": serial} for serial in serials]
    else:
        message[node] = value | {"fixmedins_bchno": serials[0]}
    return message


def _send(counter: Counter, infno: str, message: dict[str, Any], **options: Any) -> Answer:
    try:
        return Answer(result=counter.call(infno, message, **options))
    except MedicalInsuranceException as error:
        return Answer(error=error)


def _serials(counter: Counter, query: str) -> set[str]:
    """Every serial `query` lists for the institution, page by page."""
    found: set[str] = set()
    page = 1
    while True:
        data = {"fixmedins_code": DEMO_HOSPITAL, "begndate": "2000-01-01", "enddate": "2099-12-31"}
        rows = counter.call(query, {"data": data | {"page_num": page, "page_size": 100}}).output
        found |= {str(row["fixmedinsBchno"]) for row in rows}
        if len(rows) < 100:
            return found
        page += 1


def prove_upload(bureau: SandboxBureau, infno: str, kind: str, *, crowd: int = 0) -> None:
    """`infno` lost with `kind`, after `crowd` other records of the same query were uploaded."""
    counter = bureau.counter
    single = infno.removesuffix("A")
    query = REGISTRY[infno].confirm_by
    assert query is not None
    if crowd:
        others = _message(single + "A", [f"C{single}{n:05d}" for n in range(crowd)])
        assert _send(counter, single + "A", others).result is not None
    serial = f"B{infno}{kind[-5:]}"
    message = _message(infno, [serial, serial + "X"])
    assert serial not in _serials(counter, query)
    send = functools.partial(_send, counter, infno, message)
    state = settled_after_losing(bureau, infno, kind, send, "fixmedins_bchno", serial)
    assert (serial in _serials(counter, query)) is (state == "CONFIRMED")
    if state == "FAILED":
        again = _send(counter, infno, message)
        assert again.result is not None and again.result.state == "SUCCESS", again.error
    assert serial in _serials(counter, query)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("infno", [n + batch for n in UPLOADS for batch in ("", "A")])
def test_a_lost_inventory_upload_is_resolved_by_its_query(sqlite_db: Database, infno: str, kind: str) -> None:
    with SandboxBureau(sqlite_db) as bureau:
        prove_upload(bureau, infno, kind)


@pytest.mark.parametrize("kind", KINDS)
def test_the_record_is_found_behind_a_full_page_of_others(sqlite_db: Database, kind: str) -> None:
    # 3508 answers 100 rows a page: asked without the serial, the record would be on the second one
    with SandboxBureau(sqlite_db) as bureau:
        prove_upload(bureau, "3501", kind, crowd=120)


def test_a_lost_inventory_upload_on_postgresql(postgres_db: Database) -> None:
    with SandboxBureau(postgres_db) as bureau:
        prove_upload(bureau, "3505", "timeout_after")


# ------------------------------------------------------------------------------------- 3301 / 3302


def _mapping(infno: str, item: str) -> dict[str, Any]:
    message = sample_message(REGISTRY[infno].request_nodes, optional=False)
    assert isinstance(message, dict)
    message["data"] |= {"fixmedins_hilist_id": item, "med_list_codg": NATIONAL_CODE, "list_type": "101"}
    if infno == "3302":
        message["data"]["fixmedins_code"] = DEMO_HOSPITAL
    return message


def _mapped(counter: Counter) -> set[str]:
    query = {"updt_time": "2000-01-01 00:00:00", "page_num": 1, "page_size": 100}
    rows = counter.call("1317", {"data": query | {"med_list_codg": NATIONAL_CODE}}).output["data"]
    assert all(row["vali_flag"] == "1" and row["fixmedins_code"] == DEMO_HOSPITAL for row in rows)
    return {str(row["medins_list_codg"]) for row in rows}


def prove_mapping(bureau: SandboxBureau, infno: str, kind: str) -> None:
    counter = bureau.counter
    item = f"HIS-{infno}-{kind[-5:]}"
    cancels = REGISTRY[infno].cancels
    # another item mapped to the same national code: only the item's own code tells them apart
    assert _send(counter, "3301", _mapping("3301", item + "-other")).result is not None
    if cancels:
        assert _send(counter, "3301", _mapping("3301", item)).result is not None
    assert (item in _mapped(counter)) is cancels
    bureau.fault(infno, kind)
    answer = _send(counter, infno, _mapping(infno, item), timeout_s=FAULTED_CALL_TIMEOUT_S)
    state = expected_state(infno, kind)
    assert_definite_answer(answer, infno, state, kind)
    entry = counter.ledger.get(answer.msgid)
    assert entry is not None and entry.state == state
    assert entry.business_keys["evidence"] == {"medins_list_codg": item, "med_list_codg": NATIONAL_CODE}
    assert counter.sweep_until_resolved() == {}, "nothing left for the sweeper"
    took_effect = (item in _mapped(counter)) is not cancels
    assert took_effect is (state == "CONFIRMED")
    if state == "FAILED":
        again = _send(counter, infno, _mapping(infno, item))
        assert again.result is not None and again.result.state == "SUCCESS", again.error
    assert (item in _mapped(counter)) is not cancels
    assert item + "-other" in _mapped(counter)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("infno", ["3301", "3302"])
def test_a_lost_catalogue_mapping_is_resolved_by_1317(sqlite_db: Database, infno: str, kind: str) -> None:
    with SandboxBureau(sqlite_db) as bureau:
        prove_mapping(bureau, infno, kind)


def test_a_lost_mapping_cancellation_on_postgresql(postgres_db: Database) -> None:
    with SandboxBureau(postgres_db) as bureau:
        prove_mapping(bureau, "3302", "timeout_before")
