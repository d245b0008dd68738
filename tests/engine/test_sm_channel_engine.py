"""The engine sends mobile payment (62xx) and e-prescription (71xx) on the SM4/SM2 channel when the
institution configures it, and reads the answers as it reads the envelope's (engine/sm_request.py).

The sandbox serves both paths at once: its SM dispatcher records a message under a msgid of its own
("SM…", the channel carries none), the envelope dispatcher under the engine's msgid after a 9001 sign-in.
That is how these tests tell from the bureau's side which path a call took.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sandbox_support import PAYER, PAYMENT, new_visit
from sqlalchemy import select
from test_engine_prescription_faults import _pre_verify

from medical_insurance_sdk.engine.bootstrap import BootstrapSettings, institution_config
from medical_insurance_sdk.engine.effects import Delivered
from medical_insurance_sdk.engine.engine import AsyncBureauEngine, BureauEngine, CallResult
from medical_insurance_sdk.engine.settings import EngineSettings, InstitutionConfig
from medical_insurance_sdk.engine.sm_request import read_sm_answer, sm_channel_from
from medical_insurance_sdk.exceptions import (
    AuthenticationError,
    BureauError,
    MedicalInsuranceException,
    OutcomeUnknownError,
    ResponseFormatError,
)
from medical_insurance_sdk.protocol.jsoncodec import dumps
from medical_insurance_sdk.protocol.result import BureauResult, TransportAnswer
from medical_insurance_sdk.protocol.sm_channel import SmChannel, generate_keypair
from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.sandbox.app import create_sandbox_app
from medical_insurance_sdk.sandbox.runtime import SandboxState
from medical_insurance_sdk.sandbox.seed import DEMO_HOSPITAL
from medical_insurance_sdk.sandbox.settings import SandboxSettings
from medical_insurance_sdk.sandbox.state import Message, Person
from medical_insurance_sdk.sandbox.transport import SandboxTransport, SyncSandboxTransport
from medical_insurance_sdk.storage.allocators import allocator_for
from medical_insurance_sdk.storage.database import Database

APP_ID = "ABCDEFGHIJKLMNOPQRSTUVWX12345678"
APP_SECRET = "0123456789ABCDEF0123456789ABCDEF"
SETTINGS = EngineSettings(
    backoff_base_s=0.001, backoff_max_s=0.002, resolve_budget_s=1.0, processing_window_s=0.3
)


@dataclasses.dataclass
class World:
    """A sandbox serving the SM channel, an engine over it, the hospital with and without the channel."""

    state: SandboxState
    engine: BureauEngine
    envelope: InstitutionConfig  # no SM settings: the infno envelope, as before
    sm: InstitutionConfig  # the same hospital with its end of the SM channel
    hospital_private: str
    platform_public: str

    def messages(self, infno: str) -> list[Message]:
        with self.state.transaction() as session:
            query = select(Message).where(Message.infno == infno).order_by(Message.received_at)
            return list(session.scalars(query))

    def balance(self, psn_no: str) -> Decimal:
        with self.state.transaction() as session:
            person = session.get(Person, psn_no)
            assert person is not None
            return person.balc


def _hospital_end(hospital: InstitutionConfig, private_key: str, platform_public: str) -> InstitutionConfig:
    channel = sm_channel_from(
        {
            "sm_app_id": APP_ID,
            "sm_app_secret": APP_SECRET,
            "sm_private_key": private_key,
            "sm_platform_public_key": platform_public,
        }
    )
    return dataclasses.replace(hospital, sm_channel=channel)


def _sm_sandbox(hospital_public: str, platform_private: str) -> Any:
    return create_sandbox_app(
        SandboxSettings(
            sm_app_id=APP_ID,
            sm_app_secret=APP_SECRET,
            sm_private_key=platform_private,
            sm_peer_public_key=hospital_public,
        )
    )


@pytest.fixture
def world(database: Database, institution: InstitutionConfig) -> Iterator[World]:
    platform_private, platform_public = generate_keypair()
    hospital_private, hospital_public = generate_keypair()
    app = _sm_sandbox(hospital_public, platform_private)
    engine = BureauEngine(
        database, allocator_for(database), transport=SyncSandboxTransport(app), settings=SETTINGS
    )
    sm = _hospital_end(institution, hospital_private, platform_public)
    yield World(app.state.sandbox, engine, institution, sm, hospital_private, platform_public)
    engine.close()
    app.state.sandbox.close()


def _upload(world: World, at: InstitutionConfig, visit: dict[str, Any]) -> CallResult:
    result = world.engine.call("6201", PAYMENT.step("6201").payload(visit), institution=at)
    visit["payOrdId"] = result.output["data"]["payOrdId"]
    return result


def _pay(world: World, at: InstitutionConfig, visit: dict[str, Any]) -> CallResult:
    return world.engine.call("6202", PAYMENT.step("6202").payload(visit), institution=at)


def _without_ids(node: Any) -> Any:
    """An answer with the values the bureau makes up per call (ids, tokens) blanked out."""
    if isinstance(node, dict):
        return {k: "<id>" if k.endswith(("Id", "Token", "Ord")) else _without_ids(v) for k, v in node.items()}
    return node


# ---------------------------------------------------------------------------------------- mobile payment


def test_6201_and_6202_travel_on_the_sm_channel_and_answer_as_the_envelope(world: World) -> None:
    sm_visit, envelope_visit = new_visit(), new_visit()
    uploaded = _upload(world, world.sm, sm_visit)
    paid = _pay(world, world.sm, sm_visit)

    # the bureau's side: two SM-channel messages under its own msgids, none under ours, and no sign-in
    for infno, ours in (("6201", uploaded), ("6202", paid)):
        (message,) = world.messages(infno)
        assert message.msgid.startswith("SM") and message.msgid != ours.msgid
        assert message.infcode == 0 and message.fixmedins_code == DEMO_HOSPITAL
    assert world.messages("9001") == []
    assert world.balance(PAYER.psn_no) == Decimal("2960.75")  # 95.00 from the account: it took effect

    # our side: recorded and completed under our msgid, as any call
    for result in (uploaded, paid):
        entry = world.engine.ledger.get(result.msgid)
        assert entry is not None and entry.state == "SUCCESS" and entry.infno == result.infno
        assert entry.business_keys["payOrdId"] == sm_visit["payOrdId"]
        assert entry.response is not None and entry.response["infcode"] == 0

    # the same two calls in the envelope (same sandbox): the same result, field for field
    envelope_uploaded = _upload(world, world.envelope, envelope_visit)
    envelope_paid = _pay(world, world.envelope, envelope_visit)
    assert [m.msgid for m in world.messages("6202")][1] == envelope_paid.msgid  # the envelope's own path
    assert len(world.messages("9001")) == 1
    for sm_result, envelope_result in ((uploaded, envelope_uploaded), (paid, envelope_paid)):
        assert type(sm_result) is type(envelope_result) and sm_result.state == envelope_result.state
        assert _without_ids(sm_result.output) == _without_ids(envelope_result.output)
    assert paid.output["data"]["psnAcctPay"] == Decimal("95.00")


def test_a_business_refusal_raises_what_the_envelope_raises(world: World) -> None:
    answers: dict[str, MedicalInsuranceException] = {}
    for name, at in (("sm", world.sm), ("envelope", world.envelope)):
        visit = new_visit()
        _upload(world, at, visit)
        with pytest.raises(MedicalInsuranceException) as info:
            _upload(world, at, visit)  # the same medOrgOrd again: 医疗机构订单号已上传
        answers[name] = info.value
    sm, envelope = answers["sm"], answers["envelope"]
    assert isinstance(sm, BureauError) and isinstance(envelope, BureauError)
    assert type(sm) is type(envelope)
    assert (
        (sm.code, sm.infcode, sm.retry)
        == (envelope.code, envelope.infcode, envelope.retry)
        == (50010, -2, False)
    )
    assert "医疗机构订单号已上传" in sm.message
    entry = world.engine.ledger.get(sm.msgid or "")
    assert entry is not None and entry.state == "FAILED" and entry.error_code == 50010


def test_an_answer_that_does_not_verify_is_an_unknown_outcome_never_sent_again(world: World) -> None:
    """The platform's key we hold is wrong: the bureau paid, we cannot read it.  The money call is not
    sent again; its confirm query (6301) cannot be read either, so it stays UNKNOWN until a sweep with
    the right key confirms it."""
    visit = new_visit()
    _upload(world, world.sm, visit)
    _, stranger_public = generate_keypair()
    wrong = _hospital_end(world.envelope, world.hospital_private, stranger_public)
    with pytest.raises(OutcomeUnknownError) as info:
        _pay(world, wrong, visit)
    assert info.value.outcome == "unknown" and info.value.infno == "6202"
    assert len(world.messages("6202")) == 1, "a money call whose answer was unreadable is never resent"
    assert world.balance(PAYER.psn_no) == Decimal("2960.75")  # it did take effect at the bureau
    entry = world.engine.ledger.get(info.value.msgid or "")
    assert entry is not None and entry.state == "UNKNOWN" and entry.error_code == 20008
    assert world.messages("6301"), "compensation asked 6301 on the channel"

    report = world.engine.sweep({world.sm.code: world.sm})  # the right key: 6301 shows the order paid
    assert report == {entry.msgid: "CONFIRMED"}
    assert len(world.messages("6202")) == 1


def test_without_sm_settings_the_envelope_is_sent_as_before(world: World) -> None:
    result = _upload(world, world.envelope, new_visit())
    (message,) = world.messages("6201")
    assert message.msgid == result.msgid  # the envelope's msgid reached the bureau
    assert len(world.messages("9001")) == 1  # signed in first, as every envelope business call


# ------------------------------------------------------------------------------------------ prescription


def test_7101_travels_on_the_sm_channel(world: World) -> None:
    sm = world.engine.call("7101", _pre_verify("RXSM0001"), institution=world.sm)
    envelope = world.engine.call("7101", _pre_verify("RXENV0001"), institution=world.envelope)
    first, second = world.messages("7101")
    assert first.msgid.startswith("SM") and first.msgid != sm.msgid
    assert second.msgid == envelope.msgid
    assert sm.output["data"]["hiRxno"] and sm.output["data"]["hiRxno"] != envelope.output["data"]["hiRxno"]
    assert set(sm.output["data"]) == set(envelope.output["data"])
    entry = world.engine.ledger.get(sm.msgid)
    assert entry is not None and entry.state == "SUCCESS"


@pytest.mark.anyio
async def test_the_async_engine_takes_the_same_channel(
    database: Database, institution: InstitutionConfig
) -> None:
    platform_private, platform_public = generate_keypair()
    hospital_private, hospital_public = generate_keypair()
    app = _sm_sandbox(hospital_public, platform_private)
    engine = AsyncBureauEngine(
        database, allocator_for(database), transport=SandboxTransport(app), settings=SETTINGS
    )
    try:
        result = await engine.call(
            "6201",
            PAYMENT.step("6201").payload(new_visit()),
            institution=_hospital_end(institution, hospital_private, platform_public),
        )
        assert result.state == "SUCCESS" and result.output["data"]["payOrdId"]
        with app.state.sandbox.transaction() as session:
            (message,) = session.scalars(select(Message).where(Message.infno == "6201"))
        assert message.msgid.startswith("SM")
    finally:
        await engine.aclose()
        app.state.sandbox.close()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# ------------------------------------------------------------------------------- reading, configuration


def _channel_pair() -> tuple[SmChannel, SmChannel]:
    platform_private, platform_public = generate_keypair()
    hospital_private, hospital_public = generate_keypair()
    hospital = SmChannel(APP_ID, APP_SECRET, private_key=hospital_private, peer_public_key=platform_public)
    platform = SmChannel(APP_ID, APP_SECRET, private_key=platform_private, peer_public_key=hospital_public)
    return hospital, platform


def _delivered(body: Any, status: int = 200) -> Delivered:
    return Delivered(status, {"content-type": "application/json"}, dumps(body))


def test_reading_answers() -> None:
    hospital, platform = _channel_pair()
    sealed = platform.seal(
        {"payOrdId": "P1"}, envelope_fields={"code": 0, "message": "成功", "success": True}
    )
    result = read_sm_answer(hospital, _delivered(sealed), infno="6202")
    assert (
        isinstance(result, BureauResult) and result.success and result.output == {"data": {"payOrdId": "P1"}}
    )

    refused = platform.seal({}, envelope_fields={"code": -2, "message": "订单已撤销", "success": False})
    result = read_sm_answer(hospital, _delivered(refused), infno="6202")
    assert isinstance(result, BureauResult) and result.kind == "business" and result.err_msg == "订单已撤销"

    # a signed field changed on the way: the signature no longer covers it
    with pytest.raises(AuthenticationError) as bad:
        read_sm_answer(hospital, _delivered({**sealed, "code": -2}), infno="6202")
    assert bad.value.code == 20008 and bad.value.infno == "6202"

    # an unsigned failure is read like an envelope answer; an unsigned success cannot be trusted
    plain = read_sm_answer(hospital, _delivered({"code": -1, "message": "渠道appId无效"}), infno="6202")
    assert isinstance(plain, BureauResult) and plain.kind == "system" and plain.err_msg == "渠道appId无效"
    for unreadable in ({"code": 0, "message": "成功", "success": True}, [1], "not json"):
        body = _delivered(unreadable) if unreadable != "not json" else Delivered(200, {}, b"<html>")
        with pytest.raises(ResponseFormatError) as info:
            read_sm_answer(hospital, body, infno="6202")
        assert info.value.code == 20004

    gateway = read_sm_answer(hospital, Delivered(502, {"content-type": "text/html"}, b"<html>"), infno="6202")
    assert isinstance(gateway, TransportAnswer) and gateway.outcome_unknown


def test_the_four_settings_go_together() -> None:
    assert sm_channel_from({}) is None
    with pytest.raises(AuthenticationError) as info:
        sm_channel_from({"sm_app_id": APP_ID, "sm_app_secret": APP_SECRET})
    assert info.value.code == 20009
    assert "MEDICAL_BUREAU_SM_PRIVATE_KEY" in info.value.message
    assert "MEDICAL_BUREAU_SM_PLATFORM_PUBLIC_KEY" in info.value.message

    hospital_private, _ = generate_keypair()
    _, platform_public = generate_keypair()
    environ = {
        "MEDICAL_BUREAU_SM_APP_ID": APP_ID,
        "MEDICAL_BUREAU_SM_APP_SECRET": APP_SECRET,
        "MEDICAL_BUREAU_SM_PRIVATE_KEY": hospital_private,
        "MEDICAL_BUREAU_SM_PLATFORM_PUBLIC_KEY": platform_public,
    }
    config = institution_config(BootstrapSettings.from_env(environ))
    assert config.sm_channel is not None and config.sm_channel.app_id == APP_ID
    assert config.sm_channel.peer_public_key == platform_public
    assert hospital_private not in repr(BootstrapSettings.from_env(environ))
    # an argument wins over the environment
    other_id = "ZYXWVUTSRQPONMLKJIHGFEDCBA987654"
    config = institution_config(BootstrapSettings.from_env(environ, sm_app_id=other_id))
    assert config.sm_channel is not None and config.sm_channel.app_id == other_id
    assert institution_config(BootstrapSettings.from_env({})).sm_channel is None

    with pytest.raises(AuthenticationError) as bad_key:
        institution_config(
            BootstrapSettings.from_env({**environ, "MEDICAL_BUREAU_SM_PRIVATE_KEY": "bm90IGEga2V5"})
        )
    assert bad_key.value.code == 20009


def test_the_gateway_reads_the_same_four_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from medical_insurance_sdk.gateway.settings import GatewaySettings
    from medical_insurance_sdk.gateway.tenancy import InstitutionRecord, Tenants

    hospital_private, _ = generate_keypair()
    _, platform_public = generate_keypair()
    for name, value in (
        ("MEDICAL_BUREAU_SM_APP_ID", APP_ID),
        ("MEDICAL_BUREAU_SM_APP_SECRET", APP_SECRET),
        ("MEDICAL_BUREAU_SM_PRIVATE_KEY", hospital_private),
        ("MEDICAL_BUREAU_SM_PLATFORM_PUBLIC_KEY", platform_public),
    ):
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("MEDICAL_INSURANCE_CONFIG_FILE", raising=False)
    record = InstitutionRecord(
        id=1,
        code=DEMO_HOSPITAL,
        name="湘潭市第一人民医院",
        admdvs="430200",
        profile="national",
        bureau_base_url=None,
        credential_env=(),
        opter="OP001",
        opter_name="医保接口",
        opter_type="1",
        active=True,
    )
    config = Tenants(GatewaySettings(), environ={}).config_for(record)
    assert config.sm_channel is not None and config.sm_channel.peer_public_key == platform_public
    assert "sm_private_key" not in config.credentials  # the signer's credentials stay the profile's
    assert REGISTRY["6202"].sm_path == "/org/local/api/hos/pay_order"
    assert REGISTRY["2207"].sm_path is None


def test_an_http_error_from_the_sm_route_is_an_unknown_outcome(
    database: Database, institution: InstitutionConfig
) -> None:
    """A 502 from a gateway in front of the channel: the money call may have arrived, as in the envelope."""
    hospital, _ = _channel_pair()

    seen: list[str] = []

    def bureau(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(502, text="<html>bad gateway</html>")

    engine = BureauEngine(
        database, allocator_for(database), transport=httpx.MockTransport(bureau), settings=SETTINGS
    )
    try:
        with pytest.raises(OutcomeUnknownError):
            engine.call(
                "6202",
                {"data": {"payOrdId": "P1", "orgCodg": DEMO_HOSPITAL}},
                institution=dataclasses.replace(institution, sm_channel=hospital),
            )
    finally:
        engine.close()
    assert seen[0] == "/org/local/api/hos/pay_order" and seen.count("/org/local/api/hos/pay_order") == 1
    assert set(seen[1:]) <= {"/org/local/api/hos/query_order_info"}  # only the confirm query follows
