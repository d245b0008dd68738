"""The operator's guide to the error codes: one entry per code of the table, shown on the generated page."""

from __future__ import annotations

import re
from pathlib import Path

from medical_insurance_sdk.protocol.error_guide import _NOT_RAISED, GUIDE
from medical_insurance_sdk.protocol.errors import ERRORS

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "medical_insurance_sdk"
PAGE = ROOT / "docs" / "troubleshooting" / "README.md"
_HAN = re.compile(r"[\u4e00-\u9fff]")


def test_every_code_of_the_table_has_a_guide_and_no_guide_names_an_unknown_code() -> None:
    assert len(ERRORS) == 60
    assert sorted(set(ERRORS) - set(GUIDE)) == [], "codes without a cause/action"
    assert sorted(set(GUIDE) - set(ERRORS)) == [], "guide entries for codes not in the table"


def test_every_guide_says_cause_and_action_in_chinese() -> None:
    for code, guide in GUIDE.items():
        for text in (guide.cause, guide.action):
            assert text.strip() and _HAN.search(text), f"{code}: {text!r}"
            assert "|" not in text and "\n" not in text, f"{code}: one table cell, no pipes or newlines"


def _sources() -> str:
    skip = {SRC / "protocol" / "errors.py", SRC / "protocol" / "error_guide.py"}
    return "\n".join(p.read_text(encoding="utf-8") for p in SRC.rglob("*.py") if p not in skip)


def test_codes_said_to_be_never_raised_appear_nowhere_in_the_code() -> None:
    sources = _sources()
    unraised = [code for code, guide in GUIDE.items() if guide.cause.startswith(_NOT_RAISED)]
    assert unraised, "the guide marks the reserved codes"
    for code in unraised:
        assert not re.search(rf"\b{code}\b", sources), f"{code} is raised somewhere: update its guide entry"


def test_the_generated_page_has_one_row_per_code_with_its_status_retry_and_cause() -> None:
    rows = {
        int(m.group(1)): m.group(0)
        for m in re.finditer(r"^\| (\d{5}) \|.*$", PAGE.read_text(encoding="utf-8"), re.M)
    }
    assert set(rows) == set(ERRORS)
    for code, e in ERRORS.items():
        cells = [c.strip() for c in rows[code].strip("|").split(" | ")]
        assert cells[1] == e.message
        assert cells[2].startswith(str(e.http_status))
        assert cells[3].startswith("是" if e.retry else "否")
        if e.retry_after is not None:
            assert f"{e.retry_after} 秒后" in cells[3]
        assert cells[4] == GUIDE[code].cause and cells[5] == GUIDE[code].action
