"""Turn a plan into a client method: `sync_op` (blocking) and `async_op` (a coroutine).

    outpatient_settle = sync_op(friendly("2207", SettlementResult))        # on MedicalInsuranceSDK
    outpatient_settle_async = async_op(friendly("2207", SettlementResult))

A plan yields the core's effects and returns a result (see `plans.py`); the client's sync or async shell
runs it, so no method is written twice.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Generator
from functools import wraps
from typing import Any, Concatenate, ParamSpec, TypeVar

from medical_insurance_sdk.sdk.lib.plans import PlanContext

P = ParamSpec("P")
R = TypeVar("R")
Plan = Callable[Concatenate[PlanContext, P], Generator[Any, Any, R]]


def sync_op(plan: Plan[P, R]) -> Callable[Concatenate[Any, P], R]:
    """A blocking method running `plan` on the client's sync shell."""

    @wraps(plan)
    def method(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> R:
        result: R = self._run(plan(self._plan_context, *args, **kwargs))
        return result

    return method


def async_op(plan: Plan[P, R]) -> Callable[Concatenate[Any, P], Coroutine[Any, Any, R]]:
    """A coroutine method running `plan` on the client's async shell."""

    @wraps(plan)
    async def method(self: Any, /, *args: P.args, **kwargs: P.kwargs) -> R:
        result: R = await self._run_async(plan(self._plan_context, *args, **kwargs))
        return result

    return method
