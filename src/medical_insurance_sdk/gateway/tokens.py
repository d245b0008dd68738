"""JWT access tokens (spec §7.1.2): HS256, issued for an API key, valid `jwt_ttl_s` seconds.

    token, expires_in = issue_token(key_id="0123abcd…", institution="H43028110001", role="admin",
                                    secret=settings.jwt_key, ttl_s=3600)
    claims = verify_token(token, secret=settings.jwt_key)   # 10008 when expired, 10007 when invalid

The token names its API key (`sub`): revoking the key ends its tokens too, because every request with a
token still looks the key up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from medical_insurance_sdk.exceptions import AuthenticationError

ALGORITHM = "HS256"
ISSUER = "medical-insurance-gateway"


# Why a token was refused, in words: the answer names no library or exception class.  Most specific first
# (the classes inherit from one another).
_REASONS: tuple[tuple[type[jwt.InvalidTokenError], str], ...] = (
    (jwt.InvalidSignatureError, "签名不正确"),
    (jwt.InvalidAlgorithmError, "签名算法不被接受"),
    (jwt.DecodeError, "格式不正确"),
    (jwt.InvalidIssuerError, "签发方不正确"),
    (jwt.MissingRequiredClaimError, "缺少必要声明"),
    (jwt.ImmatureSignatureError, "尚未生效"),
    (jwt.InvalidIssuedAtError, "签发时间不正确"),
)


def _why(exc: jwt.InvalidTokenError) -> str:
    return next((reason for kind, reason in _REASONS if isinstance(exc, kind)), "无法验证")


@dataclass(frozen=True)
class TokenClaims:
    key_id: str
    institution: str
    role: str
    expires_at: datetime


def issue_token(
    *, key_id: str, institution: str, role: str, secret: str, ttl_s: int, now: datetime | None = None
) -> tuple[str, int]:
    """A signed token and its lifetime in seconds."""
    issued = now or datetime.now(UTC)
    payload: dict[str, Any] = {
        "iss": ISSUER,
        "sub": key_id,
        "inst": institution,
        "role": role,
        "iat": issued,
        "exp": issued + timedelta(seconds=ttl_s),
    }
    return jwt.encode(payload, secret, algorithm=ALGORITHM), ttl_s


def verify_token(token: str, *, secret: str) -> TokenClaims:
    """The claims of a valid token; AuthenticationError 10008 when expired, 10007 otherwise."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "iss"]},
        )
    except jwt.ExpiredSignatureError:
        raise AuthenticationError("认证信息过期: 访问令牌已过期，请重新获取", code=10008) from None
    except jwt.InvalidTokenError as exc:
        raise AuthenticationError(f"机构信息无效: 访问令牌无效（{_why(exc)}）", code=10007) from None
    try:
        return TokenClaims(
            key_id=str(claims["sub"]),
            institution=str(claims["inst"]),
            role=str(claims["role"]),
            expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
        )
    except (KeyError, TypeError, ValueError):
        raise AuthenticationError("机构信息无效: 访问令牌缺少必要声明", code=10007) from None
