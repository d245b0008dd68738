"""A lost answer to a clinical report upload (4501-4505) is resolved by its report query, matched by the
report's own number.

Each report is named by its 报告单号 `rpotc_no` (4501-4504) or 病理号 `palg_no` (4505) (`identity_keys`):
the ledger keeps it, and the report query (4507-4511, asked by the visit) lists what the bureau holds.  The
visit already has another report at the bureau, so a visit-level match would wrongly confirm: only the
report's own number does.  Lost after processing: CONFIRMED; never processed: FAILED once the processing
window has passed, and the report is uploaded again.  Both lost-answer kinds per report, SQLite; one on
PostgreSQL.
"""

from __future__ import annotations

import functools
from typing import Any

import pytest
from sandbox_support import (
    Answer,
    Counter,
    SandboxBureau,
    settled_after_losing,
)

from medical_insurance_sdk.exceptions import MedicalInsuranceException
from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.registry.samples import sample_message
from medical_insurance_sdk.sandbox.seed import PERSONS
from medical_insurance_sdk.storage.database import Database

WHO = PERSONS[1]
# upload -> the field naming the report
REPORTS = {"4501": "rpotc_no", "4502": "rpotc_no", "4503": "rpotc_no", "4504": "rpotc_no", "4505": "palg_no"}


def _report(infno: str, number: str, mdtrt_id: str) -> dict[str, Any]:
    """A report of the visit `mdtrt_id`, numbered `number` wherever the message names the report."""
    message = sample_message(REGISTRY[infno].request_nodes, optional=False)
    assert isinstance(message, dict)
    main = next(iter(message.values()))
    main.update({"mdtrt_sn": f"MS{mdtrt_id}", "mdtrt_id": mdtrt_id, "psn_no": WHO.psn_no, "vali_flag": "1"})
    key = REPORTS[infno]

    def number_it(node: Any) -> None:
        if isinstance(node, dict):
            if key in node or node is main:
                node[key] = number
        elif isinstance(node, list):
            for item in node:
                number_it(item)

    for node in message.values():
        number_it(node)
    return message


def _upload(counter: Counter, infno: str, message: dict[str, Any], **options: Any) -> Answer:
    try:
        return Answer(result=counter.call(infno, message, **options))
    except MedicalInsuranceException as error:
        return Answer(error=error)


def _held(counter: Counter, infno: str, mdtrt_id: str) -> list[str]:
    """The numbers of the visit's reports the bureau holds (one per upload), by the report query."""
    query = REGISTRY[infno].confirm_by
    assert query is not None
    output = counter.call(query, {"data": {"mdtrt_id": mdtrt_id, "psn_no": WHO.psn_no}}).output
    rows = output["data"] if isinstance(output, dict) else output
    key = REPORTS[infno]
    return sorted(str(r[key]) for r in rows if isinstance(r, dict) and r.get("mdtrt_sn") and r.get(key))


def prove(bureau: SandboxBureau, infno: str, kind: str) -> None:
    counter = bureau.counter
    mdtrt_id = f"MD{infno}{kind[-5:]}"
    earlier, lost = f"R{infno}A", f"R{infno}B"
    first = _upload(counter, infno, _report(infno, earlier, mdtrt_id))
    assert first.result is not None, first.error
    send = functools.partial(_upload, counter, infno, _report(infno, lost, mdtrt_id))
    state = settled_after_losing(bureau, infno, kind, send, REPORTS[infno], lost)
    if state == "FAILED":
        assert _held(counter, infno, mdtrt_id) == [earlier]  # the visit's other report proves nothing
        again = _upload(counter, infno, _report(infno, lost, mdtrt_id))
        assert again.result is not None and again.result.state == "SUCCESS", again.error
    assert _held(counter, infno, mdtrt_id) == [earlier, lost]  # each report held once


@pytest.mark.parametrize("kind", ["timeout_after", "timeout_before"])
@pytest.mark.parametrize("infno", sorted(REPORTS))
def test_a_lost_report_upload_is_resolved_by_its_report_number(
    sqlite_db: Database, infno: str, kind: str
) -> None:
    with SandboxBureau(sqlite_db) as bureau:
        prove(bureau, infno, kind)


def test_a_lost_report_upload_on_postgresql(postgres_db: Database) -> None:
    with SandboxBureau(postgres_db) as bureau:
        prove(bureau, "4505", "timeout_after")
