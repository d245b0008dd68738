"""Envelope: field order, overrides, insuplc_admdvs rule, Beijing inf_time, checked lengths, exact bytes."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from medical_insurance_sdk.exceptions import DataValidationError
from medical_insurance_sdk.protocol.envelope import (
    ENVELOPE_FIELDS,
    EnvelopeConfig,
    build_envelope,
    carries_psn_no,
    encode_envelope,
)
from medical_insurance_sdk.protocol.jsoncodec import loads

MSGID = "H12345678901202507141030000001"
NOW = datetime(2025, 7, 14, 2, 30, 0, tzinfo=UTC)  # 10:30:00 in Beijing


def make_config(**changes: Any) -> EnvelopeConfig:
    fields: dict[str, Any] = {
        "fixmedins_code": "H12345678901",
        "fixmedins_name": "深圳市某某人民医院",
        "mdtrtarea_admvs": "440300",
        "recer_sys_code": "YBXT",
        "infver": "V1.0",
        "opter_type": "1",
        "opter": "001",
        "opter_name": "张三",
    }
    fields.update(changes)
    return EnvelopeConfig(**fields)


def build(*, config: EnvelopeConfig | None = None, now: datetime = NOW, **kw: Any) -> dict[str, Any]:
    args: dict[str, Any] = {"infno": "1101", "msgid": MSGID, "input": {"data": {"mdtrt_cert_type": "02"}}}
    args.update(kw)
    return build_envelope(config or make_config(), now=now, **args)


def codes(exc: DataValidationError) -> dict[str, int]:
    return {e.path: e.code for e in exc.errors}


def test_envelope_has_every_field_in_the_bureau_order() -> None:
    envelope = build(sign_no="12345678")
    assert tuple(envelope) == ENVELOPE_FIELDS
    assert envelope == {
        "infno": "1101",
        "msgid": MSGID,
        "mdtrtarea_admvs": "440300",
        "insuplc_admdvs": "",
        "recer_sys_code": "YBXT",
        "dev_no": "",
        "dev_safe_info": "",
        "cainfo": "",
        "signtype": "",
        "infver": "V1.0",
        "opter_type": "1",
        "opter": "001",
        "opter_name": "张三",
        "inf_time": "2025-07-14 10:30:00",
        "fixmedins_code": "H12345678901",
        "fixmedins_name": "深圳市某某人民医院",
        "sign_no": "12345678",
        "input": {"data": {"mdtrt_cert_type": "02"}},
    }


def test_inf_time_is_beijing_time_whatever_the_clock_zone() -> None:
    assert build(now=datetime(2025, 12, 31, 16, 0, 1, tzinfo=UTC))["inf_time"] == "2026-01-01 00:00:01"
    assert build(now=datetime(2025, 7, 14, 10, 30))["inf_time"] == "2025-07-14 10:30:00"  # naive = Beijing


def test_per_call_overrides_win_over_config() -> None:
    envelope = build(opter="kiosk-07", opter_type=2, opter_name="自助机", signtype="MOCK", dev_no=None)
    assert (envelope["opter"], envelope["opter_type"], envelope["opter_name"]) == ("kiosk-07", "2", "自助机")
    assert envelope["signtype"] == "MOCK"
    assert envelope["dev_no"] == ""  # None means "not given"
    assert make_config().opter == "001"  # the config is untouched


def test_unknown_override_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="opter_nmae"):
        build(opter_nmae="李四")


def test_with_options_returns_a_checked_copy() -> None:
    base = make_config()
    other = base.with_options(opter="002")
    assert (base.opter, other.opter) == ("001", "002")
    with pytest.raises(DataValidationError):
        base.with_options(mdtrtarea_admvs="4403")
    with pytest.raises(AttributeError):
        base.opter = "003"  # type: ignore[misc]


@pytest.mark.parametrize(
    "node",
    [
        {"data": {"psn_no": "43000011111111111111"}},
        {"mdtrtinfo": {"mdtrt_id": "1"}, "diseinfo": [{"diag_code": "A01", "psn_no": "4300001"}]},
        {"feedetail": [[{"x": 1}, {"psn_no": "4300001"}]]},
        {"psn_no": "4300001"},
    ],
)
def test_insuplc_admdvs_is_required_when_input_carries_psn_no(node: dict[str, Any]) -> None:
    assert carries_psn_no(node)
    with pytest.raises(DataValidationError) as info:
        build(input=node)
    (error,) = info.value.errors
    assert (error.code, error.path) == (30002, "insuplc_admdvs")
    assert "input 含 psn_no 时必须提供参保地医保区划" in str(info.value)

    assert build(input=node, insuplc_admdvs="430100")["insuplc_admdvs"] == "430100"
    assert build(input=node, config=make_config(insuplc_admdvs="440300"))["insuplc_admdvs"] == "440300"


@pytest.mark.parametrize(
    "node", [{"data": {"psn_no": ""}}, {"data": {"psn_no": None}}, {"signIn": {"ip": "x"}}]
)
def test_no_psn_no_means_no_insuplc_admdvs_needed(node: dict[str, Any]) -> None:
    assert not carries_psn_no(node)
    assert build(input=node)["insuplc_admdvs"] == ""


def test_every_field_problem_is_reported_at_once() -> None:
    with pytest.raises(DataValidationError) as info:
        build(
            infno="22O7",
            msgid=MSGID[:-1],
            fixmedins_code="H" * 31,
            mdtrtarea_admvs="44030A",
            opter_type="4",
            opter="",
            sign_no="9" * 31,
            insuplc_admdvs="43",
        )
    assert codes(info.value) == {
        "infno": 30003,
        "msgid": 30003,
        "insuplc_admdvs": 30003,
        "mdtrtarea_admvs": 30003,
        "opter_type": 30003,
        "opter": 30002,
        "fixmedins_code": 30004,
        "sign_no": 30004,
    }
    assert info.value.code == 30010  # several codes → the umbrella code


def test_province_infno_variants_and_long_codes_are_accepted() -> None:
    envelope = build(infno="2207A", fixmedins_code="P" * 30, fixmedins_name="院" * 200)
    assert envelope["infno"] == "2207A"


def test_config_is_checked_when_built() -> None:
    with pytest.raises(DataValidationError) as info:
        make_config(opter_type=9, recer_sys_code="X" * 11, fixmedins_name="")
    assert codes(info.value) == {"opter_type": 30003, "recer_sys_code": 30004, "fixmedins_name": 30002}
    assert make_config(opter_type=3).opter_type == "3"


def test_input_must_be_an_object() -> None:
    with pytest.raises(DataValidationError) as info:
        build(input=["not", "an", "object"])
    assert codes(info.value) == {"input": 30003}


def test_decimal_amounts_stay_exact_in_the_bytes() -> None:
    node = {"data": {"psn_no": "4300001", "medfee_sumamt": Decimal("12.50"), "cnt": Decimal("2.0000")}}
    body = encode_envelope(build(infno="2207", input=node, insuplc_admdvs="430100"))
    assert b'"medfee_sumamt":12.50,"cnt":2.0000' in body
    assert "深圳市某某人民医院".encode() in body
    assert b", " not in body and b": " not in body
    assert loads(body)["input"]["data"]["medfee_sumamt"] == Decimal("12.50")


def test_default_clock_is_now_in_beijing() -> None:
    envelope = build_envelope(make_config(), infno="9001", msgid=MSGID, input={"signIn": {}})
    stamp = datetime.strptime(envelope["inf_time"], "%Y-%m-%d %H:%M:%S")
    beijing_now = datetime.now(UTC).replace(tzinfo=None) + (datetime(2000, 1, 1, 8) - datetime(2000, 1, 1))
    assert abs((beijing_now - stamp).total_seconds()) < 5
