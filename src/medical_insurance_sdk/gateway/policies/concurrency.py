"""Concurrency limits of spec §6.1.2 on every admitted call: a full slot answers 429 + 10004 at once.

    concurrency_limits_enabled = True                                  (default)
    concurrency_limits = {"per_institution": 20, "catalog_download": 4}          overrides

A call takes three slots, all or none: its concurrency class (registry `concurrency_class`: catalog_download
10, file_upload 20, data_upload 30, query 100, settle 50), counted per institution — one hospital's busy
catalogue downloads must not refuse another hospital's single call —, its institution (50) and the gateway
(500), which protects the bureau.  Each operation of a batch and each task holds its slots while it calls.
When one is full the call is refused at once with 429 + 10004 and Retry-After: 1 rather than queued: a
queue in front of a slow bureau only grows, and the client's retry policy already knows how to wait.
(10004 "请求频率过高" rather than 503 + 10005: the caller can fix it by sending less at once; 10005 would
tell them the gateway is down.)

Backends, behind `SlotBackend`: in-process counters by default; with REDIS_URL, one sorted set per slot
(`{<redis_key_prefix>}:concurrency:…`) so that the limits hold across workers.  Each Redis entry carries a
lease, so the slots of a crashed worker come free by themselves.  If Redis fails, calls are let through.
"""

from __future__ import annotations

import logging
import secrets
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import anyio
from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, field_validator

from medical_insurance_sdk.exceptions import RateLimitError
from medical_insurance_sdk.gateway.extensions import Admission, admission_policies, lifespan_hooks
from medical_insurance_sdk.gateway.settings import GatewaySettings
from medical_insurance_sdk.gateway.state import GatewayState
from medical_insurance_sdk.registry.policy import (
    CONCURRENCY_CLASSES,
    PER_INSTITUTION_CONCURRENT,
    TOTAL_CONCURRENT_REQUESTS,
)

log = logging.getLogger(__name__)

TOTAL = "total"
PER_INSTITUTION = "per_institution"
RETRY_AFTER_S = 1
# A Redis slot outlives a crashed worker by at most this long: above the longest call (a 300 s upload plus
# the engine's resolution of an unknown outcome).
LEASE_S = 600


def default_limits() -> dict[str, int]:
    return {
        TOTAL: TOTAL_CONCURRENT_REQUESTS,
        PER_INSTITUTION: PER_INSTITUTION_CONCURRENT,
        **CONCURRENCY_CLASSES,
    }


class ConcurrencyConfig(BaseModel):
    """The policy's configuration, checked when the app is built."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = True
    limits: dict[str, int]
    redis_url: str | None = None
    key_prefix: str = "yibao"

    @field_validator("limits")
    @classmethod
    def _known_and_positive(cls, value: dict[str, int]) -> dict[str, int]:
        known = set(default_limits())
        for scope, limit in value.items():
            if scope not in known:
                raise ValueError(
                    f"concurrency_limits: unknown scope {scope!r} (known: {', '.join(sorted(known))})"
                )
            if limit < 1:
                raise ValueError(f"concurrency_limits[{scope!r}] must be at least 1, not {limit}")
        return value

    @classmethod
    def from_settings(cls, settings: GatewaySettings) -> ConcurrencyConfig:
        return cls(
            enabled=settings.concurrency_limits_enabled,
            limits=default_limits() | dict(settings.concurrency_limits),
            redis_url=settings.redis_url,
            key_prefix=settings.redis_key_prefix,
        )


@dataclass(frozen=True)
class Slot:
    key: str
    limit: int
    label: str  # what is full, as the refusal says it


class SlotBackend(Protocol):
    """Where the slots are counted."""

    async def acquire(self, slots: Sequence[Slot], token: str) -> Slot | None:
        """Take every slot for `token` and answer None; or take none and answer the first full one."""
        ...

    async def release(self, slots: Sequence[Slot], token: str) -> None: ...

    async def aclose(self) -> None: ...


class MemorySlots:
    """Counters in this process (one event loop: nothing interleaves between the check and the count)."""

    def __init__(self) -> None:
        self.in_use: Counter[str] = Counter()

    async def acquire(self, slots: Sequence[Slot], token: str) -> Slot | None:
        full = next((slot for slot in slots if self.in_use[slot.key] >= slot.limit), None)
        if full is None:
            self.in_use.update(slot.key for slot in slots)
        return full

    async def release(self, slots: Sequence[Slot], token: str) -> None:
        self.in_use.subtract(slot.key for slot in slots)
        for slot in slots:
            if self.in_use[slot.key] <= 0:
                del self.in_use[slot.key]

    async def aclose(self) -> None:
        self.in_use.clear()


# KEYS: the slots; ARGV: lease seconds, token, then one limit per key.  All or none, with Redis's clock.
_ACQUIRE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local lease = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  if redis.call('ZCARD', key) >= tonumber(ARGV[2 + i]) then
    return i
  end
end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, now + lease, ARGV[2])
  redis.call('EXPIRE', key, math.ceil(lease) + 1)
end
return 0
"""


class RedisSlots:
    """One sorted set per slot: members are call tokens, scores their lease's end."""

    def __init__(self, url: str, *, lease_s: float = LEASE_S) -> None:
        from redis.asyncio import Redis  # only needed with REDIS_URL

        self.redis: Any = Redis.from_url(url)
        self.lease_s = lease_s
        self._acquire = self.redis.register_script(_ACQUIRE)

    async def acquire(self, slots: Sequence[Slot], token: str) -> Slot | None:
        args: list[float | str] = [self.lease_s, token, *(slot.limit for slot in slots)]
        full = int(await self._acquire(keys=[slot.key for slot in slots], args=args))
        return slots[full - 1] if full else None

    async def release(self, slots: Sequence[Slot], token: str) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            for slot in slots:
                pipe.zrem(slot.key, token)
            await pipe.execute()

    async def aclose(self) -> None:
        await self.redis.aclose()


class ConcurrencyPolicy:
    """Holds three slots for the length of each admitted transaction call."""

    name = "concurrency"
    order = 30

    def __init__(self, config: ConcurrencyConfig) -> None:
        self.config = config
        # Redis Cluster runs a script only over keys of one hash slot: the braces put them all in one.
        self.prefix = f"{{{config.key_prefix}}}:concurrency" if config.redis_url else "concurrency"

    def slots(self, admission: Admission) -> list[Slot]:
        limits = self.config.limits
        kind = admission.concurrency_class
        institution = admission.caller.institution_code
        return [
            Slot(
                f"{self.prefix}:class:{kind}:{institution}",
                limits[kind],
                f"本机构 {kind} 类接口的并发数（上限 {limits[kind]}）",
            ),
            Slot(
                f"{self.prefix}:institution:{institution}",
                limits[PER_INSTITUTION],
                f"本机构的并发请求数（上限 {limits[PER_INSTITUTION]}）",
            ),
            Slot(f"{self.prefix}:total", limits[TOTAL], f"网关的并发请求数（上限 {limits[TOTAL]}）"),
        ]

    @asynccontextmanager
    async def guard(self, state: GatewayState, admission: Admission) -> AsyncIterator[None]:
        backend: SlotBackend = state.extras[self.name]
        slots = self.slots(admission)
        token = secrets.token_hex(8)
        try:
            full = await backend.acquire(slots, token)
        except Exception:  # the backend is down: let the call through (see the module doc)
            log.warning("concurrency backend failed; call not counted", exc_info=True)
            full, slots = None, []
        if full is not None:
            raise RateLimitError(
                f"请求频率过高: {full.label}已满（规范 §6.1.2），请稍后重试",
                code=10004,
                retry_after=RETRY_AFTER_S,
            )
        try:
            yield
        finally:
            if slots:
                await self._release(backend, slots, token)

    @staticmethod
    async def _release(backend: SlotBackend, slots: Sequence[Slot], token: str) -> None:
        with anyio.CancelScope(shield=True):  # a cancelled call must still give its slots back
            try:
                await backend.release(slots, token)
            except Exception:
                log.warning("concurrency backend failed to release %s", token, exc_info=True)

    @asynccontextmanager
    async def running(self, state: GatewayState) -> AsyncIterator[None]:
        backend: SlotBackend = RedisSlots(self.config.redis_url) if self.config.redis_url else MemorySlots()
        state.extras[self.name] = backend
        try:
            yield
        finally:
            state.extras.pop(self.name, None)
            await backend.aclose()


def install_concurrency(app: FastAPI, settings: GatewaySettings) -> None:
    """Validate the configuration now; hold slots once the app runs (nothing when disabled)."""
    config = ConcurrencyConfig.from_settings(settings)
    if not config.enabled:
        return
    policy = ConcurrencyPolicy(config)
    admission_policies(app).append(policy)
    lifespan_hooks(app).append(policy.running)
