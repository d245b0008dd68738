"""The error table of spec §5.2 and the HTTP mapping of §5.1."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from medical_insurance_sdk.protocol.errors import ERRORS, HTTP_STATUS_TEXT, error

SPEC = Path(__file__).resolve().parents[3] / "shared" / "spec" / "api-spec.md"


def spec_table() -> dict[int, dict]:
    """Parse the six python dicts of spec §5.2 straight from the spec text."""
    text = SPEC.read_text(encoding="utf-8")
    section = text.split("### 5.2 业务错误码体系", 1)[1].split("## 六、", 1)[0]
    rows = {}
    for m in re.finditer(r"^\s*(\d{5}): (\{.*\}),?$", section, re.M):
        rows[int(m.group(1))] = ast.literal_eval(m.group(2))
    return rows


@pytest.mark.skipif(not SPEC.exists(), reason="shared/spec is not beside the checkout")
def test_table_matches_the_spec_exactly():
    spec = spec_table()
    assert len(spec) == 60
    assert set(spec) == set(ERRORS)
    for code, row in spec.items():
        ours = ERRORS[code]
        assert ours.message == row["message"], code
        assert ours.retry == row["retry"], code
        assert ours.retry_after == row.get("retry_after"), code
        assert ours.max_retry == row.get("max_retry"), code


def test_sixty_codes_in_six_families():
    assert len(ERRORS) == 60
    families = {e.family for e in ERRORS.values()}
    assert families == {"common", "interface", "data", "file", "business", "system"}


def test_every_code_maps_to_a_status_of_spec_5_1():
    allowed = set(HTTP_STATUS_TEXT)
    for e in ERRORS.values():
        assert e.http_status in allowed, e.code
    # the mappings the gateway depends on
    assert error(10004).http_status == 429
    assert error(10009).http_status == 403
    assert error(10003).http_status == 413
    assert error(30002).http_status == 422
    assert error(20005).http_status == 504
    assert error(20006).http_status == 502


def test_unknown_code_fails_loudly():
    with pytest.raises(KeyError, match="12345"):
        error(12345)
