"""Admin API and HTML page of the sandbox: persons, balances, ledger, faults, reset, seed."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from bureau_harness import ZHANG_SAN, Bureau, assert_failure, assert_success, open_bureau, person_query
from fastapi import FastAPI

from medical_insurance_sdk.protocol.jsoncodec import loads
from medical_insurance_sdk.sandbox.admin import ADMIN_TOKEN_HEADER, AdminAccess, admin_router
from medical_insurance_sdk.sandbox.seed import DEMO_HOSPITAL, PERSONS
from medical_insurance_sdk.sandbox.transport import SyncSandboxTransport


@pytest.fixture
def bureau(tmp_path: Path) -> Iterator[Bureau]:
    with open_bureau(tmp_path) as opened:
        opened.sign_in()
        yield opened


def _get(bureau: Bureau, path: str) -> object:
    response = bureau.client.get(path)
    assert response.status_code == 200, response.text
    return loads(response.content)


def test_persons(bureau: Bureau) -> None:
    persons = _get(bureau, "/sandbox/admin/persons")
    assert isinstance(persons, list) and len(persons) == len(PERSONS)
    zhang = next(p for p in persons if p["psn_no"] == ZHANG_SAN.psn_no)
    assert zhang["certno"] == ZHANG_SAN.certno and zhang["psn_name"] == "张三"
    assert zhang["insutype"] == "310" and zhang["balc"] == Decimal("1500.00")  # exact, not a float


def test_balances(bureau: Bureau) -> None:
    balances = _get(bureau, "/sandbox/admin/balances")
    assert isinstance(balances, list)
    assert {b["psn_no"]: b["balc"] for b in balances}[ZHANG_SAN.psn_no] == Decimal("1500.00")


def test_ledger_and_filters(bureau: Bureau) -> None:
    bureau.call("1101", person_query())
    ledger = _get(bureau, "/sandbox/admin/ledger")
    assert isinstance(ledger, list) and [m["infno"] for m in ledger[:2]] == ["1101", "9001"]
    assert ledger[0]["output"]["baseinfo"]["psn_name"] == "张三"
    only = _get(bureau, "/sandbox/admin/ledger?infno=9001")
    assert isinstance(only, list) and {m["infno"] for m in only} == {"9001"}
    assert _get(bureau, "/sandbox/admin/ledger?fixmedins_code=H00000000000") == []


def test_rejections(bureau: Bureau) -> None:
    bureau.call("1101", person_query(), sign_no="")
    rejected = _get(bureau, "/sandbox/admin/rejections")
    assert isinstance(rejected, list) and "签到" in rejected[0]["err_msg"]


def test_faults_endpoints(bureau: Bureau) -> None:
    rule = {"scope": "2207", "kind": "timeout_after", "probability": 0.1}
    added = bureau.client.post("/sandbox/admin/faults", json=rule).json()
    assert added["rules"][0]["kind"] == "timeout_after" and added["rules"][0]["left"] is None
    replaced = bureau.client.put(
        "/sandbox/admin/faults", json={"rules": [{"kind": "http_5xx", "count": 3}], "seed": 5}
    ).json()
    assert replaced["seed"] == 5 and [r["kind"] for r in replaced["rules"]] == ["http_5xx"]
    assert (
        bureau.client.put("/sandbox/admin/faults", json={"rules": [{"kind": "latency"}]}).status_code == 422
    )
    assert bureau.client.delete("/sandbox/admin/faults").json()["rules"] == []


def test_reset_restores_the_seed(bureau: Bureau) -> None:
    upload = {
        "fsUploadIn": {
            "in": base64.b64encode(b"x").decode(),
            "filename": "a.zip",
            "fixmedins_code": DEMO_HOSPITAL,
        }
    }
    assert_success(bureau.call("9101", upload))
    bureau.client.put("/sandbox/admin/faults", json={"rules": [{"kind": "http_5xx", "scope": "5101"}]})
    assert bureau.client.post("/sandbox/admin/reset").json() == {"status": "ok", "persons": len(PERSONS)}
    assert _get(bureau, "/sandbox/admin/ledger") == []
    assert _get(bureau, "/sandbox/admin/faults") == {"seed": 0, "rules": []}
    assert_failure(bureau.call("1101", person_query()), "签到")  # sign-ins are gone too
    bureau.sign_in()
    assert_success(bureau.call("1101", person_query()))


def test_seed_adds_only_what_is_missing(bureau: Bureau) -> None:
    assert bureau.client.post("/sandbox/admin/seed").json() == {"status": "ok", "added": 0}


def test_html_page(bureau: Bureau) -> None:
    bureau.call("1101", person_query())
    response = bureau.client.get("/sandbox/")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "参保人员" in page and "最近结算" in page and ZHANG_SAN.certno in page and "1101" in page


def test_router_can_be_included_by_another_app(bureau: Bureau) -> None:
    async def everyone_is_admin() -> AdminAccess:  # the including app decides who may (the gateway: keys)
        return AdminAccess()

    gateway = FastAPI()
    gateway.include_router(admin_router(bureau.state, guard=everyone_is_admin))
    with httpx.Client(transport=SyncSandboxTransport(gateway), base_url="http://gateway.test") as client:
        persons = client.get("/sandbox/admin/persons").json()
        assert len(persons) == len(PERSONS)
        assert client.get("/sandbox/").status_code == 200


def test_the_admin_api_needs_the_sandbox_admin_token(bureau: Bureau) -> None:
    token = bureau.app.state.admin_token
    bare = httpx.Client(transport=bureau.transport, base_url="http://sandbox.test")
    for method, path in (
        ("POST", "/sandbox/admin/reset"),
        ("GET", "/sandbox/admin/ledger"),
        ("GET", "/sandbox/"),
    ):
        assert bare.request(method, path).status_code == 401
        assert bare.request(method, path, headers={ADMIN_TOKEN_HEADER: token + "x"}).status_code == 401
    assert bare.get("/sandbox/admin/persons", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert bare.get("/sandbox/admin/persons", headers={ADMIN_TOKEN_HEADER: token}).status_code == 200
