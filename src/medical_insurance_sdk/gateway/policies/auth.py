"""Who is calling: an API key (X-API-Key) or a JWT (Authorization: Bearer), for one institution.

Every call names its institution (X-Institution-Code, spec §1.2) and it must be the key's own; the
caller then acts only as that institution, whatever the request body says.

Codes (spec §5.2 has no "invalid key" code; 10007 机构信息无效 is the closest and is used throughout):
    401 + 10007  no X-Institution-Code, no credentials, unknown/revoked/malformed key, invalid token,
                 or an X-Institution-Code that is not the key's institution
    401 + 10008  an expired token (认证信息过期)

Failed authentications are counted per source address (`auth_failure_limit`, default 20 a minute, with
the `limits` library in this process's memory): past the limit every request from that address is refused
with 429 + 10004 and Retry-After until the window ends, whether its credentials are right or not, so that
guessing gains nothing.  The address is the connection's peer (a reverse proxy's X-Forwarded-For is not
trusted here).

A key that passed is remembered for `auth_cache_ttl_s` seconds (by the hash of what was presented, never
the key itself): the database lookup and its thread hop were a tenth of a 1101's time at the gateway.  So a
revoked key (`yibao keys revoke`, another process) stops working within that many seconds; 0 turns it off.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from typing import Literal

import anyio.to_thread
from fastapi import Request
from limits import RateLimitItem, parse_many
from limits.aio.strategies import FixedWindowRateLimiter
from limits.storage import storage_from_string

from medical_insurance_sdk.engine.settings import InstitutionConfig
from medical_insurance_sdk.exceptions import AuthenticationError, RateLimitError
from medical_insurance_sdk.gateway.keys import KeyRecord, authenticate_key, find_key, hash_key
from medical_insurance_sdk.gateway.state import GatewayState, gateway_state
from medical_insurance_sdk.gateway.tenancy import InstitutionRecord
from medical_insurance_sdk.gateway.tokens import verify_token
from medical_insurance_sdk.registry.policy import ROLES, Role

API_KEY_HEADER = "X-API-Key"
INSTITUTION_HEADER = "X-Institution-Code"
KEY_CACHE = "auth.key_cache"
KEY_CACHE_MAX = 10_000  # distinct keys remembered at once; beyond that the cache starts afresh
FAILURE_THROTTLE = "auth.failure_throttle"

log = logging.getLogger(__name__)


@dataclass
class KeyCache:
    """Keys that passed recently: hash of the presented key (`hash_key`) → (record, monotonic expiry)."""

    ttl_s: float
    entries: dict[str, tuple[KeyRecord, float]] = field(default_factory=dict)

    def get(self, digest: str) -> KeyRecord | None:
        found = self.entries.get(digest)
        if found is None or found[1] <= time.monotonic():
            return None
        return found[0]

    def put(self, digest: str, record: KeyRecord) -> None:
        if len(self.entries) >= KEY_CACHE_MAX:
            self.entries.clear()
        self.entries[digest] = (record, time.monotonic() + self.ttl_s)


def _key_cache(state: GatewayState) -> KeyCache | None:
    ttl = state.settings.auth_cache_ttl_s
    if ttl <= 0:
        return None
    cache = state.extras.get(KEY_CACHE)
    if not isinstance(cache, KeyCache):
        cache = state.extras[KEY_CACHE] = KeyCache(ttl)
    return cache


@dataclass
class FailureThrottle:
    """Failed authentications per source address, in fixed windows (`auth_failure_limit`)."""

    items: tuple[RateLimitItem, ...]
    limiter: FixedWindowRateLimiter = field(
        default_factory=lambda: FixedWindowRateLimiter(storage_from_string("async+memory://"))
    )

    async def refuse_if_spent(self, source: str) -> None:
        """429 + 10004 when `source` has failed too often in a current window."""
        for item in self.items:
            try:
                if await self.limiter.test(item, "auth-failure", source):
                    continue
                stats = await self.limiter.get_window_stats(item, "auth-failure", source)
            except Exception:  # a counter must never lock everyone out
                log.warning("auth-failure counter failed", exc_info=True)
                return
            retry_after = max(1, math.ceil(stats.reset_time - time.time()))
            raise RateLimitError(
                f"请求频率过高: 来自本地址的认证失败次数过多（每{_window(item)}最多 {item.amount} 次），"
                f"请 {retry_after} 秒后重试",
                code=10004,
                retry_after=retry_after,
            )

    async def failed(self, source: str) -> None:
        for item in self.items:
            try:
                await self.limiter.hit(item, "auth-failure", source)
            except Exception:
                log.warning("auth-failure counter failed", exc_info=True)


_UNITS = {"second": "秒", "minute": "分钟", "hour": "小时", "day": "天", "month": "月", "year": "年"}


def _window(item: RateLimitItem) -> str:
    unit = _UNITS.get(item.GRANULARITY.name, item.GRANULARITY.name)
    return f"{item.multiples if item.multiples > 1 else ''}{unit}"


def _failure_throttle(state: GatewayState) -> FailureThrottle | None:
    text = state.settings.auth_failure_limit
    if not text:
        return None
    throttle = state.extras.get(FAILURE_THROTTLE)
    if not isinstance(throttle, FailureThrottle):
        throttle = state.extras[FAILURE_THROTTLE] = FailureThrottle(tuple(parse_many(text)))
    return throttle


def source_address(request: Request) -> str:
    """The connection's peer address (what the failure throttle counts by)."""
    return request.client.host if request.client is not None else "unknown"


@dataclass(frozen=True)
class Caller:
    """The authenticated caller: which key, which institution, which role, and how it proved it."""

    key_id: str
    role: Role
    institution: InstitutionRecord
    config: InstitutionConfig
    via: Literal["api_key", "jwt"]

    @property
    def institution_code(self) -> str:
        return self.institution.code


def _refused(reason: str) -> AuthenticationError:
    return AuthenticationError(f"机构信息无效: {reason}", code=10007)


def _bearer(request: Request) -> str | None:
    value = request.headers.get("Authorization")
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _refused("Authorization 请求头应为 Bearer <token>")
    return token.strip()


async def authenticate(request: Request) -> Caller:
    """The dependency behind `deps.CurrentCaller`."""
    state = gateway_state(request)
    throttle = _failure_throttle(state)
    if throttle is None:
        return await _authenticate(state, request)
    source = source_address(request)
    await throttle.refuse_if_spent(source)
    try:
        return await _authenticate(state, request)
    except AuthenticationError:
        await throttle.failed(source)
        raise


def _missing_headers(request: Request) -> list[str]:
    """The identifying headers a request lacks, all of them: the institution and the credentials."""
    missing = []
    if not (request.headers.get(INSTITUTION_HEADER) or "").strip():
        missing.append(INSTITUTION_HEADER)
    if not request.headers.get(API_KEY_HEADER) and not request.headers.get("Authorization"):
        missing.append(f"{API_KEY_HEADER}（或 Authorization: Bearer 令牌）")
    return missing


async def _authenticate(state: GatewayState, request: Request) -> Caller:
    missing = _missing_headers(request)
    if missing:
        raise _refused(f"缺少请求头 {'、'.join(missing)}")
    code = (request.headers.get(INSTITUTION_HEADER) or "").strip()
    token = _bearer(request)
    via: Literal["api_key", "jwt"] = "jwt" if token is not None else "api_key"
    record = await (_by_token(state, token) if token is not None else _by_api_key(state, request))
    if record.institution.code != code:
        raise _refused(f"{INSTITUTION_HEADER} 与 API Key 所属机构不一致")
    role = ROLES.get(record.role)
    if role is None:  # a role removed from the policy after the key was issued
        raise _refused(f"API Key 的角色 {record.role} 已不存在")
    config = state.tenants.config_for(record.institution)
    return Caller(record.key_id, role, record.institution, config, via)


async def _by_api_key(state: GatewayState, request: Request) -> KeyRecord:
    presented = request.headers.get(API_KEY_HEADER) or ""  # present: `_missing_headers` looked
    cache = _key_cache(state)
    if cache is None:
        return await _look_up_key(state, presented)
    digest = hash_key(presented)
    record = cache.get(digest)
    if record is None:
        record = await _look_up_key(state, presented)
        cache.put(digest, record)
    return record


async def _look_up_key(state: GatewayState, presented: str) -> KeyRecord:
    record = await anyio.to_thread.run_sync(authenticate_key, state.database, presented)
    if record is None:
        raise _refused("API Key 无效或已吊销")
    return record


async def _by_token(state: GatewayState, token: str) -> KeyRecord:
    claims = verify_token(token, secret=state.settings.jwt_key)
    record = await anyio.to_thread.run_sync(find_key, state.database, claims.key_id)
    # the key is looked up on every call, so revoking it also ends its tokens
    if record is None or not record.active or record.institution.code != claims.institution:
        raise _refused("访问令牌对应的 API Key 无效或已吊销")
    return record
