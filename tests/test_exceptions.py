"""The exception tree: classes per code, table-driven retry hints, the spec §11.3.1 usage."""

from __future__ import annotations

import pytest

from medical_insurance_sdk.exceptions import (
    AuthenticationError,
    BureauError,
    BureauRefusalError,
    BureauTimeoutError,
    BusinessError,
    DataValidationError,
    DuplicateMessageError,
    FieldError,
    FileError,
    MedicalInsuranceException,
    OutcomeUnknownError,
    PermissionDeniedError,
    RateLimitError,
    RequestError,
    ServiceUnavailableError,
    exception_class,
    exception_for,
)
from medical_insurance_sdk.protocol.errors import ERRORS


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        (10002, RequestError),
        (10003, RequestError),
        (10004, RateLimitError),
        (10005, ServiceUnavailableError),
        (10008, AuthenticationError),
        (10009, PermissionDeniedError),
        (20005, BureauTimeoutError),
        (20006, BureauError),
        (20007, DuplicateMessageError),
        (20008, AuthenticationError),
        (30002, DataValidationError),
        (40001, FileError),
    ],
)
def test_code_to_class(code, cls):
    assert exception_class(code) is cls
    exc = exception_for(code)
    assert isinstance(exc, cls) and isinstance(exc, MedicalInsuranceException)
    assert exc.code == code


def test_every_code_builds_an_exception_with_table_hints():
    for code, row in ERRORS.items():
        exc = exception_for(code)
        assert (exc.code, exc.message, exc.retry, exc.retry_after, exc.http_status) == (
            code,
            row.message,
            row.retry,
            row.retry_after,
            row.http_status,
        )


def test_spec_error_handling_example_works():
    # spec §11.3.1: `if e.retry: time.sleep(e.retry_after or 5)` / `logger.error(e.message)`
    try:
        raise exception_for(10004)
    except MedicalInsuranceException as e:
        assert e.retry is True and e.retry_after == 60
        assert e.message == "请求频率过高"


def test_context_is_carried_and_rendered():
    exc = BureauError("就诊凭证编号不能为空", infcode=-1, infno="1101", msgid="H" * 30, trace_id="abc")
    assert str(exc) == "【1101】20006 - 就诊凭证编号不能为空"
    assert exc.infcode == -1
    assert exc.to_dict() == {
        "code": 20006,
        "message": "就诊凭证编号不能为空",
        "retry": True,
        "infno": "1101",
        "msgid": "H" * 30,
        "trace_id": "abc",
    }


def test_validation_error_lists_all_fields():
    exc = DataValidationError(
        [FieldError(30002, "data.psn_no"), FieldError(30004, "data.certno", "长度不能超过 50")]
    )
    assert exc.code == 30010
    assert [e["field"] for e in exc.to_dict()["errors"]] == ["data.psn_no", "data.certno"]
    assert "30004 - 字段长度超限: data.certno (长度不能超过 50)" in exc.message


def test_outcome_unknown_is_never_retryable_and_names_the_msgid():
    exc = OutcomeUnknownError("结算结果未知，正在冲正", msgid="H43028110001202507141030000001", infno="2207")
    assert exc.retry is False
    assert exc.outcome == "unknown"
    assert exc.to_dict()["outcome"] == "unknown" and exc.to_dict()["msgid"].endswith("0001")


def test_unknown_code_is_refused():
    with pytest.raises(KeyError):
        exception_for(99999)


def test_a_business_code_the_bureau_gave_is_a_refusal_that_stays_a_bureau_error():
    # compensation catches BureauError and reads .infcode; callers may catch the 5xxxx family instead
    exc = exception_for(50008, "该就诊已结算，不能重复结算", infcode=-2, infno="2207")
    assert type(exc) is BureauRefusalError
    assert isinstance(exc, BureauError) and isinstance(exc, BusinessError)
    assert (exc.code, exc.infcode, exc.http_status, exc.retry) == (50008, -2, 409, False)
    assert str(exc) == "【2207】50008 - 该就诊已结算，不能重复结算"


def test_a_business_code_without_a_bureau_answer_is_a_plain_business_error():
    exc = exception_for(50007)
    assert type(exc) is BusinessError and not isinstance(exc, BureauError)


def test_a_system_failure_keeps_its_infcode_and_code():
    exc = exception_for(20006, "系统繁忙", infcode=-1)
    assert type(exc) is BureauError and exc.infcode == -1 and exc.http_status == 502


def test_a_refusal_defaults_to_the_business_flow_code():
    exc = BureauRefusalError("人员编号与就诊信息不符")
    assert (exc.code, exc.infcode, exc.http_status, exc.retry) == (50010, -2, 409, False)
