"""The two clients: `MedicalInsuranceSDK` (blocking, plus the spec's `*_async` methods) and
`AsyncMedicalInsuranceSDK`.  Both are thin shells over the I/O-free core (`_core.py`).

    sdk = MedicalInsuranceSDK(config_path="config.json")         # spec §9.1.1
    patient = sdk.query_person_info("01", "430281199001010001", name="张三")
    async with AsyncMedicalInsuranceSDK(api_base_url=..., api_key=...) as client:
        patient = await client.query_person_info("01", cert_no)

A shell only performs the core's two effects: send one HTTP request, sleep.  The transport is the one seam:
httpx's pooled default towards the gateway, `InProcessTransport` when no gateway is configured, or any
httpx transport a test passes (`transport=httpx.MockTransport(handler)`).
"""

from __future__ import annotations

import copy
import inspect
import time
from collections.abc import Callable, Generator, Mapping
from typing import Any, Self, TypeVar

import anyio
import httpx

from medical_insurance_sdk.sdk._config import SDKConfig
from medical_insurance_sdk.sdk._core import CallOptions, Core, Send, Sleep
from medical_insurance_sdk.sdk._inprocess import InProcessTransport
from medical_insurance_sdk.sdk._logging import configure_logging
from medical_insurance_sdk.sdk._resource import Options
from medical_insurance_sdk.sdk.lib.general import AsyncGeneralAPI, GeneralAPI
from medical_insurance_sdk.sdk.lib.plans import PlanContext
from medical_insurance_sdk.sdk.lib.spec_api import AsyncSpecAPI, SpecAPI
from medical_insurance_sdk.sdk.resources import AsyncMethods, AsyncResources, Resources, SyncMethods

T = TypeVar("T")
Transport = httpx.BaseTransport | httpx.AsyncBaseTransport
# Pool sizes: a HIS front desk has a handful of workstations per SDK process; a sidecar more.
LIMITS = httpx.Limits(max_connections=50, max_keepalive_connections=10, keepalive_expiry=30)


class SyncShell:
    """Runs a flow of the core with blocking I/O."""

    def __init__(self, http: httpx.Client, sleep: Callable[[float], None] = time.sleep) -> None:
        self.http = http
        self.sleep = sleep

    def run(self, flow: Generator[Any, Any, T]) -> T:
        value: Any = None
        error: BaseException | None = None
        try:
            while True:
                try:
                    effect = flow.throw(error) if error is not None else flow.send(value)
                except StopIteration as stop:
                    result: T = stop.value
                    return result
                value, error = None, None
                try:
                    if isinstance(effect, Send):
                        value = self.http.send(effect.request)
                    elif isinstance(effect, Sleep):
                        self.sleep(effect.seconds)
                except httpx.TransportError as exc:  # the core decides what a lost request means
                    error = exc
        finally:
            flow.close()


class AsyncShell:
    """Runs a flow of the core on the event loop."""

    def __init__(self, http: httpx.AsyncClient, sleep: Callable[[float], Any] = anyio.sleep) -> None:
        self.http = http
        self.sleep = sleep

    async def run(self, flow: Generator[Any, Any, T]) -> T:
        value: Any = None
        error: BaseException | None = None
        try:
            while True:
                try:
                    effect = flow.throw(error) if error is not None else flow.send(value)
                except StopIteration as stop:
                    result: T = stop.value
                    return result
                value, error = None, None
                try:
                    if isinstance(effect, Send):
                        value = await self.http.send(effect.request)
                    elif isinstance(effect, Sleep):
                        pause = self.sleep(effect.seconds)
                        if inspect.isawaitable(pause):  # anyio.sleep; a test may record sleeps synchronously
                            await pause
                except httpx.TransportError as exc:
                    error = exc
        finally:
            flow.close()


class _ClientBase:
    """Configuration, core, transports and connection pools; shared by both clients."""

    def __init__(
        self,
        config_path: str | None = None,
        *,
        config: SDKConfig | None = None,
        env: Mapping[str, str] | None = None,
        transport: Transport | None = None,
        sleep: Callable[[float], Any] | None = None,
        **settings: Any,
    ) -> None:
        """`settings` are the flat names of `SDKConfig.load` (api_key=, cache_ttl=, max_attempts= …)."""
        if config is None:
            config = SDKConfig.load(config_path, env=env, **settings)
        elif settings:
            config = config.with_options(**settings)
        self.config = config
        configure_logging(config.logging)
        self._core = Core(config)
        self._transport = transport
        self._in_process: InProcessTransport | None = None
        if transport is None and config.in_process_mode:
            self._in_process = InProcessTransport(config)
        self._sleep = sleep
        self._http: httpx.Client | None = None
        self._async_http: httpx.AsyncClient | None = None
        self._owner = True
        self._client = self  # the generated methods' `self._client._request(...)`
        self._bind()

    def _bind(self) -> None:
        code = self.config.institution_code or (
            self._in_process.institution_code if self._in_process else None
        )
        self._plan_context = PlanContext(self._core, code)

    @property
    def in_process(self) -> bool:
        return self._in_process is not None

    def with_options(self, **settings: Any) -> Self:
        """A client with some settings changed, sharing this one's connections, cache and flow memory.

        fast = sdk.with_options(timeout=5, max_attempts=1)
        """
        config = self.config.with_options(**settings)
        other = copy.copy(self)
        other.config = config
        other._core = Core(config, cache=self._core.cache, memory=self._core.memory)
        other._owner = False
        other._client = other
        if (
            config.api_base_url != self.config.api_base_url
            or config.in_process != self.config.in_process
            or (config.in_process_mode and config.bureau != self.config.bureau)
        ):
            # another gateway, or another in-process bureau (URL, keys, SM channel): own transport and pools
            other._in_process = (
                InProcessTransport(config) if self._transport is None and config.in_process_mode else None
            )
            other._http, other._async_http, other._owner = None, None, True
        other._bind()
        other._init_resources()
        return other

    def _init_resources(self) -> None:
        raise NotImplementedError

    # --- the two shells ---------------------------------------------------------------------------
    def _sync_http(self) -> httpx.Client:
        if self._http is None:
            transport = self._transport or self._in_process
            if transport is not None and not isinstance(transport, httpx.BaseTransport):
                raise TypeError(
                    "this transport is async only: use AsyncMedicalInsuranceSDK or the *_async methods"
                )
            self._http = httpx.Client(transport=transport, limits=LIMITS, timeout=self.config.timeout)
        return self._http

    def _async_client(self) -> httpx.AsyncClient:
        if self._async_http is None:
            transport = self._transport or self._in_process
            if transport is not None and not isinstance(transport, httpx.AsyncBaseTransport):
                raise TypeError("this transport is sync only: pass an async transport for async calls")
            self._async_http = httpx.AsyncClient(
                transport=transport, limits=LIMITS, timeout=self.config.timeout
            )
        return self._async_http

    def _run(self, flow: Generator[Any, Any, T]) -> T:
        shell = SyncShell(self._sync_http(), self._sleep or time.sleep)
        return shell.run(flow)

    async def _run_async(self, flow: Generator[Any, Any, T]) -> T:
        return await AsyncShell(self._async_client(), self._sleep or anyio.sleep).run(flow)

    def _request(self, infno: str, input_: Mapping[str, Any], options: Options) -> Any:
        return self._run(self._core.call(infno, input_, CallOptions.of(options)))

    async def _request_async(self, infno: str, input_: Mapping[str, Any], options: Options) -> Any:
        return await self._run_async(self._core.call(infno, input_, CallOptions.of(options)))

    # --- lifetime ----------------------------------------------------------------------------------
    def close(self) -> None:
        """Close the connection pools (and the in-process engine) this client opened."""
        if not self._owner:
            return
        if self._http is not None:
            self._http.close()
        if self._in_process is not None:
            self._in_process.close()

    async def aclose(self) -> None:
        if not self._owner:
            return
        if self._async_http is not None:
            await self._async_http.aclose()
        if self._http is not None:
            self._http.close()
        if self._in_process is not None:
            await self._in_process.aclose()

    def clear_cache(self) -> None:
        self._core.cache.clear()


class MedicalInsuranceSDK(_ClientBase, SpecAPI, GeneralAPI, SyncMethods):  # type: ignore[misc]
    """The Python SDK of spec §9.1.1: every transaction as a method, blocking; `*_async` twins for asyncio.

    sdk = MedicalInsuranceSDK(config_path="config.json", cache_enabled=True, cache_ttl=300)
    sdk.resources.business.outpatient_settle(psn_no=..., mdtrt_id=..., ...)    # the generated form

    (mypy's ignore above: the spec's convenience signatures deliberately replace generated ones.)
    """

    def __init__(self, config_path: str | None = None, **kwargs: Any) -> None:
        super().__init__(config_path, **kwargs)
        self._init_resources()

    def _init_resources(self) -> None:
        self.resources = Resources(self)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class AsyncMedicalInsuranceSDK(_ClientBase, AsyncSpecAPI, AsyncGeneralAPI, AsyncMethods):  # type: ignore[misc]
    """The same SDK for asyncio: every method a coroutine.

    async with AsyncMedicalInsuranceSDK(config_path="config.json") as sdk:
        patient = await sdk.query_person_info("01", "430281199001010001")
    """

    def __init__(self, config_path: str | None = None, **kwargs: Any) -> None:
        super().__init__(config_path, **kwargs)
        self._init_resources()

    def _init_resources(self) -> None:
        self.resources = AsyncResources(self)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
