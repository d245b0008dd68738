"""Gateway error answers → the exception tree, through `exception_for` and the error table."""

from __future__ import annotations

import httpx
import pytest
from sdk_support import failure

from medical_insurance_sdk.exceptions import (
    AuthenticationError,
    BureauError,
    BureauRefusalError,
    BusinessError,
    DataValidationError,
    MedicalInsuranceException,
    OutcomeUnknownError,
    PermissionDeniedError,
    RateLimitError,
    ResponseFormatError,
    ServiceUnavailableError,
    UnsupportedInterfaceError,
)
from medical_insurance_sdk.protocol import jsoncodec

PERSON = {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": "X", "psn_cert_type": "01"}}
SETTLE = {"data": {"psn_no": "P1", "mdtrt_id": "M1"}}


def test_422_field_errors_arrive_as_data_validation_error(gateway, sdk) -> None:
    errors = [
        {"code": 30002, "field": "data.mdtrt_id", "message": "30002 - 必填字段缺失: data.mdtrt_id"},
        {
            "code": 30004,
            "field": "data.psn_no",
            "message": "30004 - 字段长度超限: data.psn_no (长度不能超过 30)",
        },
    ]
    gateway.script(failure(30010, "数据验证失败", status=422, data={"errors": errors}))
    with pytest.raises(DataValidationError) as caught:
        sdk.call("2207", SETTLE)
    error = caught.value
    assert [(e.code, e.path) for e in error.errors] == [(30002, "data.mdtrt_id"), (30004, "data.psn_no")]
    assert error.errors[1].detail == "长度不能超过 30"
    assert error.retry is False and error.http_status == 422 and error.infno == "2207"


def test_403_permission(gateway, sdk) -> None:
    gateway.script(failure(10009, "权限不足: 需要 settlement 权限", status=403))
    with pytest.raises(PermissionDeniedError) as caught:
        sdk.call("2207", SETTLE)
    assert caught.value.code == 10009 and caught.value.message.startswith("权限不足")
    assert caught.value.retry is False


def test_unknown_money_outcome_carries_msgid_and_outcome(gateway, sdk) -> None:
    data = {"msgid": "H43028110001202507141030000001", "outcome": "unknown"}
    gateway.script(failure(20005, "医保局结果未知，正在自动核对", status=504, data=data))
    with pytest.raises(OutcomeUnknownError) as caught:
        sdk.call("2207", SETTLE)
    error = caught.value
    assert error.msgid == data["msgid"] and error.outcome == "unknown"
    assert error.retry is False and error.code == 20005
    assert len(gateway.requests) == 1


def test_reversed_outcome(gateway, sdk) -> None:
    gateway.script(
        failure(20005, "已通过 2601 自动冲正", status=504, data={"msgid": "M9", "outcome": "reversed"})
    )
    with pytest.raises(OutcomeUnknownError) as caught:
        sdk.call("2207", SETTLE)
    assert caught.value.outcome == "reversed"


def test_rate_limit_carries_retry_after_from_the_header(gateway, make_sdk) -> None:
    sdk = make_sdk(max_attempts=1)
    gateway.script(failure(10004, "请求频率过高", status=429, headers={"Retry-After": "7"}))
    with pytest.raises(RateLimitError) as caught:
        sdk.call("1101", PERSON)
    assert caught.value.retry is True and caught.value.retry_after == 7


def test_the_spec_error_handling_pattern(gateway, make_sdk) -> None:
    """§11.3.1: `except MedicalInsuranceException as e: if e.retry: time.sleep(e.retry_after or 5)`."""
    sdk = make_sdk(max_attempts=1)
    gateway.script(failure(10005, "服务暂时不可用", status=503))
    try:
        sdk.query_person_info("01", "430281199001010001")
    except MedicalInsuranceException as e:
        assert e.retry and (e.retry_after or 5) == 300
        assert isinstance(e, ServiceUnavailableError)


@pytest.mark.parametrize(
    ("response", "expected", "code"),
    [
        (httpx.Response(401, text="Invalid API Key"), AuthenticationError, 10007),
        (failure(20001, "不支持的接口类型", status=404), UnsupportedInterfaceError, 20001),
        (httpx.Response(200, text="<html>ok</html>"), ResponseFormatError, 20004),
    ],
)
def test_status_without_gateway_body(gateway, make_sdk, response, expected, code) -> None:
    sdk = make_sdk(max_attempts=1)
    gateway.script(response)
    with pytest.raises(expected) as caught:
        sdk.call("1101", PERSON)
    assert caught.value.code == code


def test_unknown_transaction_is_refused_locally(gateway, sdk) -> None:
    with pytest.raises(UnsupportedInterfaceError):
        sdk.call("9999", {})
    assert gateway.requests == []


def test_flat_fields_for_a_multi_node_transaction_are_refused_locally(gateway, sdk) -> None:
    with pytest.raises(DataValidationError) as caught:
        sdk.call("2203", {"mdtrt_id": "M1"})
    assert caught.value.errors[0].code == 30001
    assert gateway.requests == []


def test_paged_answer_keeps_rows_and_pagination(gateway, sdk) -> None:
    from sdk_support import ok

    page = {
        "total": 2,
        "page": 1,
        "page_size": 20,
        "total_pages": 1,
        "has_next": False,
        "has_previous": False,
    }
    gateway.script(ok([{"hilist_code": "A"}, {"hilist_code": "B"}], pagination=page))
    result = sdk.call("1312", {"data": {"page_num": 1, "page_size": 20}})
    assert [row["hilist_code"] for row in result.rows()] == ["A", "B"]
    assert result.pagination["total"] == 2 and result.get("hilist_code") == "A"


def _gateway_error(exc: MedicalInsuranceException) -> httpx.Response:
    """The error answer the gateway renders for `exc` (its `error` object is the exception's to_dict)."""
    body = {
        "success": False,
        "data": None,
        "message": exc.message,
        "error": exc.to_dict(),
        "error_code": exc.code,
        "request_id": "REQ1",
    }
    return httpx.Response(
        exc.http_status, content=jsoncodec.dumps(body), headers={"content-type": "application/json"}
    )


def test_a_bureau_refusal_comes_back_as_a_bureau_refusal(gateway, sdk) -> None:
    sent = BureauRefusalError(
        "该就诊已结算，不能重复结算",
        code=50008,
        infno="2207",
        msgid="H43028110001202507141030000001",
        details={"infcode": -2, "kind": "business"},
    )
    gateway.script(_gateway_error(sent))
    with pytest.raises(BureauRefusalError) as caught:
        sdk.call("2207", SETTLE)
    error = caught.value
    assert isinstance(error, BureauError) and isinstance(error, BusinessError)
    assert (error.code, error.http_status, error.infcode, error.retry) == (50008, 409, -2, False)
    assert error.details["kind"] == "business" and error.message == "该就诊已结算，不能重复结算"
    assert error.msgid == "H43028110001202507141030000001"
    assert len(gateway.requests) == 1  # never sent again


def test_a_bureau_system_failure_stays_a_bureau_error(gateway, sdk) -> None:
    sent = BureauError("系统繁忙", code=20006, infcode=-1, details={"infcode": -1, "kind": "system"})
    gateway.script(_gateway_error(sent))
    with pytest.raises(BureauError) as caught:
        sdk.call("2207", SETTLE)
    assert type(caught.value) is BureauError
    assert (caught.value.code, caught.value.http_status, caught.value.infcode) == (20006, 502, -1)


def test_a_business_code_without_a_bureau_answer_is_a_business_error(gateway, sdk) -> None:
    gateway.script(failure(50010, "业务流程异常", status=409))
    with pytest.raises(BusinessError) as caught:
        sdk.call("2207", SETTLE)
    assert not isinstance(caught.value, BureauError)
