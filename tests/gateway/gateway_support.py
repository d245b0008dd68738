"""Gateway test support: a started gateway over the embedded sandbox, and a client that calls it in process.

    with start_gateway(gateway_settings(url, tmp)) as (app, client): ...
    gateway.headers("admin")                          X-API-Key + X-Institution-Code of that key
    gateway.post("basic/person-info", role, json=…)  paths are relative to /api/v1/medical-insurance/

`GatewayPortalTransport` hands each request to the app on the event loop that ran its lifespan (an anyio
blocking portal), the way a server would; app crashes come back as HTTP 500, as from a server.  A plain
module, not conftest.py: pytest puts this folder on sys.path.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from anyio.from_thread import BlockingPortal, start_blocking_portal
from fastapi import FastAPI

from medical_insurance_sdk.gateway import GatewaySettings, create_app
from medical_insurance_sdk.gateway.state import GatewayState
from medical_insurance_sdk.protocol import jsoncodec
from medical_insurance_sdk.registry import API_PREFIX
from medical_insurance_sdk.sandbox.seed import InsuredPerson
from medical_insurance_sdk.sandbox.settings import SandboxSettings

HOSPITAL = "H43028110001"
PHARMACY = "P43028110002"
TEST_JWT_SECRET = "gateway-tests-" + "x" * 40
# Generous for a CI machine, short enough that a timeout test takes about a second.
TEST_BUREAU_TIMEOUT_S = 1.5
JSON = {"Content-Type": "application/json"}


class GatewayPortalTransport(httpx.BaseTransport):
    """Synchronous httpx transport into an ASGI app running on a blocking portal's event loop."""

    def __init__(self, portal: BlockingPortal, app: FastAPI) -> None:
        self._portal = portal
        self._asgi = httpx.ASGITransport(app=app, raise_app_exceptions=False)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        inner = httpx.Request(request.method, request.url, headers=request.headers, content=request.read())
        status, headers, content = self._portal.call(self._exchange, inner)
        return httpx.Response(status, headers=headers, content=content, request=request)

    async def _exchange(self, request: httpx.Request) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        response = await self._asgi.handle_async_request(request)
        return response.status_code, response.headers.raw, await response.aread()


def gateway_settings(database_url: str, data_dir: Path, **overrides: Any) -> GatewaySettings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "data_dir": data_dir,
        "environment": "development",
        "jwt_secret": TEST_JWT_SECRET,
        "sweeper_interval_s": 0,  # outcomes are resolved inside the calls; a sweeper would race the tests
        "bureau_timeout_s": TEST_BUREAU_TIMEOUT_S,
        "demo_institution": True,
        **overrides,
    }
    return GatewaySettings(**values)


@contextmanager
def start_gateway(settings: GatewaySettings, **create: Any) -> Iterator[tuple[FastAPI, httpx.Client]]:
    """Run `create_app(settings)` with its lifespan on a portal; yields the app and a client into it."""
    create.setdefault("sandbox_settings", SandboxSettings())  # in memory: a fresh bureau per gateway
    app = create_app(settings, **create)
    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(app.router.lifespan_context(app)),
        httpx.Client(transport=GatewayPortalTransport(portal, app), base_url="http://gateway") as client,
    ):
        yield app, client


@dataclass
class Gateway:
    """A started gateway and the keys the tests call it with."""

    app: FastAPI
    client: httpx.Client
    database_url: str
    data_dir: Path
    keys: dict[str, str] = field(default_factory=dict)  # role → key of the demo hospital
    other_key: str = ""  # admin key of the demo pharmacy

    @property
    def state(self) -> GatewayState:
        state: GatewayState = self.app.state.gateway
        return state

    def headers(self, role: str = "admin", *, institution: str = HOSPITAL) -> dict[str, str]:
        return {"X-API-Key": self.keys[role], "X-Institution-Code": institution}

    def request(self, method: str, path: str, role: str = "admin", **kw: Any) -> httpx.Response:
        headers = {**self.headers(role), **kw.pop("headers", {})}
        return self.client.request(method, API_PREFIX + path, headers=headers, **kw)

    def post(self, path: str, role: str = "admin", **kw: Any) -> httpx.Response:
        return self.request("POST", path, role, **kw)

    def get(self, path: str, role: str = "admin", **kw: Any) -> httpx.Response:
        return self.request("GET", path, role, **kw)

    def ok(self, method: str, path: str, role: str = "admin", **kw: Any) -> dict[str, Any]:
        """The answer body, asserting HTTP 200 and success."""
        response = self.request(method, path, role, **kw)
        body: dict[str, Any] = response.json()
        assert response.status_code == 200 and body["success"] is True, response.text
        return body


# ------------------------------------------------------------------------ outpatient flow (2201 … 2207)

SERVICE_TIME = "2025-07-14 09:30:00"
DOCTOR = {"atddr_no": "D430302000101", "dr_name": "李医生", "dept_code": "NK01", "dept_name": "普通内科"}
DRUG_CODE, DRUG_COUNT, DRUG_PRICE = (
    "XJ01CAA040A001010100001",
    Decimal("2"),
    Decimal("12.50"),
)  # 阿莫西林, 甲类
AMOUNT_PARTS = ("fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt")


def register_visit(gateway: Gateway, who: InsuredPerson, role: str = "hospital_operator", **kw: Any) -> str:
    """2201 (flat body) → the new mdtrt_id."""
    body = gateway.ok(
        "POST",
        "business/outpatient/register",
        role,
        json={
            "psn_no": who.psn_no,
            "insutype": who.insutype,
            "begntime": SERVICE_TIME,
            "mdtrt_cert_type": "02",
            "mdtrt_cert_no": who.certno,
            "ipt_otp_no": f"MZ{who.psn_no[-8:]}",
            "caty": "A03",
            **DOCTOR,
        },
        **kw,
    )
    mdtrt_id: str = body["data"]["data"]["mdtrt_id"]
    return mdtrt_id


def upload_visit(
    gateway: Gateway, who: InsuredPerson, mdtrt_id: str, role: str = "hospital_operator"
) -> None:
    """2203 in node form: mdtrtinfo + diseinfo."""
    gateway.ok(
        "POST",
        "business/outpatient/visit-upload",
        role,
        json={
            "mdtrtinfo": {
                "mdtrt_id": mdtrt_id,
                "psn_no": who.psn_no,
                "med_type": "11",
                "begntime": SERVICE_TIME,
            },
            "diseinfo": [
                {
                    "diag_type": "1",
                    "diag_srt_no": 1,
                    "diag_code": "J06.900",
                    "diag_name": "急性上呼吸道感染",
                    "diag_dept": "普通内科",
                    "dise_dor_no": DOCTOR["atddr_no"],
                    "dise_dor_name": DOCTOR["dr_name"],
                    "diag_time": "2025-07-14 09:40:00",
                    "vali_flag": "1",
                }
            ],
        },
    )


def upload_fees(
    gateway: Gateway, who: InsuredPerson, mdtrt_id: str, role: str = "hospital_operator"
) -> Decimal:
    """2204 as flat rows of the list node, exact decimals on the wire; returns the total."""
    fee = {
        "feedetl_sn": f"FD{mdtrt_id[-10:]}",
        "mdtrt_id": mdtrt_id,
        "psn_no": who.psn_no,
        "chrg_bchno": "B001",
        "rx_circ_flag": "0",
        "fee_ocur_time": "2025-07-14 09:45:00",
        "med_list_codg": DRUG_CODE,
        "medins_list_codg": "H" + DRUG_CODE[:10],
        "det_item_fee_sumamt": DRUG_COUNT * DRUG_PRICE,
        "cnt": DRUG_COUNT,
        "pric": DRUG_PRICE,
        "bilg_dept_codg": DOCTOR["dept_code"],
        "bilg_dept_name": DOCTOR["dept_name"],
        "bilg_dr_codg": DOCTOR["atddr_no"],
        "bilg_dr_name": DOCTOR["dr_name"],
        "hosp_appr_flag": "1",
    }
    body = gateway.ok(
        "POST", "business/outpatient/expense-upload", role, content=jsoncodec.dumps([fee]), headers=JSON
    )
    assert body["data"]["result"][0]["feedetl_sn"] == fee["feedetl_sn"]
    return DRUG_COUNT * DRUG_PRICE


def pre_settle(
    gateway: Gateway, who: InsuredPerson, mdtrt_id: str, total: Decimal, role: str = "hospital_operator"
) -> dict[str, Any]:
    """2206 → the 2207 body (the request echoed with the four amount parts the bureau computed)."""
    settle = {
        "psn_no": who.psn_no,
        "mdtrt_cert_type": "02",
        "mdtrt_cert_no": who.certno,
        "med_type": "11",
        "medfee_sumamt": total,
        "psn_setlway": "01",
        "mdtrt_id": mdtrt_id,
        "chrg_bchno": "B001",
        "insutype": who.insutype,
        "acct_used_flag": "1",
    }
    body = gateway.ok(
        "POST", "business/outpatient/pre-settle", role, content=jsoncodec.dumps(settle), headers=JSON
    )
    setlinfo = body["data"]["setlinfo"]
    return {**settle, **{name: setlinfo[name] for name in AMOUNT_PARTS}}


def ready_to_settle(gateway: Gateway, who: InsuredPerson, role: str = "hospital_operator") -> dict[str, Any]:
    """2201 → 2203 → 2204 → 2206 for `who`: the body of the 2207 that settles the visit."""
    mdtrt_id = register_visit(gateway, who, role)
    upload_visit(gateway, who, mdtrt_id, role)
    total = upload_fees(gateway, who, mdtrt_id, role)
    return pre_settle(gateway, who, mdtrt_id, total, role)
