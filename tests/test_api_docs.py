"""docs/api/: every transaction has its section on its category's page, and every example input shown
there passes that transaction's own validation (read back from the committed page, as a reader copies it)."""

from __future__ import annotations

import re
from pathlib import Path

from medical_insurance_sdk.protocol import jsoncodec
from medical_insurance_sdk.registry import REGISTRY, Category

ROOT = Path(__file__).resolve().parents[1]
API = ROOT / "docs" / "api"
_SECTION = re.compile(r"^## 【(\w+)】", re.M)
_EXAMPLE = re.compile(r"```json\n(.*?)\n```", re.S)


def sections() -> dict[str, tuple[str, str]]:
    """infno → (page name, the section's text)."""
    found: dict[str, tuple[str, str]] = {}
    for page in sorted(API.glob("*.md")):
        text = page.read_text(encoding="utf-8")
        starts = list(_SECTION.finditer(text))
        for i, m in enumerate(starts):
            end = starts[i + 1].start() if i + 1 < len(starts) else len(text)
            assert m.group(1) not in found, f"{m.group(1)} documented twice"
            found[m.group(1)] = (page.name, text[m.start() : end])
    return found


def test_one_page_per_category_and_one_section_per_transaction() -> None:
    found = sections()
    assert set(found) == {t.infno for t in REGISTRY.transactions}
    for t in REGISTRY.transactions:
        page, text = found[t.infno]
        assert page == f"{t.category.name.lower()}.md"
        assert f"`{t.route.method} {t.route.full_path}`" in text
        assert f"`{t.permission}`" in text and f"sdk.{t.sdk_method}(" in text
    assert len({page for page, _ in found.values()}) == len(Category)


def test_every_example_input_passes_its_transactions_validation() -> None:
    shown = 0
    for infno, (_, text) in sections().items():
        for body in _EXAMPLE.findall(text):
            REGISTRY[infno].validate_input(jsoncodec.loads(body))
            shown += 1
    with_fields = [t for t in REGISTRY.transactions if any(n.fields for n in t.request_nodes)]
    assert shown == len(with_fields)
