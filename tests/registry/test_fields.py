"""The field-table DSL and the models built from it (no registry needed)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from medical_insurance_sdk.exceptions import DataValidationError
from medical_insurance_sdk.registry.field_models import build_message_model
from medical_insurance_sdk.registry.fields import (
    extend,
    nested_fields,
    node,
    parse_fields,
)
from medical_insurance_sdk.registry.samples import sample_message
from medical_insurance_sdk.registry.validation import (
    format_path,
    relaxed_nodes,
    validate_message,
    validate_relaxed,
)

SETTLE = node(
    "data",
    """
    psn_no          人员编号        C30    Y
    insutype        险种类型        C6     Y  @insutype
    medfee_sumamt   医疗费总额      N16,2  Y
    begntime        开始时间        DT     Y
    brdy            出生日期        D
    age             年龄            N4,1
    diag_srt_no     诊断排序号      I2
    memo            备注            C      N
    """,
)
FEES = node(
    "feedetail",
    """
    feedetl_sn  费用明细流水号  C30    Y
    cnt         数量            N16,4  Y
    pric        单价            N16,6  Y
    """,
    many=True,
    max_items=3,
)
REQUEST = build_message_model("SampleInput", (SETTLE, FEES), flavour="request")
RESPONSE = build_message_model("SampleOutput", (SETTLE, FEES), flavour="response")


def valid() -> dict:
    return {
        "data": {
            "psn_no": "430000",
            "insutype": "310",
            "medfee_sumamt": "100.50",
            "begntime": "2025-07-14 10:00:00",
        },
        "feedetail": [{"feedetl_sn": "1", "cnt": 2, "pric": "12.500000"}],
    }


def codes(exc: DataValidationError) -> list[tuple[int, str]]:
    return [(e.code, e.path) for e in exc.errors]


def test_parse_fields_reads_types_lengths_and_flags():
    (f,) = parse_fields("medfee_sumamt 医疗费总额 N16,2 Y")
    assert (f.kind, f.length, f.scale, f.required, f.type_text) == ("decimal", 16, 2, True, "N16,2")
    (g,) = parse_fields("insutype 险种类型 C6 C @insutype")
    assert (g.kind, g.length, g.required, g.dictionary) == ("str", 6, False, "insutype")


@pytest.mark.parametrize(
    "line",
    ["x 中文", "x 中文 Q9", "x 中文 N16", "x 中文 C6 Y @no_such_dictionary", "x 中文 C6 maybe"],
)
def test_parse_fields_rejects_malformed_lines(line):
    with pytest.raises(ValueError):
        parse_fields(line)


def test_duplicate_fields_are_rejected():
    with pytest.raises(ValueError, match="duplicate"):
        parse_fields("a 甲 C1\na 乙 C2")


def test_valid_message_passes_and_keeps_text_formats():
    m = validate_message(REQUEST, valid())
    assert m.data.medfee_sumamt == Decimal("100.50")
    assert m.data.begntime == "2025-07-14 10:00:00"
    assert m.feedetail[0].pric == Decimal("12.500000")


def test_every_problem_is_reported_with_code_and_path():
    payload = valid()
    payload["data"].update(psn_no="x" * 31, insutype="999", medfee_sumamt="1.234", begntime="2025/07/14")
    del payload["feedetail"][0]["feedetl_sn"]
    with pytest.raises(DataValidationError) as info:
        validate_message(REQUEST, payload, infno="2207")
    assert codes(info.value) == [
        (30004, "data.psn_no"),
        (30003, "data.insutype"),
        (30003, "data.medfee_sumamt"),
        (30003, "data.begntime"),
        (30002, "feedetail[0].feedetl_sn"),
    ]
    assert info.value.code == 30010  # several kinds at once: 数据验证失败
    assert "30002 - 必填字段缺失: feedetail[0].feedetl_sn" in info.value.message
    assert info.value.infno == "2207"


def test_a_value_outside_a_dictionary_names_the_allowed_values():
    payload = valid()
    payload["data"]["insutype"] = "999"
    with pytest.raises(DataValidationError) as info:
        validate_message(REQUEST, payload)
    (problem,) = info.value.errors
    assert problem.code == 30003 and problem.path == "data.insutype"
    # a short dictionary (14 values) in full, with its labels
    assert problem.detail.startswith(
        "取值 999 不在字典 insutype 中，可选: 310 职工基本医疗保险、320 公务员医疗补助"
    )
    assert problem.detail.endswith("410 长期照护保险、510 生育保险")


def test_a_long_dictionary_is_named_by_its_first_values_and_its_count():
    model = build_message_model("NatyInput", (node("data", "naty 民族 C3 Y @naty"),), flavour="request")
    with pytest.raises(DataValidationError) as info:
        validate_message(model, {"data": {"naty": "99"}})
    (problem,) = info.value.errors
    assert problem.detail == (
        "取值 99 不在字典 naty 中，可选: 01 汉族、02 蒙古族、03 回族、04 藏族、05 维吾尔族、06 苗族、"
        "07 彝族、08 壮族、09 布依族、10 朝鲜族 等，共 58 个（全部见 1901 字典表下载）"
    )


def test_single_kind_of_problem_keeps_its_own_code():
    payload = valid()
    del payload["data"]["psn_no"]
    with pytest.raises(DataValidationError) as info:
        validate_message(REQUEST, payload)
    assert info.value.code == 30002
    assert str(info.value) == "30002 - 30002 - 必填字段缺失: data.psn_no"


def test_missing_node_is_30001_and_empty_list_node_too():
    with pytest.raises(DataValidationError) as info:
        validate_message(REQUEST, {"feedetail": []})
    assert codes(info.value) == [(30001, "data"), (30001, "feedetail")]


def test_too_many_rows_is_a_length_error():
    payload = valid()
    payload["feedetail"] = payload["feedetail"] * 4
    with pytest.raises(DataValidationError) as info:
        validate_message(REQUEST, payload)
    assert codes(info.value) == [(30004, "feedetail")]


def test_empty_string_counts_as_missing_for_required_fields():
    payload = valid()
    payload["data"]["psn_no"] = "  "
    with pytest.raises(DataValidationError) as info:
        validate_message(REQUEST, payload)
    assert codes(info.value) == [(30002, "data.psn_no")]


def test_integer_digits_and_decimal_digits_are_length_errors():
    payload = valid()
    payload["data"].update(diag_srt_no=123, age="12345.6")
    with pytest.raises(DataValidationError) as info:
        validate_message(REQUEST, payload)
    assert codes(info.value) == [(30004, "data.age"), (30004, "data.diag_srt_no")]


def test_dates_accept_python_objects_and_render_bureau_text():
    payload = valid()
    payload["data"].update(begntime=datetime(2025, 7, 14, 8, 5, 9), brdy=date(1990, 1, 1))
    m = validate_message(REQUEST, payload)
    assert (m.data.begntime, m.data.brdy) == ("2025-07-14 08:05:09", "1990-01-01")


def test_impossible_date_is_a_format_error():
    payload = valid()
    payload["data"]["brdy"] = "2025-02-30"
    with pytest.raises(DataValidationError) as info:
        validate_message(REQUEST, payload)
    assert codes(info.value) == [(30003, "data.brdy")]


def test_non_object_input_is_a_parse_error():
    with pytest.raises(DataValidationError) as info:
        validate_message(REQUEST, ["not", "an", "object"])
    assert codes(info.value) == [(30009, "input")]


@pytest.mark.parametrize("text", ["0.01", "12345678901234.56", "-505.01", "99999999999999.99", "0.10"])
def test_decimal_round_trips_without_loss(text):
    payload = valid()
    payload["data"]["medfee_sumamt"] = text
    m = validate_message(REQUEST, payload)
    assert str(m.data.medfee_sumamt) == text
    back = validate_message(REQUEST, m.model_dump())
    assert back.data.medfee_sumamt == Decimal(text)
    assert str(RESPONSE.model_validate({"data": {"medfee_sumamt": text}}).data.medfee_sumamt) == text


def test_float_input_becomes_the_decimal_a_person_typed():
    payload = valid()
    payload["data"]["medfee_sumamt"] = 0.1 + 0.2  # 0.30000000000000004: too many places, refused
    with pytest.raises(DataValidationError):
        validate_message(REQUEST, payload)
    payload["data"]["medfee_sumamt"] = 12.5
    assert validate_message(REQUEST, payload).data.medfee_sumamt == Decimal("12.5")


def test_response_model_tolerates_real_world_variations():
    answer = {
        "data": {"psn_no": 430000, "medfee_sumamt": "", "age": "35.0", "unknown_key": 1, "insutype": "999"},
        "feedetail": {"feedetl_sn": "1", "cnt": "2.0000", "pric": 12.5},  # object where a list is expected
    }
    m = RESPONSE.model_validate(answer)
    assert m.data.psn_no == "430000"
    assert m.data.medfee_sumamt is None
    assert m.data.age == Decimal("35.0")
    assert m.data.insutype == "999"  # dictionaries are not enforced on answers
    assert m.feedetail[0].cnt == Decimal("2.0000")
    assert RESPONSE.model_validate({}).data is None


def test_extend_drops_and_adds_fields():
    inpatient = extend(FEES, "drord_no 医嘱号 C30", drop=["pric"])
    assert [f.name for f in inpatient.fields] == ["feedetl_sn", "cnt", "drord_no"]
    assert inpatient.many and inpatient.max_items == 3
    with pytest.raises(ValueError):
        extend(FEES, drop=["nope"])


def test_format_path():
    assert format_path(("feedetail", 0, "feedetl_sn")) == "feedetail[0].feedetl_sn"
    assert format_path(("data",)) == "data"


OPEN = build_message_model("Open", (node("invinfoDetail", ()),), flavour="request")


@pytest.mark.parametrize("value", [{"fixmedins_bchno": "B1"}, [{"fixmedins_bchno": "B1"}], {}, []])
def test_a_node_without_a_field_list_takes_an_object_or_a_list_of_objects(value):
    assert validate_message(OPEN, {"invinfoDetail": value}).model_dump() == {"invinfoDetail": value}


@pytest.mark.parametrize(
    ("payload", "code", "message"),
    [
        ({}, 30001, "30001 - 数据节点缺失: invinfoDetail"),
        ({"invinfoDetail": None}, 30001, "30001 - 数据节点缺失: invinfoDetail"),
        ({"invinfoDetail": ""}, 30001, "30001 - 数据节点缺失: invinfoDetail"),
        ({"invinfoDetail": "B1"}, 30003, "30003 - 字段格式错误: invinfoDetail (应为对象或对象数组)"),
        ({"invinfoDetail": 5}, 30003, "30003 - 字段格式错误: invinfoDetail (应为对象或对象数组)"),
        (
            {"invinfoDetail": [{"a": 1}, "B1"]},
            30003,
            "30003 - 字段格式错误: invinfoDetail (应为对象或对象数组)",
        ),
    ],
)
def test_a_node_without_a_field_list_is_reported_once_at_its_name(payload, code, message):
    # one error at the node's own path, not one per member of "object | list" (data.dict[str,any] …)
    with pytest.raises(DataValidationError) as info:
        validate_message(OPEN, payload)
    assert [(e.code, e.path) for e in info.value.errors] == [(code, "invinfoDetail")]
    assert info.value.message == message


UPLOAD = build_message_model(
    "Upload",
    (node("fsUploadIn", "in  文件数据  J  Y\nfilename  文件名  C1024  Y"),),
    flavour="request",
)


@pytest.mark.parametrize("value", [None, "", "  "])
def test_a_required_json_field_must_be_there(value):
    # null passed as "any JSON value" once, was dropped from the message and refused by the bureau (-1, 502)
    with pytest.raises(DataValidationError) as info:
        validate_message(UPLOAD, {"fsUploadIn": {"in": value, "filename": "a.zip"}})
    assert [(e.code, e.path) for e in info.value.errors] == [(30002, "fsUploadIn.in")]


@pytest.mark.parametrize("value", ["UEsFBg==", [80, 75], {"b": 1}, 0])
def test_a_required_json_field_takes_any_value(value):
    model = validate_message(UPLOAD, {"fsUploadIn": {"in": value, "filename": "a.zip"}})
    assert model.model_dump()["fsUploadIn"]["in"] == value


# --- nested tables ------------------------------------------------------------------------------------------

ORDERS = node(
    "fsi_order_dtos",
    """
    hilist_code  医保目录代码  C8     Y
    cnt          数量          N6,2   Y
    begn_date    开始日期      DT     N
    """,
    many=True,
    max_items=3,
    label="处方(医嘱)信息",
)
INFO = node("mdtrtinfo", "psnNo 医保人员编号 C30 Y", label="就诊信息")
VISITS = node(
    "fsi_encounter_dtos",
    """
    mdtrt_id        就诊标识        C50   Y
    fsi_order_dtos  处方(医嘱)信息  J     Y
    mdtrtinfo       就诊信息        J     N
    """,
    rows=(ORDERS, INFO),
    many=True,
)
PATIENTS = node(
    "patient_dtos", "patn_id 参保人标识 C50 Y\nfsi_encounter_dtos 就诊信息集合 J Y", rows=(VISITS,), many=True
)
REVIEW = node("data", "task_id 任务ID C50 N\npatient_dtos 参保人信息集合 J Y", rows=(PATIENTS,))
NESTED_REQUEST = build_message_model("NestedInput", (REVIEW,), flavour="request")
NESTED_RESPONSE = build_message_model("NestedOutput", (REVIEW,), flavour="response")
VISIT_PATH = "data.patient_dtos[0].fsi_encounter_dtos[0]"


def review(orders) -> dict:
    visit = {"mdtrt_id": "M1", "fsi_order_dtos": orders}
    return {"data": {"patient_dtos": [{"patn_id": "P1", "fsi_encounter_dtos": [visit]}]}}


def order(**changes) -> dict:
    return {"hilist_code": "X001", "cnt": "1", **changes}


def nested_codes(payload) -> list[tuple[int, str]]:
    with pytest.raises(DataValidationError) as info:
        validate_message(NESTED_REQUEST, payload)
    return codes(info.value)


def test_nested_rows_are_validated_with_their_full_path():
    orders = [
        order(),
        order(hilist_code="X" * 9),
        order(cnt="1.234"),
        {"cnt": "1"},
        order(begn_date="2025/07/14"),
    ]
    assert nested_codes(review(orders[:3])) == [
        (30004, f"{VISIT_PATH}.fsi_order_dtos[1].hilist_code"),
        (30003, f"{VISIT_PATH}.fsi_order_dtos[2].cnt"),
    ]
    assert nested_codes(review([orders[3], orders[4]])) == [
        (30002, f"{VISIT_PATH}.fsi_order_dtos[0].hilist_code"),
        (30003, f"{VISIT_PATH}.fsi_order_dtos[1].begn_date"),
    ]


def test_valid_nested_rows_are_typed_and_sent_as_rows():
    m = validate_message(NESTED_REQUEST, review([order(cnt="2.50", begn_date="2025-07-14")]))
    row = m.data.patient_dtos[0].fsi_encounter_dtos[0].fsi_order_dtos[0]
    assert (row.cnt, row.begn_date) == (Decimal("2.50"), "2025-07-14 00:00:00")
    dumped = m.model_dump()["data"]["patient_dtos"][0]["fsi_encounter_dtos"][0]
    assert dumped["fsi_order_dtos"] == [
        {"hilist_code": "X001", "cnt": Decimal("2.50"), "begn_date": "2025-07-14 00:00:00"}
    ]


@pytest.mark.parametrize("value", [None, "", [], {}])
def test_a_required_nested_table_that_is_absent_or_empty_is_30002(value):
    assert nested_codes(review(value)) == [(30002, f"{VISIT_PATH}.fsi_order_dtos")]
    payload = review([order()])
    del payload["data"]["patient_dtos"][0]["fsi_encounter_dtos"]
    assert nested_codes(payload) == [(30002, "data.patient_dtos[0].fsi_encounter_dtos")]


def test_one_object_where_nested_rows_are_declared_is_a_list_of_one():
    payload = review(order())
    payload["data"]["patient_dtos"] = payload["data"]["patient_dtos"][0]  # one patient object, too
    m = validate_message(NESTED_REQUEST, payload)
    assert [o.hilist_code for o in m.data.patient_dtos[0].fsi_encounter_dtos[0].fsi_order_dtos] == ["X001"]


def test_nested_rows_of_the_wrong_shape_or_too_many_are_refused():
    assert nested_codes(review("X001")) == [(30003, f"{VISIT_PATH}.fsi_order_dtos")]
    assert nested_codes(review([order()] * 4)) == [(30004, f"{VISIT_PATH}.fsi_order_dtos")]


def test_a_nested_single_object_is_optional_here_and_checked_when_given():
    payload = review([order()])
    visit = payload["data"]["patient_dtos"][0]["fsi_encounter_dtos"][0]
    visit["mdtrtinfo"] = {"psnNo": ""}
    assert nested_codes(payload) == [(30002, f"{VISIT_PATH}.mdtrtinfo.psnNo")]
    visit["mdtrtinfo"] = [{"psnNo": "1"}]  # one object declared: a list is not it
    assert nested_codes(payload) == [(30003, f"{VISIT_PATH}.mdtrtinfo")]
    visit["mdtrtinfo"] = ""
    assert (
        validate_message(NESTED_REQUEST, payload).data.patient_dtos[0].fsi_encounter_dtos[0].mdtrtinfo is None
    )


def test_nested_response_rows_are_tolerant():
    answer = review({"hilist_code": 123, "cnt": "", "extra": "kept"})
    m = NESTED_RESPONSE.model_validate(answer)
    row = m.data.patient_dtos[0].fsi_encounter_dtos[0].fsi_order_dtos[0]
    assert (row.hilist_code, row.cnt, row.extra) == ("123", None, "kept")
    odd = NESTED_RESPONSE.model_validate(review("[not rows]"))  # kept as the bureau sent it
    assert odd.data.patient_dtos[0].fsi_encounter_dtos[0].fsi_order_dtos == "[not rows]"


def test_rows_must_name_a_json_field_of_the_table():
    with pytest.raises(ValueError, match="no field line"):
        node("data", "a 甲 C1", rows=(ORDERS,))
    with pytest.raises(ValueError, match="type J"):
        node("data", "fsi_order_dtos 医嘱 C1", rows=(ORDERS,))


def test_extend_keeps_nested_tables():
    wider = extend(VISITS, "memo 备注 C10")
    assert wider.field("fsi_order_dtos").rows is ORDERS


def test_nested_fields_walks_every_level():
    paths = [f"{where}.{f.name}" for where, _, f in nested_fields(REVIEW)]
    assert f"{VISIT_PATH}.fsi_order_dtos[0].hilist_code" in paths
    assert f"{VISIT_PATH}.mdtrtinfo.psnNo" in paths


def test_sample_messages_fill_nested_rows():
    sample = sample_message((REVIEW,), items=2)
    assert len(sample["data"]["patient_dtos"][1]["fsi_encounter_dtos"][0]["fsi_order_dtos"]) == 2
    validate_message(NESTED_REQUEST, sample)
    validate_message(NESTED_REQUEST, sample_message((REVIEW,), optional=False))


def test_province_lengths_widen_nested_fields_too():
    wider = relaxed_nodes((REVIEW,), {"hilist_code": 20})
    m = validate_relaxed(
        NESTED_REQUEST, (REVIEW,), review([order(hilist_code="X" * 20)]), {"hilist_code": 20}
    )
    assert m.data.patient_dtos[0].fsi_encounter_dtos[0].fsi_order_dtos[0].hilist_code == "X" * 20
    assert wider != (REVIEW,)
    assert nested_codes(review([order(hilist_code="X" * 20)])) == [
        (30004, f"{VISIT_PATH}.fsi_order_dtos[0].hilist_code")
    ]
