"""In-process mode and the SM4/SM2 channel: the SDK reads the four `MEDICAL_BUREAU_SM_*` settings (argument >
environment > the file's `medical_bureau` > default) and hands them to the engine it runs, so mobile
payment travels on the channel; without them, in the infno envelope as before.

The embedded sandbox holds the other end of the channel (`MEDICAL_SANDBOX_SM_*`, its platform key and the
hospital's public key).  It records an SM-channel message under a msgid of its own ("SM…": the channel
carries none), an envelope message under ours after a 9001 sign-in: that is how these tests tell, from the
bureau's side, which path a call took.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from medical_insurance_sdk.engine.sm_request import SM_SETTINGS, SM_VARIABLES
from medical_insurance_sdk.exceptions import AuthenticationError
from medical_insurance_sdk.protocol.sm_channel import generate_keypair
from medical_insurance_sdk.sandbox.seed import DEMO_HOSPITAL, PERSONS
from medical_insurance_sdk.sandbox.state import Message
from medical_insurance_sdk.sdk import MedicalInsuranceSDK
from medical_insurance_sdk.sdk._config import ENV_VARS, FLAT_KEYS, SDKConfig
from medical_insurance_sdk.sdk._inprocess import InProcessTransport

pytest.importorskip("fastapi")  # the embedded sandbox is a FastAPI app

APP_ID = "ABCDEFGHIJKLMNOPQRSTUVWX12345678"
APP_SECRET = "0123456789ABCDEF0123456789ABCDEF"
PAYER = PERSONS[4]
CONSULT, AMOXICILLIN = "001102000010000-110200001", "XJ01CAA040A001010100001"


@pytest.fixture
def hospital_keys(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The hospital's `MEDICAL_BUREAU_SM_*` settings; the embedded sandbox gets the other end."""
    platform_private, platform_public = generate_keypair()
    hospital_private, hospital_public = generate_keypair()
    sandbox = {
        "MEDICAL_SANDBOX_SM_APP_ID": APP_ID,
        "MEDICAL_SANDBOX_SM_APP_SECRET": APP_SECRET,
        "MEDICAL_SANDBOX_SM_PRIVATE_KEY": platform_private,
        "MEDICAL_SANDBOX_SM_PEER_PUBLIC_KEY": hospital_public,
    }
    for name, value in sandbox.items():  # the sandbox reads its settings from the process environment
        monkeypatch.setenv(name, value)
    return {
        "MEDICAL_BUREAU_SM_APP_ID": APP_ID,
        "MEDICAL_BUREAU_SM_APP_SECRET": APP_SECRET,
        "MEDICAL_BUREAU_SM_PRIVATE_KEY": hospital_private,
        "MEDICAL_BUREAU_SM_PLATFORM_PUBLIC_KEY": platform_public,
    }


@pytest.fixture
def ledger(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.sqlite3'}"  # the embedded sandbox lives beside it


@pytest.fixture
def bureau_messages(tmp_path: Path) -> Iterator[Any]:
    """The embedded sandbox's message record, by infno (its state file beside the ledger)."""
    engine = create_engine(f"sqlite:///{tmp_path / 'sandbox.sqlite3'}")

    def messages(infno: str) -> list[Message]:
        with Session(engine) as session:
            query = select(Message).where(Message.infno == infno).order_by(Message.received_at)
            return list(session.scalars(query))

    yield messages
    engine.dispose()


def _expense(serial: int) -> dict[str, Any]:
    rows = [
        {"feedetlSn": sn, "medListCodg": code, "cnt": cnt, "pric": pric, "detItemFeeSumamt": amount}
        for sn, code, cnt, pric, amount in (
            ("1", CONSULT, "1", "10.00", "10.00"),
            ("2", AMOXICILLIN, "2", "12.50", "25.00"),
        )
    ]
    return {
        "data": {
            "orgCodg": DEMO_HOSPITAL,
            "psnNo": PAYER.psn_no,
            "insutype": "310",
            "medOrgOrd": f"MOSDK{serial:06d}",
            "medType": "11",
            "medfeeSumamt": "35.00",
            "acctUsedFlag": "1",
            "mdtrtCertType": "02",
            "feedetailList": rows,
        }
    }


def test_in_process_6201_travels_on_the_sm_channel(
    hospital_keys: dict[str, str], ledger: str, bureau_messages: Any
) -> None:
    with MedicalInsuranceSDK(env=hospital_keys, database_url=ledger) as sdk:
        assert sdk.in_process
        result = sdk.resources.payment.upload_online_expense(_expense(1))
    assert result.order_id and result.msgid
    (message,) = bureau_messages("6201")
    assert message.msgid.startswith("SM") and message.msgid != result.msgid  # the channel's own record
    assert message.infcode == 0 and message.fixmedins_code == DEMO_HOSPITAL
    assert bureau_messages("9001") == []  # the channel has no sign-in


def test_without_the_settings_6201_travels_in_the_envelope(
    hospital_keys: dict[str, str], ledger: str, bureau_messages: Any
) -> None:
    with MedicalInsuranceSDK(env={}, database_url=ledger) as sdk:  # the sandbox still serves both paths
        result = sdk.resources.payment.upload_online_expense(_expense(2))
    (message,) = bureau_messages("6201")
    assert message.msgid == result.msgid and message.infcode == 0  # under our msgid, as before
    assert len(bureau_messages("9001")) == 1


def test_the_four_settings_argument_over_environment_over_file(
    hospital_keys: dict[str, str], tmp_path: Path
) -> None:
    file_values = {name: f"file-{name}" for name in SM_SETTINGS}
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"medical_bureau": file_values}), encoding="utf-8")
    env = {"MEDICAL_BUREAU_SM_APP_ID": "env-app-id", "MEDICAL_BUREAU_SM_APP_SECRET": ""}  # blank: unset
    config = SDKConfig.load(path, env=env, bureau_sm_private_key="argument-key")
    assert (
        config.bureau.sm_app_id,
        config.bureau.sm_app_secret,
        config.bureau.sm_private_key,
        config.bureau.sm_platform_public_key,
    ) == ("env-app-id", "file-sm_app_secret", "argument-key", "file-sm_platform_public_key")
    assert "argument-key" not in repr(config) and "file-sm_app_secret" not in repr(config)

    # the SDK's environment names are the engine's, each the flat name of its `medical_bureau` field
    for variable, setting in SM_VARIABLES.items():
        assert FLAT_KEYS[ENV_VARS[variable]] == ("bureau", setting)


def test_the_engine_gets_the_channel_and_a_partial_one_is_refused(
    hospital_keys: dict[str, str], ledger: str
) -> None:
    with_channel = InProcessTransport(SDKConfig.load(env=hospital_keys, database_url=ledger))
    without = InProcessTransport(SDKConfig.load(env={}, database_url=ledger))
    assert with_channel.institution.sm_channel is not None and without.institution.sm_channel is None

    partial = {k: v for k, v in hospital_keys.items() if k != "MEDICAL_BUREAU_SM_PLATFORM_PUBLIC_KEY"}
    with pytest.raises(AuthenticationError) as refused:  # at configuration time, before anything is sent
        MedicalInsuranceSDK(env=partial, database_url=ledger)
    assert refused.value.code == 20009 and "MEDICAL_BUREAU_SM_PLATFORM_PUBLIC_KEY" in refused.value.message
