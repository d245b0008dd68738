"""API2:2023 Broken Authentication: weak JWT secrets, what a refused token is told, throttled guessing.

- production refuses a JWT secret that is long but guessable (`aaaa…`, a placeholder typed over and over, a
  phrase repeated, one character nearly everywhere), not only a short one; generated secrets pass;
- a refused token is told why in Chinese, never with the name of a library's exception class;
- failed authentications are counted per source address: past `auth_failure_limit` (20 a minute) every
  request from that address is 429 + 10004 with Retry-After — a right key too, so guessing gains nothing —
  while other addresses are untouched.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from fastapi import FastAPI
from gateway_support import HOSPITAL, TEST_JWT_SECRET, Gateway, GatewayPortalTransport, gateway_settings
from pydantic import ValidationError

from medical_insurance_sdk.gateway import GatewaySettings, create_app
from medical_insurance_sdk.gateway.keys import create_key
from medical_insurance_sdk.gateway.tokens import ISSUER
from medical_insurance_sdk.registry import API_PREFIX
from medical_insurance_sdk.sandbox.settings import SandboxSettings

INSTITUTION_INFO = API_PREFIX + "basic/institution-info"
BUREAU = "http://bureau.test/"


# ------------------------------------------------------------------------------------------ JWT secret

WEAK_SECRETS = (
    "a" * 64,
    "changeme" * 5,
    "secret-" * 6,
    "your_jwt_secret_your_jwt_secret_1",
    "changeme-changeme-changeme-2024!!",
    "0123456789" * 4,
    "abc" * 16,
    "my-hospital-jwt-key-my-hospital-jwt-key",
    "gateway-tests-" + "x" * 40,
    "a" * 38 + "bcdefghijklmnop",
    "ababbabaabbbaabababbbabababaabab",  # 32 characters, two of them
    "short",
    "",
)


@pytest.mark.parametrize("secret", WEAK_SECRETS)
def test_production_refuses_a_guessable_jwt_secret(secret: str) -> None:
    with pytest.raises(ValidationError, match="MEDICAL_INSURANCE_JWT_SECRET") as refused:
        GatewaySettings(
            database_url="sqlite://", environment="production", jwt_secret=secret, bureau_api_url=BUREAU
        )
    assert "不安全" in str(refused.value)


def test_production_accepts_generated_secrets() -> None:
    generated = [secrets.token_urlsafe(32), secrets.token_urlsafe(48), secrets.token_hex(16)]
    generated += [secrets.token_hex(32) for _ in range(50)]
    for secret in generated:
        settings = GatewaySettings(
            database_url="sqlite://", environment="production", jwt_secret=secret, bureau_api_url=BUREAU
        )
        assert settings.jwt_key == secret


# -------------------------------------------------------------------------------- 401 texts of tokens

# Names a library would put in its messages: exception classes, PyJWT's own English sentences.
LIBRARY_WORDS = re.compile(
    r"\b[A-Z][A-Za-z]*(Error|Exception)\b|PyJWT|\bjwt\.|(?i:signature verification|not enough segments|"
    r"invalid (header|payload|crypto|issuer)|alg value|required claim|not yet valid)"
)


def _claims(key_id: str, **changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "sub": key_id,
        "inst": HOSPITAL,
        "role": "admin",
        "iat": now,
        "exp": now + timedelta(minutes=5),
    }
    for name, value in changes.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


def _bad_tokens(key_id: str) -> dict[str, str]:
    later = datetime.now(UTC) + timedelta(hours=1)
    return {
        "not a token": "not-a-jwt",
        "three garbage parts": "e30.e30.e30",
        "another secret": jwt.encode(_claims(key_id), "another-" + secrets.token_hex(24), algorithm="HS256"),
        "another issuer": jwt.encode(_claims(key_id, iss="someone-else"), TEST_JWT_SECRET, algorithm="HS256"),
        "no expiry": jwt.encode(_claims(key_id, exp=None), TEST_JWT_SECRET, algorithm="HS256"),
        "not yet valid": jwt.encode(_claims(key_id, nbf=later), TEST_JWT_SECRET, algorithm="HS256"),
        "another algorithm": jwt.encode(_claims(key_id), TEST_JWT_SECRET + "!" * 32, algorithm="HS512"),
        "unsigned": jwt.encode(_claims(key_id), None, algorithm="none"),
        "expiry not a number": jwt.encode(_claims(key_id, exp="soon"), TEST_JWT_SECRET, algorithm="HS256"),
    }


def test_a_refused_token_is_told_why_without_library_names(gateway: Gateway) -> None:
    key_id = gateway.keys["admin"].split("_")[1]
    for case, token in _bad_tokens(key_id).items():
        headers = {"Authorization": f"Bearer {token}", "X-Institution-Code": HOSPITAL}
        response = gateway.client.post(INSTITUTION_INFO, headers=headers, json={})
        body = response.json()
        assert (response.status_code, body["error_code"]) == (401, 10007), (case, response.text)
        assert body["message"].startswith("机构信息无效: 访问令牌"), (case, body["message"])
        assert not LIBRARY_WORDS.search(response.text), (case, response.text)


# -------------------------------------------------------------------------------------- throttling


class _From(GatewayPortalTransport):
    """The test gateway's in-process transport, as seen from one client address."""

    def __init__(self, portal: BlockingPortal, app: FastAPI, address: str) -> None:
        super().__init__(portal, app)
        self._asgi = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(address, 50123))


@contextmanager
def gateway_from(settings: GatewaySettings, *addresses: str) -> Iterator[tuple[FastAPI, list[httpx.Client]]]:
    """A started gateway and one client per source address."""
    app = create_app(settings, sandbox_settings=SandboxSettings())
    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(app.router.lifespan_context(app)),
    ):
        clients = [
            httpx.Client(transport=_From(portal, app, address), base_url="http://gateway")
            for address in addresses
        ]
        try:
            yield app, clients
        finally:
            for client in clients:
                client.close()


def test_authentication_failures_are_throttled_per_source_address(database_url: str, tmp_path: Path) -> None:
    settings = gateway_settings(database_url, tmp_path, auth_failure_limit="20/minute")
    with gateway_from(settings, "203.0.113.7", "198.51.100.20") as (app, (guesser, neighbour)):
        key = create_key(app.state.gateway.database, HOSPITAL, "admin").key
        good = {"X-API-Key": key, "X-Institution-Code": HOSPITAL}
        assert guesser.post(INSTITUTION_INFO, headers=good, json={}).status_code == 200  # successes are free
        wrong = [
            {
                "X-API-Key": f"mik_{secrets.token_hex(8)}_{secrets.token_urlsafe(32)}",
                "X-Institution-Code": HOSPITAL,
            }
            for _ in range(15)
        ]
        wrong += [{"Authorization": "Bearer not-a-jwt", "X-Institution-Code": HOSPITAL}] * 3
        wrong += [{"X-Institution-Code": HOSPITAL}, {"X-API-Key": key}]  # no key; no institution
        assert len(wrong) == 20
        for headers in wrong:
            assert guesser.post(INSTITUTION_INFO, headers=headers, json={}).status_code == 401

        for headers in (wrong[0], good):  # the 21st guess, and then even the right key
            refused = guesser.post(INSTITUTION_INFO, headers=headers, json={})
            body = refused.json()
            assert (refused.status_code, body["error_code"], body["success"]) == (429, 10004, False), (
                refused.text
            )
            assert 1 <= int(refused.headers["Retry-After"]) <= 60
            assert "认证失败次数过多" in body["message"]

        # another address is not punished for the guesser
        assert neighbour.post(INSTITUTION_INFO, headers=good, json={}).status_code == 200
        assert neighbour.post(INSTITUTION_INFO, headers=wrong[0], json={}).status_code == 401


def test_no_throttle_when_the_limit_is_lifted(database_url: str, tmp_path: Path) -> None:
    settings = gateway_settings(database_url, tmp_path, auth_failure_limit="")
    with gateway_from(settings, "203.0.113.8") as (_, (client,)):
        for _ in range(25):
            response = client.post(INSTITUTION_INFO, headers={"X-Institution-Code": HOSPITAL}, json={})
            assert response.status_code == 401


def test_a_bad_limit_is_refused_at_startup() -> None:
    with pytest.raises(ValidationError, match="MEDICAL_INSURANCE_AUTH_FAILURE_LIMIT"):
        GatewaySettings(database_url="sqlite://", auth_failure_limit="twenty a minute")
