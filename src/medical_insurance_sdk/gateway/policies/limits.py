"""Rate limits of spec §6.2.1 on every admitted call: 429 + 10004 with Retry-After when one is spent.

Every way in is counted (a transaction route, each operation of a batch, an async task, a file upload, a
universal query: see `extensions.admitted`), so a batch is no way around the institution's quota.

    rate_limits_enabled = True                                     (default)
    rate_limits = {"per_institution": "200/minute;8000/hour", "settlement": ""}    overrides; "" lifts one

Three scopes, each with the spec's windows (per minute / hour / day), counted with the `limits` library in
fixed windows (constant time and memory per key, unlike a moving window over 500,000 requests a day):
- the rate category of the call (registry `rate_category`: catalog_download, file_upload, data_query,
  settlement), counted per institution — a shared count would let one hospital's catalogue
  downloads lock every other hospital out;
- the caller's institution (the authenticated one, never a header's claim);
- the whole gateway.
They are spent in that order, so a request refused by its category does not use up the wider quotas.
Retry-After is the time until the spent window resets.

Storage: in process ("memory://") by default; with REDIS_URL the counts live in Redis and hold for every
worker (keys `<redis_key_prefix>:ratelimit/…`).  If the storage fails, calls are let through and the
failure is logged: a hospital's settlement matters more than a counter.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from limits import RateLimitItem, parse_many
from limits.aio.strategies import FixedWindowRateLimiter
from limits.storage import storage_from_string
from pydantic import BaseModel, ConfigDict, field_validator

from medical_insurance_sdk.exceptions import RateLimitError
from medical_insurance_sdk.gateway.extensions import Admission, admission_policies, lifespan_hooks
from medical_insurance_sdk.gateway.settings import GatewaySettings
from medical_insurance_sdk.gateway.state import GatewayState
from medical_insurance_sdk.registry.policy import GLOBAL_RATE, PER_INSTITUTION_RATE, RATE_CATEGORIES

log = logging.getLogger(__name__)

GLOBAL = "global"
PER_INSTITUTION = "per_institution"
_UNITS = {"second": "秒", "minute": "分钟", "hour": "小时", "day": "天", "month": "月", "year": "年"}


def default_limits() -> dict[str, tuple[str, ...]]:
    """The spec's limits by scope name."""
    limits = {GLOBAL: GLOBAL_RATE.items(), PER_INSTITUTION: PER_INSTITUTION_RATE.items()}
    return limits | {name: rate.items() for name, rate in RATE_CATEGORIES.items()}


class RateLimitConfig(BaseModel):
    """The policy's configuration, checked when the app is built (a typo fails at startup, not at 3 a.m.)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = True
    limits: dict[str, tuple[str, ...]]
    redis_url: str | None = None
    key_prefix: str = "yibao"

    @field_validator("limits")
    @classmethod
    def _known_and_parsable(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        known = set(default_limits())
        for scope, texts in value.items():
            if scope not in known:
                raise ValueError(f"rate_limits: unknown scope {scope!r} (known: {', '.join(sorted(known))})")
            for text in texts:
                try:
                    parse_many(text)
                except ValueError as exc:
                    raise ValueError(
                        f"rate_limits[{scope!r}]: {text!r} is not a rate limit ({exc})"
                    ) from None
        return value

    @classmethod
    def from_settings(cls, settings: GatewaySettings) -> RateLimitConfig:
        limits = default_limits()
        for scope, text in settings.rate_limits.items():
            limits[scope] = tuple(part.strip() for part in text.split(";") if part.strip())
        return cls(
            enabled=settings.rate_limits_enabled,
            limits=limits,
            redis_url=settings.redis_url,
            key_prefix=settings.redis_key_prefix,
        )

    def items(self, scope: str) -> tuple[RateLimitItem, ...]:
        return tuple(item for text in self.limits.get(scope, ()) for item in parse_many(text))


@dataclass(frozen=True)
class _Scope:
    label: str  # who is limited, as the refusal says it
    items: tuple[RateLimitItem, ...]
    identifiers: tuple[str, ...]


def _window(item: RateLimitItem) -> str:
    unit = _UNITS.get(item.GRANULARITY.name, item.GRANULARITY.name)
    return f"每{item.multiples if item.multiples > 1 else ''}{unit}最多 {item.amount} 次"


class RateLimitPolicy:
    """Counts each admitted transaction call against its category, its institution and the gateway."""

    name = "rate-limit"
    order = 20

    def __init__(self, config: RateLimitConfig) -> None:
        self.config = config
        self._global = config.items(GLOBAL)
        self._institution = config.items(PER_INSTITUTION)
        self._categories = {name: config.items(name) for name in RATE_CATEGORIES}

    def scopes(self, admission: Admission) -> list[_Scope]:
        institution = admission.caller.institution_code
        scopes = []
        category = admission.rate_category
        if category and self._categories.get(category):
            scopes.append(
                _Scope(f"本机构的 {category} 类接口", self._categories[category], (category, institution))
            )
        scopes.append(_Scope("本机构", self._institution, (PER_INSTITUTION, institution)))
        scopes.append(_Scope("网关", self._global, (GLOBAL,)))
        return scopes

    @asynccontextmanager
    async def guard(self, state: GatewayState, admission: Admission) -> AsyncIterator[None]:
        limiter: FixedWindowRateLimiter = state.extras[self.name]
        for scope in self.scopes(admission):
            for item in scope.items:
                await self._spend(limiter, scope, item)
        yield

    async def _spend(self, limiter: FixedWindowRateLimiter, scope: _Scope, item: RateLimitItem) -> None:
        try:
            if await limiter.hit(item, *scope.identifiers):
                return
            stats = await limiter.get_window_stats(item, *scope.identifiers)
        except Exception:  # the storage is down: let the call through (see the module doc)
            log.warning("rate-limit storage failed; %s not counted", scope.label, exc_info=True)
            return
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        raise RateLimitError(
            f"请求频率过高: {scope.label}{_window(item)}（规范 §6.2.1），请 {retry_after} 秒后重试",
            code=10004,
            retry_after=retry_after,
        )

    @asynccontextmanager
    async def running(self, state: GatewayState) -> AsyncIterator[None]:
        """The counter storage for this app's lifetime (memory, or a Redis pool closed at shutdown)."""
        pool: Any = None
        if self.config.redis_url:
            from redis.asyncio import ConnectionPool

            pool = ConnectionPool.from_url(self.config.redis_url)
            storage = storage_from_string(
                "async+" + self.config.redis_url,
                implementation="redispy",
                connection_pool=pool,
                key_prefix=f"{self.config.key_prefix}:ratelimit",
            )
        else:
            storage = storage_from_string("async+memory://")
        state.extras[self.name] = FixedWindowRateLimiter(storage)
        try:
            yield
        finally:
            state.extras.pop(self.name, None)
            if pool is not None:
                await pool.aclose()


def install_rate_limits(app: FastAPI, settings: GatewaySettings) -> None:
    """Validate the configuration now; count calls once the app runs (nothing when disabled)."""
    config = RateLimitConfig.from_settings(settings)
    if not config.enabled:
        return
    policy = RateLimitPolicy(config)
    admission_policies(app).append(policy)
    lifespan_hooks(app).append(policy.running)
