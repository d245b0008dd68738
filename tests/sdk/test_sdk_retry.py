"""The retry policy: queries are asked again, write/money calls only when they provably never arrived.

One X-Request-ID for every attempt of a call; Retry-After is honoured; backoff is jittered; the error table
may cap the attempts.
"""

from __future__ import annotations

import random

import httpx
import pytest
from sdk_support import failure, ok

from medical_insurance_sdk.exceptions import (
    BureauError,
    MedicalInsuranceException,
    OutcomeUnknownError,
    RateLimitError,
)
from medical_insurance_sdk.registry import Safety
from medical_insurance_sdk.sdk._config import RetryConfig
from medical_insurance_sdk.sdk._retry import Failure, RetryPolicy

SETTLE = {"data": {"psn_no": "P1", "mdtrt_id": "M1"}}  # 2207 门诊结算: money
PERSON = {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": "X", "psn_cert_type": "01"}}  # 1101: query


def timeout(request: httpx.Request | None = None) -> httpx.ReadTimeout:
    return httpx.ReadTimeout("timed out")


def refused() -> httpx.ConnectError:
    return httpx.ConnectError("connection refused")


def test_query_read_timeout_is_sent_again_with_the_same_request_id(gateway, sdk) -> None:
    gateway.script(timeout(), timeout(), ok({"baseinfo": {"psn_no": "P1"}}))
    person = sdk.call("1101", PERSON)
    assert person.person_no == "P1"
    assert len(gateway.requests) == 3
    assert len({r.headers["x-request-id"] for r in gateway.requests}) == 1
    assert [r.headers["x-retry-count"] for r in gateway.requests] == ["0", "1", "2"]
    assert len(gateway.sleeps) == 2 and gateway.sleeps[0] <= 0.01 and gateway.sleeps[1] <= 0.02


def test_money_read_timeout_is_not_sent_again(gateway, sdk) -> None:
    gateway.script(timeout())
    with pytest.raises(OutcomeUnknownError) as caught:
        sdk.call("2207", SETTLE)
    assert len(gateway.requests) == 1 and gateway.sleeps == []
    error = caught.value
    assert error.retry is False and error.outcome == "unknown"
    assert error.details["request_id"] == gateway.requests[0].headers["x-request-id"]


def test_write_read_timeout_is_not_sent_again(gateway, sdk) -> None:
    gateway.script(timeout())
    with pytest.raises(OutcomeUnknownError):
        sdk.call("2201", {"data": {"psn_no": "P1"}})
    assert len(gateway.requests) == 1


def test_money_connection_refused_is_sent_again(gateway, sdk) -> None:
    gateway.script(refused(), ok({"setlinfo": {"setl_id": "S1"}}))
    result = sdk.call("2207", SETTLE)
    assert result.settlement_id == "S1"
    assert len(gateway.requests) == 2
    assert gateway.requests[0].headers["x-request-id"] == gateway.requests[1].headers["x-request-id"]


def test_connection_refused_every_time_ends_with_a_retryable_network_error(gateway, sdk) -> None:
    gateway.script(refused(), refused(), refused())
    with pytest.raises(MedicalInsuranceException) as caught:
        sdk.call("2207", SETTLE)
    assert caught.value.code == 60005 and caught.value.retry is True
    assert len(gateway.requests) == 3  # max_attempts


def test_429_honours_retry_after_even_for_money(gateway, sdk) -> None:
    gateway.script(failure(10004, "请求频率过高", status=429, headers={"Retry-After": "2"}), ok({}))
    sdk.call("2207", SETTLE)
    assert gateway.sleeps == [2.0]
    assert len(gateway.requests) == 2


def test_429_with_a_wait_longer_than_allowed_goes_to_the_caller(gateway, make_sdk) -> None:
    sdk = make_sdk(max_retry_after=5)
    gateway.script(failure(10004, "请求频率过高", status=429, headers={"Retry-After": "120"}))
    with pytest.raises(RateLimitError) as caught:
        sdk.call("1101", PERSON)
    assert caught.value.retry is True and caught.value.retry_after == 120
    assert len(gateway.requests) == 1


def test_query_5xx_is_retried_money_5xx_is_not(gateway, sdk) -> None:
    gateway.script(failure(20006, "医保局接口异常", status=502), ok({}))
    sdk.call("1101", PERSON)
    assert len(gateway.requests) == 2
    gateway.requests.clear()
    gateway.script(failure(20006, "医保局接口异常", status=502))
    with pytest.raises(BureauError):
        sdk.call("2207", SETTLE)
    assert len(gateway.requests) == 1


def test_a_proxy_error_page_on_a_money_call_is_an_unknown_outcome(gateway, sdk) -> None:
    gateway.script(
        httpx.Response(502, content=b"<html>Bad Gateway</html>", headers={"content-type": "text/html"})
    )
    with pytest.raises(OutcomeUnknownError):
        sdk.call("2207", SETTLE)
    assert len(gateway.requests) == 1


def test_a_business_refusal_is_never_retried(gateway, sdk) -> None:
    gateway.script(failure(50001, "患者信息不存在", status=404))
    with pytest.raises(MedicalInsuranceException) as caught:
        sdk.call("1101", PERSON)
    assert caught.value.code == 50001 and caught.value.retry is False
    assert len(gateway.requests) == 1


def test_max_attempts_and_per_call_override(gateway, make_sdk) -> None:
    sdk = make_sdk(max_attempts=2)
    gateway.script(timeout(), timeout(), timeout())
    with pytest.raises(MedicalInsuranceException):
        sdk.call("1101", PERSON)
    assert len(gateway.requests) == 2
    gateway.requests.clear()
    gateway.script(timeout())
    with pytest.raises(MedicalInsuranceException):
        sdk.call("1101", PERSON, options={"max_attempts": 1})
    assert len(gateway.requests) == 1


def test_the_error_table_caps_attempts(gateway, sdk) -> None:
    # 60010 服务进程异常: max_retry 1 → two attempts at most, although three are configured
    gateway.script(*(failure(60010, "服务进程异常", status=500) for _ in range(3)))
    with pytest.raises(MedicalInsuranceException) as caught:
        sdk.call("1101", PERSON)
    assert caught.value.code == 60010
    assert len(gateway.requests) == 2


def test_backoff_doubles_is_capped_and_jittered() -> None:
    policy = RetryPolicy(RetryConfig(max_attempts=10, backoff_factor=1.0, max_backoff=4.0), random.Random(7))
    lost = Failure("lost", MedicalInsuranceException(code=20005))
    delays = [policy.delay(Safety.QUERY, lost, n) for n in range(1, 6)]
    bases = [1, 2, 4, 4, 4]
    assert all(base / 2 <= d <= base for d, base in zip(delays, bases, strict=True))  # type: ignore[operator]
    assert policy.delay(Safety.MONEY, lost, 1) is None
    assert (
        policy.delay(Safety.WRITE, Failure("not_sent", MedicalInsuranceException(code=60005)), 1) is not None
    )
    assert policy.delay(Safety.QUERY, lost, 10) is None


@pytest.mark.anyio
async def test_async_retry_is_the_same_policy(gateway, make_sdk) -> None:
    sdk = make_sdk(async_client=True)
    gateway.script(timeout(), ok({"baseinfo": {"psn_no": "P1"}}))
    person = await sdk.call("1101", PERSON)
    assert person.person_no == "P1" and len(gateway.requests) == 2 and len(gateway.sleeps) == 1
    gateway.requests.clear()
    gateway.script(timeout())
    with pytest.raises(OutcomeUnknownError):
        await sdk.call("2207", SETTLE)
    assert len(gateway.requests) == 1
    await sdk.aclose()
