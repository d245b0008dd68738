"""Masking done in fewer passes (issue 16) masks no less: messages masked together share their names, the
ledger's text limit applies to masked texts, and the short-text shortcut skips nothing that can be masked."""

from __future__ import annotations

from decimal import Decimal

from medical_insurance_sdk.engine.flow import LEDGER_TEXT_LIMIT, ledger_copy
from medical_insurance_sdk.gateway.audit.redact import redact_together
from medical_insurance_sdk.masking import mask_payload, mask_payloads, names_in, scrub_text


def test_a_name_the_answer_carries_is_masked_in_the_request_too() -> None:
    request = {"data": {"psn_no": "43000000000000000001", "memo": "王小明 复诊"}}
    answer = {"baseinfo": {"psn_name": "王小明", "certno": "430281199001010011"}, "memo": "ok"}
    masked_request, masked_answer = mask_payloads([request, answer])
    assert masked_request == {"data": {"psn_no": "43000000000000000001", "memo": "王*明 复诊"}}
    assert masked_answer == {"baseinfo": {"psn_name": "王*明", "certno": "430281********0011"}, "memo": "ok"}
    # alone, the request knows no name: what masking together adds
    assert mask_payload(request) == request


def test_the_audit_copies_are_masked_together_with_the_ledger_limit() -> None:
    call_input = {"memo": "张三丰来电 13800138000"}
    output = {"baseinfo": {"psn_name": "张三丰", "file": "A" * (LEDGER_TEXT_LIMIT + 1)}}
    body = {"data": {"psn_name": "张三丰", "amount": Decimal("12.50")}}
    masked_input, masked_output, masked_body = redact_together(call_input, output, body)
    assert masked_input == {"memo": "张*丰来电 138****8000"}
    assert masked_output == {
        "baseinfo": {"psn_name": "张*丰", "file": f"<{LEDGER_TEXT_LIMIT + 1} 字符，未存入台账>"}
    }
    assert masked_body == {"data": {"psn_name": "张*丰", "amount": Decimal("12.50")}}


def test_the_ledger_limit_counts_the_masked_text_and_leaves_other_values() -> None:
    at_limit = "x" * LEDGER_TEXT_LIMIT
    message = {"a": [at_limit, at_limit + "y"], "n": 7, "ok": True, "none": None, "t": ("u",)}
    assert ledger_copy(message) == {
        "a": [at_limit, f"<{LEDGER_TEXT_LIMIT + 1} 字符，未存入台账>"],
        "n": 7,
        "ok": True,
        "none": None,
        "t": ["u"],
    }


def test_short_texts_are_still_scrubbed_when_they_can_hold_something() -> None:
    assert scrub_text("患者张三") == "患者张*"  # four characters: a label and a name
    assert scrub_text("13800138000") == "138****8000"  # eleven digits
    assert scrub_text("李四", names=["李四"]) == "李*"  # a known name, however short the text
    assert scrub_text("A1234567890") == "A1234567890"  # ASCII, no standalone mobile number
    assert scrub_text("OK-2024") == "OK-2024"


def test_names_are_found_at_any_depth_and_in_any_container() -> None:
    message = {
        "psn_name": " 赵六 ",
        "rows": [{"coner_name": "钱七"}, ({"patn_name": ""},), "孙八"],
        "name": {"psn_name": "周九"},  # a name field holding an object: its own fields still count
    }
    assert names_in(message) == {"赵六", "钱七", "周九"}
