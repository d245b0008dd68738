"""A province variant code through the gateway's proxy route and the SDK (issue 15 §3).

The demo hospital runs a province profile declaring `2201A: 2201`; the embedded sandbox runs the same one.
`POST /api/medical-insurance/2201A` sends 2201A with 2201's tables; an undeclared 2201B is 20001 and nothing
is sent; the spec-path route keeps sending the base 2201.  The SDK's `call("2201A", ...)` goes through the
proxy route, against the gateway and in process alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from anyio.from_thread import start_blocking_portal
from gateway_support import DOCTOR, HOSPITAL, SERVICE_TIME, Gateway, GatewayPortalTransport, gateway_settings
from sqlalchemy import select

from medical_insurance_sdk.exceptions import UnsupportedInterfaceError
from medical_insurance_sdk.gateway.app import create_app
from medical_insurance_sdk.gateway.keys import create_key
from medical_insurance_sdk.gateway.routes.proxy import PROXY_PREFIX
from medical_insurance_sdk.protocol import jsoncodec
from medical_insurance_sdk.protocol.profiles import load_profile
from medical_insurance_sdk.sandbox.seed import PERSONS
from medical_insurance_sdk.sandbox.settings import SandboxSettings
from medical_insurance_sdk.sdk import MedicalInsuranceSDK
from medical_insurance_sdk.sdk import _core as sdk_core
from medical_insurance_sdk.sdk._config import SDKConfig
from medical_insurance_sdk.sdk._inprocess import InProcessTransport
from medical_insurance_sdk.storage.models import LedgerEntry

VARIANTS = "variants:\n  2201A: '2201'\n"


def province_file(directory: Path) -> Path:
    national = Path(load_profile.__code__.co_filename).parent / "profiles" / "national.yaml"
    text = national.read_text("utf-8").replace("name: national", "name: province")
    path = directory / "province.yaml"
    path.write_text(text.replace("variants: {}", VARIANTS), encoding="utf-8")
    return path


def registration(serial: int) -> dict[str, Any]:
    who = PERSONS[5]
    return {
        "psn_no": who.psn_no,
        "insutype": who.insutype,
        "begntime": SERVICE_TIME,
        "mdtrt_cert_type": "02",
        "mdtrt_cert_no": who.certno,
        "ipt_otp_no": f"MZVARIANT{serial:03d}",
        "caty": "A03",
        **DOCTOR,
    }


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[tuple[Gateway, httpx.BaseTransport]]:
    """A gateway whose demo hospital and embedded sandbox run the province profile; a transport into it."""
    profile = str(province_file(tmp_path))
    settings = gateway_settings(f"sqlite:///{tmp_path / 'gateway.sqlite3'}", tmp_path, bureau_profile=profile)
    app = create_app(settings, sandbox_settings=SandboxSettings(profile=profile))
    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(app.router.lifespan_context(app)),
    ):
        transport = GatewayPortalTransport(portal, app)
        with httpx.Client(transport=transport, base_url="http://gateway") as client:
            key = create_key(app.state.gateway.database, HOSPITAL, "admin").key
            yield Gateway(app, client, settings.database_url, tmp_path, {"admin": key}), transport


def sent(gateway: Gateway) -> list[tuple[str, str]]:
    """(infno, request infno) of every business message of the ledger, in order (sign-ins left out)."""
    with gateway.state.database.session() as s:
        rows = s.scalars(select(LedgerEntry).where(LedgerEntry.infno != "9001").order_by(LedgerEntry.id))
        return [(row.infno, row.request["infno"]) for row in rows]


def proxy(gateway: Gateway, name: str, body: Any) -> httpx.Response:
    headers = {**gateway.headers(), "Content-Type": "application/json"}
    return gateway.client.post(f"{PROXY_PREFIX}/{name}", content=jsoncodec.dumps(body), headers=headers)


def test_the_proxy_sends_a_declared_variant_as_itself(gateway: tuple[Gateway, Any]) -> None:
    gateway, _ = gateway
    answer = proxy(gateway, "2201A", registration(1))
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"]["data"]["mdtrt_id"]
    refused = proxy(gateway, "2201B", registration(2))
    assert refused.status_code == 404 and refused.json()["error_code"] == 20001
    assert "2201B（未登记，省份配置 province 也未声明该变体交易）" in refused.json()["message"]
    gateway.ok("POST", "business/outpatient/register", json=registration(3))  # the spec path: the base
    assert sent(gateway) == [("2201A", "2201A"), ("2201", "2201")]


def test_the_sdk_calls_a_variant_through_the_gateways_proxy_route(gateway: tuple[Gateway, Any]) -> None:
    gateway, transport = gateway
    remote = {
        "api_base_url": "http://gateway",
        "api_key": gateway.keys["admin"],
        "institution_code": HOSPITAL,
    }
    with MedicalInsuranceSDK(env={}, transport=transport, **remote) as sdk:
        result = sdk.call("2201A", {"data": registration(4)})
        assert result.mdtrt_id and result.msgid  # read as 2201's answer
        with pytest.raises(UnsupportedInterfaceError) as refused:  # the gateway's answer: not declared
            sdk.call("2201B", {"data": registration(5)})
        assert "省份配置 province 也未声明该变体交易" in refused.value.message
    assert sent(gateway) == [("2201A", "2201A")]


def test_the_sdk_in_process_calls_a_variant_its_profile_declares(tmp_path: Path) -> None:
    local = {"env": {}, "database_url": f"sqlite:///{tmp_path / 'ledger.sqlite3'}"}
    local["profile"] = str(province_file(tmp_path))  # the engine's and its embedded sandbox's
    transport = InProcessTransport(SDKConfig.load(**local))
    try:
        with MedicalInsuranceSDK(transport=transport, **local) as sdk:
            result = sdk.call("2201A", {"data": registration(6)})
            assert result.mdtrt_id and result.msgid  # read as 2201's answer
            with pytest.raises(UnsupportedInterfaceError):
                sdk.call("2201B", {"data": registration(7)})
        rows = list(transport.engine().ledger.entries(parent_msgid=None))
        assert [(r.infno, r.request["infno"]) for r in rows if r.infno != "9001"] == [("2201A", "2201A")]
    finally:
        transport.close()


def test_the_proxy_url_sits_beside_the_api_prefix() -> None:
    assert sdk_core.PROXY_PREFIX == PROXY_PREFIX + "/"
    url = sdk_core.proxy_url("http://host:8000/api/v1/medical-insurance/", "2201A")
    assert url == "http://host:8000/api/medical-insurance/2201A"
