"""integrate/dispatch: what becomes of a request, from the gateway's answer (the SDK's transport is the seam).

The answers are built with answer_shapes, the module the gateway answers with; the SDK maps them to its
exceptions exactly as it does against a live gateway.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from medical_insurance_sdk.answer_shapes import error_body, success
from medical_insurance_sdk.exceptions import MedicalInsuranceException, OutcomeUnknownError, exception_for
from medical_insurance_sdk.integrate.dispatch import Disposition, dispatch, refusal, retry_delay
from medical_insurance_sdk.protocol import jsoncodec
from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.sdk import MedicalInsuranceSDK

SETTLE = REGISTRY["2207"]
SETTLEMENT = {"data": {"psn_no": "P1", "mdtrt_id": "M1", "chrg_bchno": "B1"}}
ENV = {
    "MEDICAL_INSURANCE_API_URL": "http://gateway.test/api/v1/medical-insurance/",
    "MEDICAL_INSURANCE_API_KEY": "k",
    "MEDICAL_INSURANCE_INSTITUTION_CODE": "H43028110001",
    "MEDICAL_INSURANCE_MAX_RETRIES": "1",
}
Answer = Callable[[httpx.Request], httpx.Response]


def answered(status: int, body: dict[str, Any], **headers: str) -> Answer:
    content = jsoncodec.dumps(body)
    return lambda request: httpx.Response(
        status, content=content, headers={"content-type": "application/json", **headers}
    )


def refused(exc: MedicalInsuranceException, **headers: str) -> Answer:
    return answered(exc.http_status, error_body(exc, "REQ1", SETTLE), **headers)


@pytest.fixture
def gateway() -> Iterator[Callable[[Answer], MedicalInsuranceSDK]]:
    opened: list[MedicalInsuranceSDK] = []

    def with_answer(answer: Answer) -> MedicalInsuranceSDK:
        seen: list[httpx.Request] = []

        def handler(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            assert request.headers["Idempotency-Key"] == "dbq:his:1:20250714093000"
            return answer(request)

        sdk = MedicalInsuranceSDK(env=ENV, transport=httpx.MockTransport(handler), sleep=lambda s: None)
        opened.append(sdk)
        return sdk

    yield with_answer
    for sdk in opened:
        sdk.close()


def ask(sdk: MedicalInsuranceSDK, data: Any = SETTLEMENT, interface_type: str = "outpatient_settle") -> Any:
    return dispatch(sdk, interface_type, data, key="dbq:his:1:20250714093000")


def test_a_settlement_answered_is_success_with_the_bureau_data(gateway: Any) -> None:
    body = success({"setlinfo": {"setl_id": "S1"}}, SETTLE, "REQ1", msgid="MSG1")
    answer = ask(gateway(answered(200, body)))
    assert answer.disposition is Disposition.SUCCESS and answer.final
    assert (answer.infno, answer.msgid) == ("2207", "MSG1")
    assert answer.document["data"] == {"setlinfo": {"setl_id": "S1"}}


def test_an_unknown_settlement_is_unknown_never_failed_never_retried(gateway: Any) -> None:
    unknown = OutcomeUnknownError("医保局结果未知", outcome="unknown", msgid="MSG2", infno="2207")
    answer = ask(gateway(refused(unknown)))
    assert answer.disposition is Disposition.UNKNOWN and not answer.final
    assert answer.msgid == "MSG2" and answer.error_code == 20005
    assert answer.document["data"] == {"msgid": "MSG2", "outcome": "unknown"}


def test_a_settlement_reversed_by_2601_is_final(gateway: Any) -> None:
    reversed_ = OutcomeUnknownError("已通过 2601 自动冲正", outcome="reversed", msgid="MSG3", infno="2207")
    answer = ask(gateway(refused(reversed_)))
    assert answer.disposition is Disposition.FAILED  # it did not happen: the HIS settles anew, new key


def test_a_call_settled_as_not_having_happened_is_final_under_its_key(gateway: Any) -> None:
    settled = MedicalInsuranceException(
        "报文 MSG4 未在医保局生效", code=20003, msgid="MSG4", retry=True, details={"outcome": "failed"}
    )
    answer = ask(gateway(refused(settled)))
    assert answer.disposition is Disposition.FAILED and answer.error_code == 20003


def test_a_busy_gateway_is_asked_again_later(gateway: Any) -> None:
    busy = exception_for(10004, "请求频率过高", retry_after=7)
    answer = ask(gateway(refused(busy, **{"Retry-After": "7"})))
    assert answer.disposition is Disposition.RETRY and answer.retry_after == 7
    assert retry_delay(1, answer.retry_after) == 7


def test_a_refusal_of_the_bureau_is_final(gateway: Any) -> None:
    refusal_ = exception_for(50008, "重复结算", infno="2207")
    answer = ask(gateway(refused(refusal_)))
    assert answer.disposition is Disposition.FAILED and answer.error_code == 50008


def test_requests_that_cannot_be_sent_are_refused_before_any_call(gateway: Any) -> None:
    def never(request: httpx.Request) -> httpx.Response:
        raise AssertionError("nothing may be sent")

    sdk = gateway(never)
    assert ask(sdk, interface_type="outpatient_teleport").error_code == 20001
    assert ask(sdk, data=["not", "an", "object"]).error_code == 10002
    assert refusal(10002, "data_json 不是有效的 JSON", "2207").document["interface_info"]["infno"] == "2207"


@pytest.mark.parametrize(("attempt", "seconds"), [(1, 2.0), (2, 4.0), (3, 8.0), (20, 300.0)])
def test_retry_waits_double_up_to_five_minutes(attempt: int, seconds: float) -> None:
    assert retry_delay(attempt) == seconds
