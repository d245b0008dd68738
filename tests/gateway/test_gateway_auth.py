"""Authentication (API key, JWT) and RBAC: 401 + 10007 / 10008, 403 + 10009, in the common format."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from gateway_support import HOSPITAL, PHARMACY, TEST_JWT_SECRET, Gateway, gateway_settings, start_gateway

from medical_insurance_sdk.gateway.keys import create_key, revoke_key
from medical_insurance_sdk.gateway.tokens import issue_token
from medical_insurance_sdk.registry import API_PREFIX, REGISTRY
from medical_insurance_sdk.registry.policy import PERMISSIONS, ROLES

INSTITUTION_INFO = API_PREFIX + "basic/institution-info"  # 1201, person_info:read: every role but analysts
DEPARTMENTS = API_PREFIX + "query/department-info"  # 5101, info:query: every role
TOKEN = API_PREFIX + "auth/token"


def call(gateway: Gateway, headers: dict[str, str], url: str = DEPARTMENTS) -> httpx.Response:
    return gateway.client.get(url, headers=headers)


def assert_refused(response: httpx.Response, status: int, code: int) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert response.status_code == status, response.text
    assert body["success"] is False and body["data"] is None
    assert body["error_code"] == code and body["error"]["code"] == code
    assert body["message"] and body["request_id"].startswith("REQ")
    return body


def test_a_valid_key_of_the_named_institution_is_served(gateway: Gateway) -> None:
    response = call(gateway, gateway.headers("hospital_operator"))
    assert response.status_code == 200 and response.json()["success"] is True


def test_no_key_is_refused(gateway: Gateway) -> None:
    body = assert_refused(call(gateway, {"X-Institution-Code": HOSPITAL}), 401, 10007)
    assert "X-API-Key" in body["message"]


def test_no_institution_header_is_refused(gateway: Gateway) -> None:
    body = assert_refused(call(gateway, {"X-API-Key": gateway.keys["admin"]}), 401, 10007)
    assert "X-Institution-Code" in body["message"]


def test_with_neither_header_both_are_named_in_one_answer(gateway: Gateway) -> None:
    body = assert_refused(call(gateway, {}), 401, 10007)
    assert body["message"] == (
        "机构信息无效: 缺少请求头 X-Institution-Code、X-API-Key（或 Authorization: Bearer 令牌）"
    )


@pytest.mark.parametrize(
    "key",
    ["not-a-key", "mik_0123456789abcdef_" + "A" * 43, "mik_zz_short"],
    ids=["malformed", "unknown", "garbled"],
)
def test_a_wrong_key_is_refused(gateway: Gateway, key: str) -> None:
    assert_refused(call(gateway, {"X-API-Key": key, "X-Institution-Code": HOSPITAL}), 401, 10007)


def test_a_right_key_id_with_a_wrong_secret_is_refused(gateway: Gateway) -> None:
    key = gateway.keys["admin"]
    forged = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    assert_refused(call(gateway, {"X-API-Key": forged, "X-Institution-Code": HOSPITAL}), 401, 10007)


def test_a_key_of_another_institution_is_refused(gateway: Gateway) -> None:
    body = assert_refused(call(gateway, gateway.headers("admin", institution=PHARMACY)), 401, 10007)
    assert "不一致" in body["message"]


def test_a_revoked_key_is_refused(gateway: Gateway) -> None:
    issued = create_key(gateway.state.database, HOSPITAL, "admin")
    headers = {"X-API-Key": issued.key, "X-Institution-Code": HOSPITAL}
    assert call(gateway, headers).status_code == 200
    assert revoke_key(gateway.state.database, issued.key_id)
    assert_refused(call(gateway, headers), 401, 10007)


def test_a_key_that_passed_is_trusted_for_the_cache_ttl_only(database_url: str, tmp_path: Path) -> None:
    """auth_cache_ttl_s: a revoked key still passes until its cached approval expires, then never again;
    a refused key is never remembered."""
    # long enough that a loaded CI machine still makes the second call inside it
    settings = gateway_settings(database_url, tmp_path, auth_cache_ttl_s=3.0)
    with start_gateway(settings) as (app, client):
        database = app.state.gateway.database
        issued = create_key(database, HOSPITAL, "admin")
        headers = {"X-API-Key": issued.key, "X-Institution-Code": HOSPITAL}
        assert client.get(DEPARTMENTS, headers=headers).status_code == 200
        assert revoke_key(database, issued.key_id)
        assert client.get(DEPARTMENTS, headers=headers).status_code == 200  # within the ttl
        time.sleep(3.1)
        assert_refused(client.get(DEPARTMENTS, headers=headers), 401, 10007)
        assert_refused(client.get(DEPARTMENTS, headers=headers), 401, 10007)  # and stays refused


# ------------------------------------------------------------------------------------------------ JWT


def get_token(gateway: Gateway, role: str = "hospital_operator") -> str:
    response = gateway.client.post(TOKEN, headers=gateway.headers(role))
    body = response.json()
    assert response.status_code == 200 and body["success"] is True, response.text
    assert body["data"]["token_type"] == "bearer" and body["data"]["expires_in"] == 3600
    assert body["interface_info"] is None
    token: str = body["data"]["access_token"]
    return token


def test_a_token_is_issued_for_a_key_and_accepted_instead_of_it(gateway: Gateway) -> None:
    token = get_token(gateway)
    headers = {"Authorization": f"Bearer {token}", "X-Institution-Code": HOSPITAL}
    response = call(gateway, headers)
    assert response.status_code == 200 and response.json()["success"] is True


def test_a_token_keeps_the_role_of_its_key(gateway: Gateway) -> None:
    token = get_token(gateway, "data_analyst")
    headers = {"Authorization": f"Bearer {token}", "X-Institution-Code": HOSPITAL}
    assert_refused(gateway.client.post(INSTITUTION_INFO, headers=headers, json={}), 403, 10009)


def test_an_expired_token_is_refused_with_10008(gateway: Gateway) -> None:
    key_id = gateway.keys["admin"].split("_")[1]
    token, _ = issue_token(
        key_id=key_id,
        institution=HOSPITAL,
        role="admin",
        secret=TEST_JWT_SECRET,
        ttl_s=60,
        now=datetime.now(UTC) - timedelta(hours=2),
    )
    body = assert_refused(
        call(gateway, {"Authorization": f"Bearer {token}", "X-Institution-Code": HOSPITAL}), 401, 10008
    )
    assert body["message"].startswith("认证信息过期")


def test_a_token_signed_with_another_secret_is_refused(gateway: Gateway) -> None:
    key_id = gateway.keys["admin"].split("_")[1]
    token, _ = issue_token(key_id=key_id, institution=HOSPITAL, role="admin", secret="z" * 40, ttl_s=60)
    assert_refused(
        call(gateway, {"Authorization": f"Bearer {token}", "X-Institution-Code": HOSPITAL}), 401, 10007
    )


def test_a_token_for_another_institution_is_refused(gateway: Gateway) -> None:
    token = get_token(gateway)
    assert_refused(
        call(gateway, {"Authorization": f"Bearer {token}", "X-Institution-Code": PHARMACY}), 401, 10007
    )


def test_revoking_a_key_ends_its_tokens(gateway: Gateway) -> None:
    issued = create_key(gateway.state.database, HOSPITAL, "hospital_operator")
    response = gateway.client.post(TOKEN, headers={"X-API-Key": issued.key, "X-Institution-Code": HOSPITAL})
    token = response.json()["data"]["access_token"]
    headers = {"Authorization": f"Bearer {token}", "X-Institution-Code": HOSPITAL}
    assert call(gateway, headers).status_code == 200
    revoke_key(gateway.state.database, issued.key_id)
    assert_refused(call(gateway, headers), 401, 10007)


def test_a_token_cannot_renew_itself(gateway: Gateway) -> None:
    token = get_token(gateway)
    headers = {"Authorization": f"Bearer {token}", "X-Institution-Code": HOSPITAL}
    assert_refused(gateway.client.post(TOKEN, headers=headers), 401, 10007)


def test_a_bearer_header_that_is_not_bearer_is_refused(gateway: Gateway) -> None:
    assert_refused(call(gateway, {"Authorization": "Basic abc", "X-Institution-Code": HOSPITAL}), 401, 10007)


# ------------------------------------------------------------------------------------------------ RBAC


def test_role_denial_is_403_10009_before_the_body_is_read(gateway: Gateway) -> None:
    response = gateway.post("business/outpatient/settle", "data_analyst", content=b"{not json")
    body = assert_refused(response, 403, 10009)
    assert "settlement:create" in body["message"]
    assert body["interface_info"]["infno"] == "2207"


# one transaction per permission; every role tried on each
_BY_PERMISSION = {tx.permission: tx for tx in reversed(REGISTRY.transactions)}
_CASES = [(role, _BY_PERMISSION[p]) for p in sorted(PERMISSIONS) if p in _BY_PERMISSION for role in ROLES]


@pytest.mark.parametrize(("role", "tx"), _CASES, ids=[f"{role}-{tx.permission}" for role, tx in _CASES])
def test_each_route_requires_its_registry_permission(gateway: Gateway, role: str, tx: Any) -> None:
    route = tx.routes[0]
    # an empty body: allowed callers get past RBAC (then validation answers), denied ones get 403
    response = gateway.request(
        route.method, route.path, role, content=b"{}", headers={"Content-Type": "application/json"}
    )
    allowed = ROLES[role].allows(tx.permission)
    if allowed:
        assert response.status_code != 403, response.text
    else:
        assert_refused(response, 403, 10009)
