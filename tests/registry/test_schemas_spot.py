"""Spot checks of the bureau field tables (registry/schemas): the important layouts, by hand."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from medical_insurance_sdk.exceptions import DataValidationError
from medical_insurance_sdk.registry.field_models import build_message_model
from medical_insurance_sdk.registry.fields import Schema
from medical_insurance_sdk.registry.schemas import SCHEMAS
from medical_insurance_sdk.registry.validation import validate_message


def request_model(infno: str) -> Any:
    return build_message_model(f"Spot{infno}In", SCHEMAS[infno].request, flavour="request")


def response_model(infno: str) -> Any:
    return build_message_model(f"Spot{infno}Out", SCHEMAS[infno].response, flavour="response")


def codes_at(exc: DataValidationError) -> set[tuple[int, str]]:
    return {(e.code, e.path) for e in exc.errors}


# A 2207 门诊结算 input as a HIS sends it (amounts partly as strings or numbers, no invono).
INPUT_2207: dict[str, Any] = {
    "data": {
        "psn_no": "43000030281000128715",
        "mdtrt_cert_type": "02",
        "mdtrt_cert_no": "430281199001010011",
        "med_type": "11",
        "medfee_sumamt": "128.50",
        "psn_setlway": "01",
        "mdtrt_id": "430200G0000012345678",
        "chrg_bchno": "CB202507140001",
        "acct_used_flag": "1",
        "insutype": "310",
        "fulamt_ownpay_amt": 0,
        "overlmt_selfpay": "0.00",
        "preselfpay_amt": 12.5,
        "inscp_scp_amt": "116.00",
    }
}


def test_2207_real_input_passes() -> None:
    model = validate_message(request_model("2207"), INPUT_2207, infno="2207")
    data = model.data  # type: ignore[attr-defined]
    assert data.medfee_sumamt == Decimal("128.50")
    assert data.preselfpay_amt == Decimal("12.5")
    assert data.invono is None


def test_2207_empty_optional_field_passes() -> None:
    payload = copy.deepcopy(INPUT_2207)
    payload["data"]["invono"] = ""
    validate_message(request_model("2207"), payload, infno="2207")


def _broken_2207(**changes: Any) -> DataValidationError:
    payload = copy.deepcopy(INPUT_2207)
    for key, value in changes.items():
        if value is None:
            del payload["data"][key]
        else:
            payload["data"][key] = value
    with pytest.raises(DataValidationError) as info:
        validate_message(request_model("2207"), payload, infno="2207")
    return info.value


def test_2207_missing_mdtrt_id_is_30002() -> None:
    assert (30002, "data.mdtrt_id") in codes_at(_broken_2207(mdtrt_id=None))


def test_2207_overlong_psn_no_is_30004() -> None:
    assert (30004, "data.psn_no") in codes_at(_broken_2207(psn_no="4" * 31))


def test_2207_unknown_insutype_is_30003() -> None:
    assert (30003, "data.insutype") in codes_at(_broken_2207(insutype="999"))


def test_2207_amount_with_three_decimals_is_30003() -> None:
    assert (30003, "data.medfee_sumamt") in codes_at(_broken_2207(medfee_sumamt="128.505"))


def test_2207_every_problem_is_reported_together() -> None:
    exc = _broken_2207(mdtrt_id=None, psn_no="4" * 31, insutype="999", med_type=None)
    assert {(30002, "data.mdtrt_id"), (30004, "data.psn_no"), (30003, "data.insutype")} <= codes_at(exc)
    assert (30002, "data.med_type") in codes_at(exc)


def test_2206_has_no_2207_only_fields() -> None:
    names = {f.name for f in SCHEMAS["2206"].request[0].fields}
    assert "invono" not in names and "fulamt_ownpay_amt" not in names
    assert {"mdtrt_id", "chrg_bchno", "acct_used_flag"} <= names


def _fee_row(i: int) -> dict[str, Any]:
    return {
        "feedetl_sn": f"FD{i:06d}",
        "mdtrt_id": "430200G0000012345678",
        "psn_no": "43000030281000128715",
        "chrg_bchno": "CB202507140001",
        "rx_circ_flag": "0",
        "fee_ocur_time": "2025-07-14 10:30:00",
        "med_list_codg": "XA01BAA001A001010100001",
        "medins_list_codg": "YP0001",
        "det_item_fee_sumamt": "25.00",
        "cnt": "2",
        "pric": "12.5",
        "bilg_dept_codg": "001",
        "bilg_dept_name": "内科",
        "bilg_dr_codg": "D001",
        "bilg_dr_name": "李四",
        "hosp_appr_flag": "1",
    }


def test_2204_feedetail_rows_pass_up_to_1000() -> None:
    validate_message(request_model("2204"), {"feedetail": [_fee_row(i) for i in range(1000)]})


def test_2204_feedetail_over_1000_rows_is_30004() -> None:
    with pytest.raises(DataValidationError) as info:
        validate_message(request_model("2204"), {"feedetail": [_fee_row(i) for i in range(1001)]})
    assert (30004, "feedetail") in codes_at(info.value)


def test_2204_bad_row_names_its_index() -> None:
    rows = [_fee_row(0), {**_fee_row(1), "pric": "1.1234567"}]
    with pytest.raises(DataValidationError) as info:
        validate_message(request_model("2204"), {"feedetail": rows})
    assert (30003, "feedetail[1].pric") in codes_at(info.value)


def test_2301_is_the_2204_row_reworked() -> None:
    row = {f.name: f for f in SCHEMAS["2301"].request[0].fields}
    assert not {"chrg_bchno", "rxno", "rx_circ_flag", "exp_content"} & set(row)
    assert row["med_type"].required and row["med_type"].dictionary == "med_type"
    assert not row["hosp_appr_flag"].required
    assert SCHEMAS["2301"].request[0].max_items == 1000


# A 2207 answer in the shape real platforms send: numbers as strings, "" for empty, extra keys.
OUTPUT_2207: dict[str, Any] = {
    "setlinfo": {
        "mdtrt_id": "430200G0000012345678",
        "setl_id": "430200G0000087654321",
        "psn_no": "43000030281000128715",
        "psn_name": "张三",
        "age": "35.0",
        "brdy": "1990-01-01",
        "setl_time": "2025-07-14 10:31:02",
        "medfee_sumamt": "128.50",
        "fund_pay_sumamt": 80,
        "psn_part_amt": "48.5",
        "acct_pay": "48.50",
        "psn_cash_pay": "0",
        "hosp_part_amt": "",
        "pool_prop_selfpay": "0.7000",
        "balc": 1500.25,
        "clr_type": "11",
        "psn_pay": "48.50",  # extra key seen in real answers
    },
    "setldetail": {
        "fund_pay_type": "310100",
        "fund_payamt": "80.00",
        "setl_proc_info": "",
    },
}


def test_2207_response_is_tolerant() -> None:
    out = response_model("2207").model_validate(OUTPUT_2207)
    info = out.setlinfo
    assert info.medfee_sumamt == Decimal("128.50")
    assert info.fund_pay_sumamt == Decimal(80)
    assert info.hosp_part_amt is None
    assert info.pool_prop_selfpay == Decimal("0.7000")
    assert info.balc == Decimal("1500.25")
    # identity that holds in real settlements: psn_part_amt = acct_pay + psn_cash_pay
    assert info.psn_part_amt == info.acct_pay + info.psn_cash_pay
    # an object where the table says list is read as a one-row list
    assert [row.fund_payamt for row in out.setldetail] == [Decimal("80.00")]
    assert out.setldetail[0].setl_proc_info is None


def test_1101_layout() -> None:
    nodes = {n.name: n for n in SCHEMAS["1101"].response}
    assert not nodes["baseinfo"].many
    assert nodes["insuinfo"].many and nodes["idetinfo"].many
    out = response_model("1101").model_validate(
        {"baseinfo": {"psn_no": "1", "age": "35.1"}, "insuinfo": {"balc": "10.00", "insutype": "310"}}
    )
    assert out.baseinfo.age == Decimal("35.1")
    assert out.insuinfo[0].balc == Decimal("10.00")


def test_node_names_are_the_bureau_ones() -> None:
    def names(infno: str, side: str = "request") -> tuple[str, ...]:
        schema: Schema = SCHEMAS[infno]
        return tuple(n.name for n in getattr(schema, side))

    assert names("9001") == ("signIn",) and names("9001", "response") == ("signinoutb",)
    assert names("9002") == ("signOut",) and names("9002", "response") == ("signoutoutb",)
    assert names("9101") == ("fsUploadIn",) and names("9102") == ("fsDownloadIn",)
    assert names("9102", "response") == ()
    assert names("2203") == ("mdtrtinfo", "diseinfo")
    assert names("2401") == ("mdtrtinfo", "diseinfo") and names("2401", "response") == ("result",)
    assert names("2402") == ("dscginfo", "diseinfo")
    assert names("2403") == ("adminfo", "diseinfo")
    assert names("2201", "response") == ("data",)
    assert names("3201", "response") == ("stmtinfo",)
    assert names("3202", "response") == ("fileinfo",)
    assert "in" in {f.name for f in SCHEMAS["9101"].request[0].fields}


def test_diseinfo_is_capped_at_50() -> None:
    for infno in ("2203", "2401", "2402", "2403"):
        disease = next(n for n in SCHEMAS[infno].request if n.name == "diseinfo")
        assert disease.many and disease.max_items == 50


def test_2401_result_is_an_object_with_mdtrt_id() -> None:
    out = response_model("2401").model_validate({"result": {"mdtrt_id": "430200G01"}})
    assert out.result.mdtrt_id == "430200G01"


def test_catalogue_downloads_take_ver() -> None:
    for infno in (
        "1301",
        "1302",
        "1303",
        "1305",
        "1306",
        "1307",
        "1308",
        "1309",
        "1310",
        "1311",
        "1313",
        "1314",
        "1315",
    ):
        schema = SCHEMAS[infno]
        assert schema.level == "full"
        (data,) = schema.request
        assert data.field("ver").required and data.field("ver").length == 20
    with pytest.raises(DataValidationError) as info:
        validate_message(request_model("1301"), {"data": {}})
    assert (30002, "data.ver") in codes_at(info.value)


def test_full_schemas_are_many() -> None:
    full = [infno for infno, schema in SCHEMAS.items() if schema.level == "full"]
    assert len(full) >= 60
    assert {"9001", "1101", "2207", "2304", "2401", "2601", "3201", "5203"} <= set(full)


def test_every_declared_schema_has_a_source_and_builds() -> None:
    for infno, schema in SCHEMAS.items():
        assert schema.level in ("full", "partial"), infno
        assert schema.source, infno
        request_model(infno)
        response_model(infno)
