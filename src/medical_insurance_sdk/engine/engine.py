"""The engine's public face: `BureauEngine` (sync) and `AsyncBureauEngine`, thin shells over one flow.

    engine = BureauEngine.open(database, transport=SyncSandboxTransport(sandbox_app))
    result = engine.call("1101", {"data": {...}}, institution=cfg, operator="OP001")
    engine.sweep({cfg.code: cfg})       # resolve whatever is still UNKNOWN (also `yibao compensate`)

`transport` is the only seam: a real bureau uses httpx's default transport, tests and the embedded
sandbox pass an in-process one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import anyio
import httpx

from medical_insurance_sdk.engine.aio_transport import AiohttpTransport
from medical_insurance_sdk.engine.flow import CallOptions, CallResult, EmbeddedBureau, EngineFlow
from medical_insurance_sdk.engine.idempotency import keyed_call
from medical_insurance_sdk.engine.ledger import Ledger, SessionSource
from medical_insurance_sdk.engine.runner import AsyncShell, MsgIds, SyncShell
from medical_insurance_sdk.engine.settings import EngineSettings, InstitutionConfig
from medical_insurance_sdk.protocol.msgid import SequenceAllocator

# As many kept-alive connections as open ones: a keep-alive pool smaller than the gateway's concurrency
# closes and reopens a connection on most calls under load (issue 16: ~7% of a core went to that alone).
_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=100)


class _Base:
    def __init__(
        self,
        database: SessionSource,
        allocator: SequenceAllocator,
        *,
        settings: EngineSettings | None = None,
        flow: EngineFlow | None = None,
        embedded_bureau: EmbeddedBureau = None,
    ) -> None:
        self.ledger = Ledger(database)
        self.flow = flow or EngineFlow(settings, embedded_bureau=embedded_bureau)
        self.msgids = MsgIds(allocator)

    @staticmethod
    def options(**kw: Any) -> CallOptions:
        return CallOptions(**kw)


class BureauEngine(_Base):
    """Synchronous engine (HIS back ends, CLI, single-PC pharmacy)."""

    def __init__(
        self,
        database: SessionSource,
        allocator: SequenceAllocator,
        *,
        transport: httpx.BaseTransport | None = None,
        settings: EngineSettings | None = None,
        flow: EngineFlow | None = None,
        embedded_bureau: EmbeddedBureau = None,
    ) -> None:
        super().__init__(database, allocator, settings=settings, flow=flow, embedded_bureau=embedded_bureau)
        self.client = httpx.Client(transport=transport, limits=_LIMITS)
        self.shell = SyncShell(self.ledger, self.msgids, self.client)

    def call(
        self,
        key: str,
        payload: Mapping[str, Any],
        *,
        institution: InstitutionConfig,
        idempotency_key: str | None = None,
        **options: Any,
    ) -> CallResult:
        """One transaction; `idempotency_key` (write/money calls) makes a resubmission answer, not resend."""
        flow = keyed_call(self.flow, key, payload, institution, CallOptions(**options), idempotency_key)
        result: CallResult = self.shell.run(flow)
        return result

    def sign_in(self, institution: InstitutionConfig, operator: str, *, force: bool = False) -> str:
        sign_no: str = self.shell.run(self.flow.ensure_sign_in(institution, operator, force=force))
        return sign_no

    def sign_out(self, institution: InstitutionConfig, operator: str) -> CallResult | None:
        result: CallResult | None = self.shell.run(self.flow.sign_out(institution, operator))
        return result

    def sweep(self, institutions: Mapping[str, InstitutionConfig], *, limit: int = 100) -> dict[str, str]:
        report: dict[str, str] = self.shell.run(self.flow.sweep(institutions, limit=limit))
        return report

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> BureauEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncBureauEngine(_Base):
    """Asynchronous engine (the gateway)."""

    def __init__(
        self,
        database: SessionSource,
        allocator: SequenceAllocator,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        settings: EngineSettings | None = None,
        flow: EngineFlow | None = None,
        embedded_bureau: EmbeddedBureau = None,
    ) -> None:
        super().__init__(database, allocator, settings=settings, flow=flow, embedded_bureau=embedded_bureau)
        # a real bureau: httpx over aiohttp's pool (aio_transport.py: a third of httpcore's CPU per call)
        self.client = httpx.AsyncClient(transport=transport or AiohttpTransport(), limits=_LIMITS)
        self.shell = AsyncShell(self.ledger, self.msgids, self.client)

    async def call(
        self,
        key: str,
        payload: Mapping[str, Any],
        *,
        institution: InstitutionConfig,
        idempotency_key: str | None = None,
        **options: Any,
    ) -> CallResult:
        """One transaction; `idempotency_key` (write/money calls) makes a resubmission answer, not resend."""
        flow = keyed_call(self.flow, key, payload, institution, CallOptions(**options), idempotency_key)
        result: CallResult = await self.shell.run(flow)
        return result

    async def sign_in(self, institution: InstitutionConfig, operator: str, *, force: bool = False) -> str:
        sign_no: str = await self.shell.run(self.flow.ensure_sign_in(institution, operator, force=force))
        return sign_no

    async def sign_out(self, institution: InstitutionConfig, operator: str) -> CallResult | None:
        result: CallResult | None = await self.shell.run(self.flow.sign_out(institution, operator))
        return result

    async def sweep(
        self, institutions: Mapping[str, InstitutionConfig], *, limit: int = 100
    ) -> dict[str, str]:
        report: dict[str, str] = await self.shell.run(self.flow.sweep(institutions, limit=limit))
        return report

    def flush_ledger(self) -> None:
        """Wait until the queries' ledger rows handed to the background writer are written."""
        self.shell.writer.flush()

    async def aclose(self) -> None:
        await self.client.aclose()
        await anyio.to_thread.run_sync(self.shell.writer.close)
