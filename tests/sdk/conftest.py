"""SDK test fixtures (helpers in sdk_support.py).

    gateway      a `FakeGateway`: records every request, answers §1.3 successes unless a test scripts
                 failures (`gateway.script(...)`) or a handler (`gateway.default = ...`)
    make_sdk     build a MedicalInsuranceSDK / AsyncMedicalInsuranceSDK on that transport; sleeps are
                 recorded in `gateway.sleeps`, never slept

The environment is always passed explicitly (`env={}`), so the machine's MEDICAL_INSURANCE_* variables
never leak into a test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sdk_support import BASE, HOSPITAL, FakeGateway

from medical_insurance_sdk.sdk import AsyncMedicalInsuranceSDK, MedicalInsuranceSDK


@pytest.fixture
def gateway() -> FakeGateway:
    return FakeGateway()


@pytest.fixture
def make_sdk(gateway: FakeGateway) -> Iterator[Callable[..., Any]]:
    made: list[Any] = []

    def make(*, async_client: bool = False, **settings: Any) -> Any:
        values: dict[str, Any] = {
            "api_base_url": BASE,
            "api_key": "test-key",
            "institution_code": HOSPITAL,
            "backoff_factor": 0.01,
            "env": {},
            **settings,
        }
        if async_client:
            client: Any = AsyncMedicalInsuranceSDK(transport=gateway.transport, sleep=gateway.sleep, **values)
        else:
            client = MedicalInsuranceSDK(transport=gateway.transport, sleep=gateway.sleep, **values)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def sdk(make_sdk: Callable[..., MedicalInsuranceSDK]) -> MedicalInsuranceSDK:
    return make_sdk()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
