"""A lost answer to a department upload (3401, 3401A) or cancellation (3403) is resolved by 5101, matched
by the department's code `hosp_dept_codg` (`identity_keys`).

5101 lists the institution's departments (the seed ones, as the uploads changed them).  An upload is
CONFIRMED when its department is listed, FAILED when not (after the processing window: it is uploaded
again); a cancellation is CONFIRMED when its department is gone, FAILED while it is still listed.  Both
lost-answer kinds per transaction, SQLite; one on PostgreSQL.
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
from medical_insurance_sdk.registry.samples import sample_node
from medical_insurance_sdk.storage.database import Database

BEGIN = "2024-01-01 00:00:00"


def _department(code: str) -> dict[str, Any]:
    row = sample_node(REGISTRY["3401"].request_nodes[0], optional=False)
    assert isinstance(row, dict)
    return row | {"hosp_dept_codg": code, "hosp_dept_name": f"测试科室{code}", "begntime": BEGIN}


def _message(infno: str, code: str) -> dict[str, Any]:
    if infno == "3401":
        return {"deptinfo": _department(code)}
    if infno == "3401A":
        return {"deptinfo": [_department(code), _department(code + "B")]}
    return {"data": {"hosp_dept_codg": code, "hosp_dept_name": f"测试科室{code}", "begntime": BEGIN}}


def _send(counter: Counter, infno: str, code: str, **options: Any) -> Answer:
    try:
        return Answer(result=counter.call(infno, _message(infno, code), **options))
    except MedicalInsuranceException as error:
        return Answer(error=error)


def _listed(counter: Counter) -> set[str]:
    rows = counter.call("5101", {"data": {}}).output["feedetail"]
    return {str(row["hosp_dept_codg"]) for row in rows}


def prove(bureau: SandboxBureau, infno: str, kind: str) -> None:
    counter = bureau.counter
    code = f"T{infno}{kind[-5:]}"
    cancels = REGISTRY[infno].cancels
    if cancels:
        uploaded = _send(counter, "3401", code)
        assert uploaded.result is not None, uploaded.error
    assert (code in _listed(counter)) is cancels
    send = functools.partial(_send, counter, infno, code)
    state = settled_after_losing(bureau, infno, kind, send, "hosp_dept_codg", code)
    took_effect = code in _listed(counter) if not cancels else code not in _listed(counter)
    assert took_effect is (state == "CONFIRMED")
    if state == "FAILED":
        again = _send(counter, infno, code)
        assert again.result is not None and again.result.state == "SUCCESS", again.error
    assert (code in _listed(counter)) is not cancels


@pytest.mark.parametrize("kind", ["timeout_after", "timeout_before"])
@pytest.mark.parametrize("infno", ["3401", "3401A", "3403"])
def test_a_lost_department_message_is_resolved_by_5101(sqlite_db: Database, infno: str, kind: str) -> None:
    with SandboxBureau(sqlite_db) as bureau:
        prove(bureau, infno, kind)


def test_a_lost_department_cancellation_on_postgresql(postgres_db: Database) -> None:
    with SandboxBureau(postgres_db) as bureau:
        prove(bureau, "3403", "timeout_before")
