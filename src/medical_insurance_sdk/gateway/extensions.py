"""The gateway's extension points: installers, lifespan hooks and the one admission path.

    def install_my_policy(app: FastAPI, settings: GatewaySettings) -> None:      # an installer
        policy = MyPolicy(settings)
        admission_policies(app).append(policy)         # around every admitted call
        lifespan_hooks(app).append(policy.running)     # its live objects, for the app's lifetime

    async with admitted(state, Admission(tx, caller)) as admission:             # every way in
        await engine.call(..., timeout_s=admission.timeout_s)

- Installers: callables `(app, settings) -> None` that `create_app` runs in order; they add middleware,
  exception handlers, admission policies or lifespan hooks.
- Router factories: callables `(settings) -> APIRouter` whose routers `create_app` includes.
- Lifespan hooks: callables `(state) -> async context manager`, entered once the core state is ready and
  left before it is torn down.  Installers keep their live objects in `GatewayState.extras`.
- Admission: every call that reaches the bureau on a caller's behalf — a transaction route, each operation
  of a batch, an async task, a file upload, a universal query — goes through `admitted`.  It checks the
  caller's role (spec §7.2, 403 + 10009) and then runs the app's admission policies (interface switch,
  rate limits, concurrency …) lowest `order` first, each one hook around the call.  A batch operation or a
  task is admitted as the caller who submitted it, when it runs.

This module imports no route, no policy and not `app.py`: they import it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from fastapi import APIRouter, FastAPI

from medical_insurance_sdk.engine.flow import CallResult
from medical_insurance_sdk.gateway.policies.auth import Caller
from medical_insurance_sdk.gateway.policies.rbac import check_permission
from medical_insurance_sdk.gateway.settings import GatewaySettings
from medical_insurance_sdk.gateway.state import GatewayState
from medical_insurance_sdk.registry import Transaction

Installer = Callable[[FastAPI, GatewaySettings], None]
RouterFactory = Callable[[GatewaySettings], APIRouter]
LifespanHook = Callable[[GatewayState], AbstractAsyncContextManager[None]]

POLICIES_KEY = "admission.policies"


@dataclass(frozen=True)
class Gate:
    """What a call that is not a registry transaction is admitted as (a universal query, say)."""

    name: str
    permission: str
    rate_category: str | None
    concurrency_class: str


@dataclass
class Admission:
    """One call as the policies let it in: who, what, the effective timeout, and what happened.

    `tx` is the registry transaction, or None for a call admitted through a `Gate`.
    """

    tx: Transaction | None
    caller: Caller
    timeout_s: float | None = None  # None: the engine's own (settings, then the registry's per transaction)
    call_input: dict[str, Any] | None = None  # the bureau input, once read
    result: CallResult | None = None  # the successful outcome, once known
    gate: Gate | None = None

    def __post_init__(self) -> None:
        if self.tx is None and self.gate is None:
            raise ValueError("an admission needs a transaction or a gate")

    @property
    def permission(self) -> str:
        return self.gate.permission if self.gate is not None else self._tx.permission

    @property
    def rate_category(self) -> str | None:
        return self.gate.rate_category if self.gate is not None else self._tx.rate_category

    @property
    def concurrency_class(self) -> str:
        return self.gate.concurrency_class if self.gate is not None else self._tx.concurrency_class

    @property
    def _tx(self) -> Transaction:
        assert self.tx is not None
        return self.tx


class AdmissionPolicy(Protocol):
    """A policy on every way in: a name, an order (lowest first) and one hook around the call."""

    name: str
    order: int

    def guard(self, state: GatewayState, admission: Admission) -> AbstractAsyncContextManager[None]: ...


def lifespan_hooks(app: FastAPI) -> list[LifespanHook]:
    """The app's lifespan hooks (installers append to it)."""
    if not hasattr(app.state, "lifespan_hooks"):
        app.state.lifespan_hooks = []
    hooks: list[LifespanHook] = app.state.lifespan_hooks
    return hooks


def admission_policies(app: FastAPI) -> list[AdmissionPolicy]:
    """The app's admission policies (installers append to it)."""
    if not hasattr(app.state, "admission_policies"):
        app.state.admission_policies = []
    policies: list[AdmissionPolicy] = app.state.admission_policies
    return policies


def bind_policies(app: FastAPI, state: GatewayState) -> None:
    """Hand the app's policies to its running state, where batches and tasks (no request) find them."""
    state.extras[POLICIES_KEY] = tuple(sorted(admission_policies(app), key=lambda p: p.order))


def policies_of(state: GatewayState) -> Sequence[AdmissionPolicy]:
    policies: Sequence[AdmissionPolicy] = state.extras.get(POLICIES_KEY, ())
    return policies


@asynccontextmanager
async def admitted(state: GatewayState, admission: Admission) -> AsyncIterator[Admission]:
    """The one admission path: the caller's role first (403 + 10009), then every policy around the call."""
    check_permission(admission.caller, admission.permission)
    async with AsyncExitStack() as stack:
        for policy in policies_of(state):
            await stack.enter_async_context(policy.guard(state, admission))
        yield admission
