"""The platform's endpoint styles (reference §2.1, §2.5): dispatcher, per-service, Shenzhen, SM channel."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bureau_harness import Bureau, assert_failure, assert_success, open_bureau, person_query

from medical_insurance_sdk.protocol.jsoncodec import dumps, loads
from medical_insurance_sdk.protocol.profiles import load_profile
from medical_insurance_sdk.protocol.signing import TifSigner
from medical_insurance_sdk.protocol.sm_channel import SmChannel, generate_keypair
from medical_insurance_sdk.sandbox.app import sm_path
from medical_insurance_sdk.sandbox.seed import DEMO_HOSPITAL, PERSONS
from medical_insurance_sdk.sandbox.state import Message

TIF = {"paasid": "sztest_hosp", "token": "T0K3N-sandbox"}
TIF_SIGNER = TifSigner(TIF["paasid"], TIF["token"])


@pytest.fixture
def bureau(tmp_path: Path) -> Iterator[Bureau]:
    with open_bureau(tmp_path) as opened:
        opened.sign_in()
        yield opened


def _path(infno: str, profile: str = "tif") -> str:
    return load_profile(profile).url_for(infno, "", TIF)


def test_text_plain_body_as_the_nhsa_demo_sends(bureau: Bureau) -> None:
    response = bureau.post(bureau.envelope("1101", person_query()), content_type="text/plain")
    assert_success(loads(response.content))


def test_per_service_paths(tmp_path: Path) -> None:
    with open_bureau(tmp_path, profile="tif", credentials=TIF, signer=TIF_SIGNER) as bureau:
        sign_in = bureau.envelope("9001", {"signIn": {"opter_no": "1", "ip": "10.0.0.1"}})
        output = assert_success(loads(bureau.post(sign_in, path=_path("9001")).content))
        bureau.sign_no = output["signinoutb"]["sign_no"]
        assert _path("1101") == "/fsi/api/fsiPsnInfoService/queryPsnInfo"
        assert_success(
            loads(bureau.post(bureau.envelope("1101", person_query()), path=_path("1101")).content)
        )
        wrong = bureau.post(bureau.envelope("1101", person_query()), path=_path("9001"))
        assert_failure(loads(wrong.content), "服务地址")
        # a path the table does not know: the body's infno decides
        other = bureau.post(bureau.envelope("1101", person_query()), path="/fsi/api/someProvince/psnInfo")
        assert_success(loads(other.content))


def test_paths_shared_by_a_variants(tmp_path: Path) -> None:
    with open_bureau(tmp_path) as bureau:
        bureau.sign_in()
        assert _path("2203A") == _path("2203")  # one service path, two infnos
        message = bureau.envelope("2203A", {"mdtrtinfo": {}, "diseinfo": []})
        answer = loads(bureau.post(message, path=_path("2203")).content)
        assert "服务地址" not in (answer["err_msg"] or "") and "不存在" not in (answer["err_msg"] or "")


def test_shenzhen_paths(tmp_path: Path) -> None:
    with open_bureau(tmp_path, profile="shenzhen", credentials=TIF, signer=TIF_SIGNER) as bureau:
        sign_in = bureau.envelope("9001", {"signIn": {"opter_no": "1", "ip": "10.0.0.1"}})
        bureau.sign_no = assert_success(loads(bureau.post(sign_in, path=_path("9001", "shenzhen")).content))[
            "signinoutb"
        ]["sign_no"]
        assert _path("1101", "shenzhen") == "/ebus/sztest_hosp/poc/hsa/hgs/1101"
        assert_success(
            loads(
                bureau.post(bureau.envelope("1101", person_query()), path=_path("1101", "shenzhen")).content
            )
        )
        production = "/ebus/sz_prd/hsa/hgs/1101"
        assert_success(loads(bureau.post(bureau.envelope("1101", person_query()), path=production).content))
        wrong = bureau.post(
            bureau.envelope("1101", person_query()), path="/ebus/sztest_hosp/poc/hsa/hgs/2207"
        )
        assert_failure(loads(wrong.content), "服务地址")


def test_home_and_docs(bureau: Bureau) -> None:
    assert bureau.client.get("/").headers["location"] == "/sandbox/"
    assert bureau.client.get("/sandbox/docs").status_code == 200
    assert "/fsi/api/rsfComIfsService/callService" in bureau.client.get("/sandbox/openapi.json").text


# --------------------------------------------------------------------------------------------- SM channel

APP_ID = "SANDBOXAPP000000TESTCHANNEL00001"
APP_SECRET = "0123456789ABCDEF0123456789ABCDEF"


@pytest.fixture
def sm(tmp_path: Path) -> Iterator[tuple[Bureau, SmChannel]]:
    platform_private, platform_public = generate_keypair()
    hospital_private, hospital_public = generate_keypair()
    settings: dict[str, Any] = {
        "sm_app_id": APP_ID,
        "sm_app_secret": APP_SECRET,
        "sm_private_key": platform_private,
        "sm_peer_public_key": hospital_public,
    }
    hospital = SmChannel(APP_ID, APP_SECRET, private_key=hospital_private, peer_public_key=platform_public)
    with open_bureau(tmp_path, **settings) as bureau:
        yield bureau, hospital


def _sm_post(bureau: Bureau, path: str, sealed: dict[str, Any]) -> dict[str, Any]:
    response = bureau.client.post(path, content=dumps(sealed), headers={"content-type": "application/json"})
    assert response.status_code == 200
    answer: dict[str, Any] = loads(response.content)
    return answer


AMOXICILLIN = "XJ01CAA040A001010100001"  # seed catalogue: 阿莫西林胶囊 甲


def test_sm_channel_round_trip(sm: tuple[Bureau, SmChannel]) -> None:
    bureau, hospital = sm
    line = {
        "feedetlSn": "1",
        "medListCodg": AMOXICILLIN,
        "cnt": "1",
        "pric": "12.50",
        "detItemFeeSumamt": "12.50",
    }
    data = {
        "orgCodg": DEMO_HOSPITAL,
        "medOrgOrd": "ORD0001",
        "medfeeSumamt": "12.50",
        "psnNo": PERSONS[1].psn_no,
        "insutype": "310",
        "medType": "11",
        "feedetailList": [line],
    }
    assert sm_path("6201") == "/org/local/api/hos/uldFeeInfo"
    first = _sm_post(bureau, sm_path("6201"), hospital.seal(data))
    second = _sm_post(bureau, sm_path("6201"), hospital.seal(data | {"medOrgOrd": "ORD0002"}))
    again = _sm_post(bureau, sm_path("6201"), hospital.seal(data))
    # a business refusal: code -2, the envelope's infcode for it
    assert again["code"] == -2 and "医疗机构订单号已上传" in again["message"], again
    assert first["code"] == 0 and first["success"] is True
    opened = [hospital.open(first), hospital.open(second)]  # decrypted and verified with the platform's key
    assert opened[0]["payOrdId"] and opened[0]["payOrdId"] != opened[1]["payOrdId"]
    with bureau.state.transaction() as session:
        rows = session.query(Message).filter(Message.infno == "6201").all()
        assert len(rows) == 3 and rows[0].fixmedins_code == DEMO_HOSPITAL


def test_sm_channel_routes_by_infno_too(sm: tuple[Bureau, SmChannel]) -> None:
    bureau, hospital = sm
    assert sm_path("7204") == "/epc/api/fixmedins/7204"
    answer = _sm_post(bureau, sm_path("7204"), hospital.seal({"hiRxno": "R1"}))
    assert answer["code"] == -2 and "处方不存在" in answer["message"], answer  # 7204's own handler refused


def test_sm_channel_bad_signature(sm: tuple[Bureau, SmChannel]) -> None:
    bureau, hospital = sm
    stranger_private, _ = generate_keypair()
    forged = SmChannel(
        APP_ID, APP_SECRET, private_key=stranger_private, peer_public_key=hospital.peer_public_key
    )
    answer = _sm_post(bureau, sm_path("6301"), forged.seal({"payOrdId": "X"}))
    assert answer["code"] == -1 and "签名验证失败" in answer["message"]
    hospital.open(answer)  # even the refusal is sealed by the platform


def test_sm_channel_unknown_app_id_and_route(sm: tuple[Bureau, SmChannel]) -> None:
    bureau, hospital = sm
    sealed = hospital.seal({"payOrdId": "X"})
    answer = _sm_post(bureau, sm_path("6301"), {**sealed, "appId": "OTHERAPP" * 4})
    assert answer == {"code": -1, "message": "渠道appId无效", "success": False}
    unknown = _sm_post(bureau, "/org/local/api/hos/no_such_route", sealed)
    assert unknown["code"] == -1 and "不存在" in unknown["message"]


def test_sm_channel_not_configured(bureau: Bureau) -> None:
    answer = loads(bureau.client.post(sm_path("6201"), content=b"{}").content)
    assert answer["code"] == -1 and "未配置" in answer["message"]
