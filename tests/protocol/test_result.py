"""Bureau answers: tolerant parsing (reference §9), infcode classes, one raise, HTTP answers, 9102 files."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medical_insurance_sdk.exceptions import (
    AuthenticationError,
    BureauError,
    BureauRefusalError,
    BureauTimeoutError,
    DuplicateMessageError,
    FileError,
    InterfaceError,
    RateLimitError,
    ResponseFormatError,
)
from medical_insurance_sdk.protocol.jsoncodec import dumps, loads
from medical_insurance_sdk.protocol.result import (
    BureauResult,
    FileAnswer,
    TransportAnswer,
    parse_http_answer,
    parse_result,
    raise_for_answer,
    raise_for_result,
    split_trace,
    transport_error,
)

MSGID = "H12345678901202507141030000001"
TRACE = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"

ANSWER_1101 = b"""{"infcode":0,"inf_refmsgid":"440300202507141030000000000123",
"refmsg_time":"20250714103000123","respond_time":"20250714103000456","err_msg":null,"warn_msg":null,"cainfo":null,"signtype":null,"enctype":null,
"output":{"baseinfo":{"psn_no":"44000011111111111111","psn_cert_type":"01","certno":"440301199001011234",
"psn_name":"\xe5\xbc\xa0\xe4\xb8\x89","gend":"1","naty":"01","brdy":"1990-01-01","age":35.5},
"insuinfo":[{"balc":1234.56,"insutype":"310","psn_type":"11","psn_insu_stas":"1","psn_insu_date":"2010-01-01",
"paus_insu_date":null,"cvlserv_flag":"0","insuplc_admdvs":"440300","emp_name":"\xe6\x9f\x90\xe5\x85\xac\xe5\x8f\xb8"}],
"idetinfo":[]}}"""

ANSWER_2207 = {
    "infcode": "0",
    "inf_refmsgid": "",
    "err_msg": "成功",
    "appname": "fsi",
    "mid": "x",
    "output": {
        "setlinfo": {
            "setl_id": "440300S0000001",
            "medfee_sumamt": "1505.01",
            "fund_pay_sumamt": "800.00",
            "psn_part_amt": "200.00",
            "hosp_part_amt": "505.01",
            "acct_pay": "",
            "psn_cash_pay": "200.000000",
            "medins_setl_id": MSGID,
        },
        "setldetail": {"fund_pay_type": "310100", "fund_payamt": "800.00"},
    },
}

FAILURE = {
    "infcode": -1,
    "inf_refmsgid": "",
    "refmsg_time": "20250714103000123",
    "respond_time": "20250714103000456",
    "err_msg": f"就诊凭证编号不能为空({TRACE}@10.1.2.3)",
    "warn_msg": None,
    "output": None,
}


def test_1101_success_answer() -> None:
    result = parse_result(ANSWER_1101)
    assert (result.success, result.kind, result.infcode) == (True, "success", 0)
    assert result.err_msg == "" and result.warn_msg == ""
    assert result.inf_refmsgid == "440300202507141030000000000123"
    assert (result.refmsg_time, result.respond_time) == ("20250714103000123", "20250714103000456")
    assert result.output["baseinfo"]["psn_name"] == "张三"
    assert result.output["insuinfo"][0]["balc"] == Decimal("1234.56")  # never a float
    assert result.trace_id is None and not result.from_gateway


def test_2207_success_with_amounts_as_strings() -> None:
    result = parse_result(ANSWER_2207)
    assert result.success and result.err_msg == ""
    assert result.inf_refmsgid is None
    setl = result.output["setlinfo"]
    assert setl["medfee_sumamt"] == "1505.01"  # as given; the response models convert
    parts = ("fund_pay_sumamt", "psn_part_amt", "hosp_part_amt")
    assert Decimal(setl["medfee_sumamt"]) == sum(Decimal(setl[k]) for k in parts)
    assert result.raw["appname"] == "fsi"


def test_failure_answer_splits_the_trace_suffix() -> None:
    result = parse_result(FAILURE)
    assert (result.success, result.kind, result.infcode) == (False, "system", -1)
    assert result.err_msg == "就诊凭证编号不能为空"
    assert (result.trace_id, result.server_ip) == (TRACE, "10.1.2.3")
    assert result.output is None and result.inf_refmsgid is None


@pytest.mark.parametrize(
    ("infcode", "expected", "kind"),
    [
        (0, 0, "success"),
        ("0", 0, "success"),
        (" 0 ", 0, "success"),
        (Decimal("0.0"), 0, "success"),
        (-1, -1, "system"),
        ("-1", -1, "system"),
        (-2, -2, "business"),
        ("-2", -2, "business"),
        ("1", 1, "system"),
        (-3, -3, "system"),
    ],
)
def test_infcode_as_number_or_string(infcode: Any, expected: int, kind: str) -> None:
    result = parse_result({"infcode": infcode, "output": {"x": 1}})
    assert (result.infcode, result.kind, result.success) == (expected, kind, expected == 0)
    assert not result.from_gateway


@pytest.mark.parametrize(
    "raw", [{}, {"infcode": None}, {"infcode": "abc"}, {"infcode": True}, {"infcode": 0.5}]
)
def test_without_a_readable_infcode_it_is_a_system_failure_from_a_gateway(raw: dict[str, Any]) -> None:
    result = parse_result(raw)
    assert (result.infcode, result.kind, result.from_gateway) == (-1, "system", True)


def test_gateway_errors_in_code_type_style() -> None:
    result = parse_result({"type": "error", "code": "500", "message": "网关转发超时"})
    assert (result.kind, result.from_gateway, result.err_msg) == ("system", True, "网关转发超时")
    tif = parse_result({"type": "error", "infcode": -1, "err_msg": "签名验证失败"})
    assert (tif.kind, tif.from_gateway) == ("system", False)


@pytest.mark.parametrize("word", ["success", "SUCCESS", "成功", " 成功 ", "", None])
def test_success_words_in_err_msg_are_not_errors(word: str | None) -> None:
    assert parse_result({"infcode": 0, "err_msg": word}).err_msg == ""


def test_message_instead_of_err_msg() -> None:
    assert parse_result({"infcode": -1, "message": "参保人不存在"}).err_msg == "参保人不存在"
    assert parse_result({"infcode": "0", "message": "success"}).err_msg == ""


@pytest.mark.parametrize(
    ("raw", "output"),
    [
        ({"infcode": 0, "output": None}, None),
        ({"infcode": 0, "output": {}}, {}),
        ({"infcode": 0}, None),
        ({"infcode": 0, "output": "QUJDRA=="}, "QUJDRA=="),
        ({"infcode": 0, "output": [{"a": 1}]}, [{"a": 1}]),
    ],
)
def test_output_is_kept_as_given(raw: dict[str, Any], output: Any) -> None:
    assert parse_result(raw).output == output


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"就诊凭证编号不能为空({TRACE}@10.1.2.3)", ("就诊凭证编号不能为空", TRACE, "10.1.2.3")),
        (f"余额不足（{TRACE}@10.1.2.3） ", ("余额不足", TRACE, "10.1.2.3")),
        ("明细(第2条)金额错误", ("明细(第2条)金额错误", None, None)),
        ("费用(3条)错误(abc-123@fe80::1)", ("费用(3条)错误", "abc-123", "fe80::1")),
    ],
)
def test_split_trace(text: str, expected: tuple[str, str | None, str | None]) -> None:
    assert split_trace(text) == expected


def test_non_object_json_is_a_format_error() -> None:
    with pytest.raises(ResponseFormatError) as info:
        parse_result(b"[1,2]")
    assert info.value.code == 20004
    with pytest.raises(ResponseFormatError):
        parse_result(b"<html>")


# -- hypothesis: every shape of reference §9 parses, and success is exactly infcode == 0 ----------------

_INFCODES = st.one_of(
    st.integers(-3, 2),
    st.integers(-3, 2).map(str),
    st.sampled_from([None, "", "x", True, Decimal("0.0"), Decimal("-1.0")]),
)
_TEXT = st.one_of(st.none(), st.just(""), st.text(max_size=30))
_OUTPUT: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.just({}),
    st.text(max_size=20),
    st.fixed_dictionaries(
        {"setlinfo": st.fixed_dictionaries({"medfee_sumamt": st.sampled_from(["1.50", "", 0, "2.000000"])})}
    ),
    st.fixed_dictionaries({"insuinfo": st.one_of(st.just({"balc": "1"}), st.just([{"balc": 1}]))}),
)


@st.composite
def answers(draw: st.DrawFn) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    if draw(st.booleans()):
        raw["infcode"] = draw(_INFCODES)
    msg_key = draw(st.sampled_from(["err_msg", "message", None]))
    if msg_key:
        text = draw(_TEXT)
        if text is not None and draw(st.booleans()):
            text += f"({TRACE}@10.1.2.3)"
        raw[msg_key] = text
    for key in ("output", "inf_refmsgid", "warn_msg", "refmsg_time", "appname", "mid", "enctype", "type"):
        if draw(st.booleans()):
            raw[key] = draw(_OUTPUT if key == "output" else _TEXT)
    return raw


def _expected_infcode(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value).strip())
    except Exception:
        return None
    return int(number) if number == number.to_integral_value() else None


@given(answers())
def test_every_variation_parses(raw: dict[str, Any]) -> None:
    # Through bytes too: what arrives is JSON text.
    for result in (parse_result(raw), parse_result(dumps(raw))):
        expected = _expected_infcode(raw.get("infcode"))
        assert result.success == (expected == 0)
        assert result.from_gateway == (expected is None)
        assert result.kind == ("success" if expected == 0 else "business" if expected == -2 else "system")
        assert TRACE not in result.err_msg
        assert result.output == raw.get("output")
        if not result.success:
            with pytest.raises(InterfaceError) as info:
                raise_for_result(result, infno="2207", msgid=MSGID)
            assert info.value.msgid == MSGID


# -- raise_for_result: the one mapping onto the exception tree ------------------------------------------


def test_success_is_returned() -> None:
    result = parse_result(ANSWER_1101)
    assert raise_for_result(result, infno="1101", msgid=MSGID) is result


def test_system_failure_raises_bureau_error() -> None:
    with pytest.raises(BureauError) as info:
        raise_for_result(parse_result(FAILURE), infno="2207", msgid=MSGID)
    exc = info.value
    assert (exc.code, exc.infcode, exc.message) == (20006, -1, "就诊凭证编号不能为空")
    assert (exc.trace_id, exc.infno, exc.msgid) == (TRACE, "2207", MSGID)
    assert exc.details == {"infcode": -1, "kind": "system", "server_ip": "10.1.2.3"}
    assert exc.retry is True and exc.http_status == 502
    assert str(exc) == "【2207】20006 - 就诊凭证编号不能为空"


def test_business_failure_is_a_refusal_with_a_4xx_code_not_retryable() -> None:
    with pytest.raises(BureauError) as info:  # still a BureauError: compensation catches that
        raise_for_result(
            parse_result({"infcode": -2, "err_msg": f"个人账户余额不足({TRACE}@10.1.2.3)"}),
            infno="2207",
            msgid=MSGID,
        )
    exc = info.value
    assert type(exc) is BureauRefusalError
    assert (exc.infcode, exc.retry, exc.details["kind"]) == (-2, False, "business")
    assert (exc.code, exc.http_status, exc.message) == (50003, 409, "个人账户余额不足")
    assert (exc.trace_id, exc.msgid) == (TRACE, MSGID)


@pytest.mark.parametrize(
    ("err_msg", "code"),
    [
        ("人员信息不存在", 50001),
        ("该参保人的基本信息为空", 50001),
        ("查无此人", 50001),
        ("参保人员参保状态异常", 50002),
        ("参保人员无该险种参保信息（险种类型310）", 50002),
        ("个人账户余额不足", 50003),
        ("超出年度统筹基金最高支付限额", 50004),
        ("药品不在医保目录内", 50005),
        ("该项目未对照医保目录", 50005),
        ("医疗类别[41]不能办理门诊结算", 50006),
        ("险种类型[390]不能办理结算", 50006),
        ("该就诊已结算，不能上传费用明细", 50007),
        ("无待结算的费用明细", 50007),
        ("该参保人未办理出院，不能办理出院结算", 50007),
        ("该就诊已结算，不能重复结算", 50008),
        ("该结算已撤销，不能重复撤销", 50009),
        ("原结算已撤销，不能冲正", 50009),
        # no pattern: the default business code, whatever the text says
        ("人员编号与就诊信息不符", 50010),
        ("data.psn_no 人员编号不能为空", 50010),
        ("就诊信息不存在", 50010),
        ("", 50010),
    ],
)
def test_a_business_refusal_gets_the_code_its_text_names(err_msg: str, code: int) -> None:
    with pytest.raises(BureauRefusalError) as info:
        raise_for_result(parse_result({"infcode": -2, "err_msg": err_msg}), infno="2207", msgid=MSGID)
    assert info.value.code == code
    assert 400 <= info.value.http_status < 500 and info.value.retry is False
    assert info.value.message == (err_msg or "业务流程异常")


@pytest.mark.parametrize("err_msg", ["人员信息不存在", "该就诊已结算，不能重复结算", "个人账户余额不足"])
def test_a_system_failure_is_never_given_a_business_code(err_msg: str) -> None:
    # -1 leaves the outcome of a write unknown: it stays 20006 / 502 whatever its text
    with pytest.raises(BureauError) as info:
        raise_for_result(parse_result({"infcode": -1, "err_msg": err_msg}), infno="2207", msgid=MSGID)
    assert type(info.value) is BureauError
    assert (info.value.code, info.value.http_status, info.value.infcode) == (20006, 502, -1)


def test_a_duplicate_msgid_refused_as_business_is_still_20007() -> None:
    with pytest.raises(DuplicateMessageError):
        raise_for_result(parse_result({"infcode": -2, "err_msg": "报文ID重复"}), infno="2207", msgid=MSGID)


def test_failure_without_text_uses_the_table_message() -> None:
    with pytest.raises(BureauError) as info:
        raise_for_result(parse_result({"infcode": -1, "err_msg": None}), infno="2201", msgid=MSGID)
    assert info.value.message == "医保局接口异常"


@pytest.mark.parametrize(
    ("err_msg", "cls", "code"),
    [
        (f"报文ID重复({TRACE}@10.1.2.3)", DuplicateMessageError, 20007),
        ("发送方报文ID已存在", DuplicateMessageError, 20007),
        ("msgid 重复，请勿重复提交", DuplicateMessageError, 20007),
        ("签名验证失败", AuthenticationError, 20008),
        ("验签失败：x-tif-signature 不正确", AuthenticationError, 20008),
        ("invalid signature", AuthenticationError, 20008),
        ("处方未完成医保电子签名", BureauError, 20006),  # a business text that merely mentions 签名
        ("该参保人的基本信息为空", BureauError, 20006),
    ],
)
def test_err_msg_patterns_pick_the_code(err_msg: str, cls: type[Exception], code: int) -> None:
    with pytest.raises(cls) as info:
        raise_for_result(parse_result({"infcode": -1, "err_msg": err_msg}), infno="2207", msgid=MSGID)
    assert type(info.value) is cls
    assert info.value.code == code  # type: ignore[attr-defined]
    assert info.value.details["infcode"] == -1  # type: ignore[attr-defined]


# -- parse_http_answer: bureau answer, file, or no bureau answer ---------------------------------------


def test_json_answer_whatever_the_content_type() -> None:
    body = json.dumps(FAILURE, ensure_ascii=False).encode()
    for content_type in ("application/json;charset=UTF-8", "text/plain", None):
        answer = parse_http_answer(200, content_type, body, infno="2207")
        assert isinstance(answer, BureauResult) and answer.err_msg == "就诊凭证编号不能为空"


def test_declared_charset_is_honoured() -> None:
    body = '{"infcode":-1,"err_msg":"参保人不存在"}'.encode("gbk")
    answer = parse_http_answer(200, "application/json; charset=GBK", body, infno="1101")
    assert isinstance(answer, BureauResult) and answer.err_msg == "参保人不存在"


@pytest.mark.parametrize("body", [b"", b"{not json", b"[1]", b"\xff\xfe"])
def test_unreadable_2xx_body_is_a_format_error(body: bytes) -> None:
    with pytest.raises(ResponseFormatError) as info:
        parse_http_answer(200, "application/json", body, infno="2207")
    assert (info.value.code, info.value.infno) == (20004, "2207")


def test_bureau_json_on_an_http_error_is_still_a_bureau_answer() -> None:
    answer = parse_http_answer(500, "application/json", dumps(FAILURE), infno="2207")
    assert isinstance(answer, BureauResult) and answer.kind == "system"


@pytest.mark.parametrize(
    ("status", "content_type", "body", "cls", "code", "unknown"),
    [
        # 20003 接口调用失败: nobody at the bureau answered, so not a BureauError.
        (502, "text/html", b"<html>502 Bad Gateway</html>", InterfaceError, 20003, True),
        (500, "application/json", b'{"status":500,"error":"Internal"}', InterfaceError, 20003, True),
        (504, "text/html", b"<html>gateway timeout</html>", BureauTimeoutError, 20005, True),
        (429, "application/json", b'{"code":429,"message":"too many"}', RateLimitError, 10004, False),
        (401, "application/json", '{"code":401,"message":"签名错误"}'.encode(), AuthenticationError, 20008,
         False),
    ],
)  # fmt: skip
def test_no_bureau_answer(
    status: int, content_type: str, body: bytes, cls: type[Exception], code: int, unknown: bool
) -> None:
    answer = parse_http_answer(status, content_type, body, infno="2207")
    assert isinstance(answer, TransportAnswer)
    assert answer.status_code == status and answer.outcome_unknown is unknown
    exc = transport_error(answer, infno="2207", msgid=MSGID)
    assert type(exc) is cls and exc.code == code
    assert exc.details == {"upstream_status": status, "bureau_answered": False, "outcome_unknown": unknown}
    assert f"HTTP {status}" in exc.message
    assert getattr(exc, "infcode", None) is None
    with pytest.raises(cls):
        raise_for_answer(answer, infno="2207", msgid=MSGID)


ZIP = b"PK\x03\x04" + bytes(range(256)) * 4


@pytest.mark.parametrize(
    ("disposition", "filename"),
    [
        ('attachment; filename="1301_20250714.zip"', "1301_20250714.zip"),
        ("attachment; filename*=UTF-8''%E7%9B%AE%E5%BD%95.zip", "目录.zip"),
        ('attachment; filename="../../etc/passwd"', "passwd"),
        ('attachment; filename="C:\\tmp\\a.zip"', "a.zip"),
        (None, None),
    ],
)
def test_9102_file_answer(disposition: str | None, filename: str | None) -> None:
    answer = parse_http_answer(
        200, "application/octet-stream", ZIP, infno="9102", file=True, content_disposition=disposition
    )
    assert answer == FileAnswer(ZIP, filename, "application/octet-stream")
    assert raise_for_answer(answer, infno="9102", msgid=MSGID, file=True) is answer


@pytest.mark.parametrize("content_type", ["application/json", "application/octet-stream", "text/plain"])
def test_9102_json_is_an_error_answer(content_type: str) -> None:
    body = dumps({"infcode": -1, "err_msg": "文件不存在或已过期", "output": None})
    answer = parse_http_answer(200, content_type, body, infno="9102", file=True)
    assert isinstance(answer, BureauResult) and not answer.success
    with pytest.raises(BureauError):
        raise_for_answer(answer, infno="9102", msgid=MSGID, file=True)


def test_9102_json_success_without_a_file_is_a_file_error() -> None:
    body = b'{"infcode":0,"output":null}'
    answer = parse_http_answer(200, "application/json", body, infno="9102", file=True)
    with pytest.raises(FileError) as info:
        raise_for_answer(answer, infno="9102", msgid=MSGID, file=True)
    assert info.value.code == 40004


def test_9102_http_error_without_json_is_no_bureau_answer() -> None:
    answer = parse_http_answer(502, "text/html", b"<html>bad gateway</html>", infno="9102")
    assert isinstance(answer, TransportAnswer) and answer.outcome_unknown


def test_answers_parse_amounts_as_decimal_from_bytes() -> None:
    answer = parse_http_answer(200, "application/json", ANSWER_1101, infno="1101")
    assert isinstance(answer, BureauResult)
    assert answer.output == loads(ANSWER_1101)["output"]
    assert isinstance(answer.output["baseinfo"]["age"], Decimal)
