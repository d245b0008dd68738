"""4501-4506 clinical report uploads are read back by their 4507-4512 queries (registry `answers_from`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bureau_harness import Bureau, assert_failure, assert_success, open_bureau

from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.registry.samples import sample_message

# upload -> the query that reads it back
PAIRS = [
    ("4501", "4507"),
    ("4502", "4508"),
    ("4503", "4509"),
    ("4504", "4510"),
    ("4505", "4511"),
    ("4506", "4512"),
]


@pytest.fixture
def bureau(tmp_path: Path) -> Iterator[Bureau]:
    with open_bureau(tmp_path) as opened:
        opened.sign_in()
        yield opened


def _report(infno: str, mdtrt_id: str, marker: str) -> dict[str, Any]:
    """A complete upload from the registry's table, for one visit, its main record marked."""
    message = sample_message(REGISTRY[infno].request_nodes)
    main = message[REGISTRY[infno].request_nodes[0].name]
    for row in main if isinstance(main, list) else [main]:
        row.update(mdtrt_id=mdtrt_id, mdtrt_sn=marker)
    return message


@pytest.mark.parametrize(("upload", "query"), PAIRS, ids=[q for _, q in PAIRS])
def test_a_report_query_answers_the_reports_of_its_visit(bureau: Bureau, upload: str, query: str) -> None:
    assert REGISTRY[query].answers_from == (upload,)
    assert_success(bureau.call(upload, _report(upload, "MDT-A", "SN-A")))
    assert_success(bureau.call(upload, _report(upload, "MDT-B", "SN-B")))
    output = assert_success(bureau.call(query, {"data": {"mdtrt_id": "MDT-B"}}))
    rows = [row for row in output["data"] if "mdtrt_sn" in row]
    assert [row["mdtrt_sn"] for row in rows] == ["SN-B"]
    parsed = REGISTRY[query].parse_output(output)
    assert parsed.data[0].mdtrt_id == "MDT-B"  # type: ignore[attr-defined]
    assert assert_success(bureau.call(query, {"data": {"mdtrt_id": "MDT-C"}}))["data"] == []


@pytest.mark.parametrize("upload", [u for u, _ in PAIRS if REGISTRY[u].schema_level == "full"])
def test_a_report_without_its_visit_serial_is_refused(bureau: Bureau, upload: str) -> None:
    message = _report(upload, "MDT-A", "SN-A")
    main = message[REGISTRY[upload].request_nodes[0].name]
    (main[0] if isinstance(main, list) else main).pop("mdtrt_sn")
    assert_failure(bureau.call(upload, message), "mdtrt_sn")
