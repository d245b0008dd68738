"""Async: `AsyncMedicalInsuranceSDK` and the spec's `*_async` methods on `MedicalInsuranceSDK`."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sdk_support import ok

PERSON_ANSWER = {"baseinfo": {"psn_no": "P1", "psn_name": "张三"}, "insuinfo": [{"balc": "88.00"}]}


@pytest.mark.anyio
async def test_spec_async_example_runs_concurrently(gateway, make_sdk) -> None:
    """§11.2.1 async_examples: `sdk.query_person_info_async("01", cert_no, "")` under asyncio.gather."""

    def answer(request: httpx.Request) -> httpx.Response:
        return ok(PERSON_ANSWER)

    gateway.default = answer
    sdk = make_sdk()
    patients = ["430281199001010001", "430281199001010002", "430281199001010003"]
    results = await asyncio.gather(*(sdk.query_person_info_async("01", c, "") for c in patients))
    assert [r.name for r in results] == ["张三"] * 3
    sent = sorted(r.url.path for r in gateway.requests)
    assert len(sent) == 3 and all(p.endswith("basic/person-info") for p in sent)
    assert all("psn_name" not in r.content.decode() for r in gateway.requests)  # "" means no name
    await sdk.aclose()


@pytest.mark.anyio
async def test_async_client_methods_are_coroutines(gateway, make_sdk) -> None:
    gateway.default = lambda request: ok(PERSON_ANSWER)
    async with make_sdk(async_client=True) as sdk:
        person = await sdk.query_person_info("02", "430281199001010001", name="张三")
        assert person.insurance_balance is not None and str(person.insurance_balance) == "88.00"
        generated = await sdk.resources.basic.query_person_info(
            mdtrt_cert_type="02", mdtrt_cert_no="X", psn_cert_type="01"
        )
        assert generated.person_no == "P1"
        check = sdk.validate_medical_data("outpatient_register", {})  # local, not a coroutine
        assert not check.success


def test_sync_client_refuses_an_async_only_transport() -> None:
    from medical_insurance_sdk.sdk import MedicalInsuranceSDK

    class AsyncOnly(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            return ok({})

    sdk = MedicalInsuranceSDK(api_base_url="http://gw", env={}, transport=AsyncOnly())
    with pytest.raises(TypeError, match="async only"):
        sdk.call("1901", {"data": {"type": "x", "date": "2025-07-14"}})
