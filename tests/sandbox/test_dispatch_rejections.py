"""Every check of the dispatcher rejects like the real platform: HTTP 200, infcode -1, output null, a Chinese
err_msg ending in (traceId@ip), real time formats, and nothing processed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from bureau_harness import (
    ZHANG_SAN,
    Bureau,
    assert_failure,
    assert_success,
    open_bureau,
    person_query,
)

from medical_insurance_sdk.protocol.jsoncodec import loads
from medical_insurance_sdk.protocol.signing import AkSkSigner, TifSigner
from medical_insurance_sdk.sandbox.dispatch import handle_message

TIF = {"paasid": "sztest_hosp", "token": "T0K3N-sandbox"}
AKSK = {"access_key": "AK-sandbox", "secret_key": "SK-sandbox"}


@pytest.fixture
def bureau(tmp_path: Path) -> Iterator[Bureau]:
    with open_bureau(tmp_path) as opened:
        opened.sign_in()
        yield opened


def _rejected_and_unrecorded(bureau: Bureau, message: dict, *fragments: str) -> str:
    response = bureau.post(message)
    assert response.status_code == 200
    text = assert_failure(loads(response.content), *fragments)
    if isinstance(message.get("msgid"), str):
        assert bureau.message_row(message["msgid"]) is None
    return text


def test_sign_in_then_person_by_certno(bureau: Bureau) -> None:
    output = assert_success(bureau.call("1101", person_query()))
    assert output["baseinfo"]["psn_no"] == ZHANG_SAN.psn_no
    assert output["baseinfo"]["psn_name"] == "张三"
    assert output["insuinfo"][0]["balc"] == ZHANG_SAN.balc
    assert output["insuinfo"][0]["insuplc_admdvs"] == ZHANG_SAN.insuplc_admdvs


@pytest.mark.parametrize(
    ("profile", "credentials", "good", "bad"),
    [
        (
            "tif",
            TIF,
            TifSigner(TIF["paasid"], TIF["token"]),
            TifSigner("sztest_hosp", "wrong"),
        ),
        (
            "aksk",
            AKSK,
            AkSkSigner("AK-sandbox", "SK-sandbox", api_name="{infno}"),
            AkSkSigner("AK-sandbox", "nope"),
        ),
    ],
)
def test_gateway_signature_is_checked(tmp_path: Path, profile, credentials, good, bad) -> None:
    with open_bureau(tmp_path, profile=profile, credentials=credentials, signer=good) as bureau:
        bureau.sign_in()  # the right credentials pass
        message = bureau.envelope("1101", person_query())
        bureau.signer = bad
        _rejected_and_unrecorded(bureau, message, "签名验证失败")
        bureau.signer = good
        assert_success(loads(bureau.post(message).content))  # the same msgid, once signed, is processed


def test_unsigned_request_to_a_signing_profile(tmp_path: Path) -> None:
    with open_bureau(tmp_path, profile="tif", credentials=TIF) as bureau:
        message = bureau.envelope("9001", {"signIn": {"opter_no": "1", "ip": "10.0.0.1"}})
        _rejected_and_unrecorded(bureau, message, "签名验证失败", "x-tif")


def test_msgid_of_another_institution(bureau: Bureau) -> None:
    message = bureau.envelope("1101", person_query(), msgid="H99999999999" + bureau.ids.generate()[12:])
    _rejected_and_unrecorded(bureau, message, "报文ID", bureau.config.fixmedins_code)


def test_msgid_of_the_wrong_length(bureau: Bureau) -> None:
    message = bureau.envelope("1101", person_query())
    message["msgid"] = message["msgid"][:-1]
    _rejected_and_unrecorded(bureau, message, "30003", "msgid", "30 位")


def test_msgid_with_a_bad_time_part(bureau: Bureau) -> None:
    message = bureau.envelope("1101", person_query())
    message["msgid"] = message["msgid"][:12] + "20251399000000" + "0001"
    _rejected_and_unrecorded(bureau, message, "报文ID", "yyyyMMddHHmmss")


def test_unknown_infno(bureau: Bureau) -> None:
    _rejected_and_unrecorded(bureau, bureau.envelope("9999", {"data": {}}), "交易编号[9999]")


def test_missing_sign_no(bureau: Bureau) -> None:
    message = bureau.envelope("1101", person_query(), sign_no="")
    _rejected_and_unrecorded(bureau, message, "签到", "9001")


def test_sign_no_of_another_institution_or_unknown(bureau: Bureau) -> None:
    _rejected_and_unrecorded(
        bureau, bureau.envelope("1101", person_query(), sign_no="12345678"), "签到流水号"
    )


def test_sign_no_after_sign_out(bureau: Bureau) -> None:
    old = bureau.sign_no
    assert_success(bureau.call("9002", {"signOut": {"sign_no": old, "opter_no": "OP001"}}))
    _rejected_and_unrecorded(bureau, bureau.envelope("1101", person_query()), "已签退")


def test_insuplc_admdvs_missing_when_psn_no_is_sent(bureau: Bureau) -> None:
    message = bureau.envelope("2001", {"data": {"psn_no": ZHANG_SAN.psn_no}}, insuplc_admdvs="")
    _rejected_and_unrecorded(bureau, message, "参保地医保区划")


def test_missing_envelope_fields(bureau: Bureau) -> None:
    message = bureau.envelope("1101", person_query())
    del message["opter"]
    message["fixmedins_name"] = ""
    text = _rejected_and_unrecorded(bureau, message, "30002 - 必填字段缺失: opter", "fixmedins_name")
    assert "; " in text  # every problem at once


def test_input_against_the_registry_schema(bureau: Bureau) -> None:
    message = bureau.envelope("2205", {"data": {"chrg_bchno": "0000", "psn_no": ZHANG_SAN.psn_no}})
    _rejected_and_unrecorded(bureau, message, "30002 - 必填字段缺失: data.mdtrt_id")


def test_input_with_a_missing_node_and_bad_values(bureau: Bureau) -> None:
    _rejected_and_unrecorded(bureau, bureau.envelope("1101", {}), "30001 - 数据节点缺失: data")
    bad = person_query(mdtrt_cert_type="99")
    _rejected_and_unrecorded(bureau, bureau.envelope("1101", bad), "30003", "data.mdtrt_cert_type")


def test_body_that_is_not_json(bureau: Bureau) -> None:
    response = bureau.post(b"{not json")
    assert_failure(loads(response.content), "30009")
    response = bureau.post(b"[1, 2]")
    assert_failure(loads(response.content), "30009")


def test_duplicate_msgid_of_a_processed_message(bureau: Bureau) -> None:
    message = bureau.envelope("1101", person_query())
    assert_success(loads(bureau.post(message).content))
    text = assert_failure(loads(bureau.post(message).content), "报文ID重复")
    assert text == f"报文ID重复: {message['msgid']}"


def test_refused_business_message_counts_as_processed(bureau: Bureau) -> None:
    message = bureau.envelope("1101", person_query(certno="110101199001011234"))
    assert_failure(loads(bureau.post(message).content), "该参保人的基本信息为空")
    row = bureau.message_row(message["msgid"])
    assert row is not None and row.infcode == -2 and row.err_msg and "基本信息为空" in row.err_msg
    assert_failure(loads(bureau.post(message).content), "报文ID重复")


def test_a_message_rejected_by_the_checks_may_be_resent_with_its_msgid(bureau: Bureau) -> None:
    message = bureau.envelope("1101", person_query(), sign_no="")
    assert_failure(loads(bureau.post(message).content), "签到")
    message["sign_no"] = bureau.sign_no
    assert_success(loads(bureau.post(message).content))


def test_rejections_are_kept_for_the_admin_api(bureau: Bureau) -> None:
    message = bureau.envelope("1101", person_query(), sign_no="")
    bureau.post(message)
    latest = bureau.state.rejections[0]
    assert latest["msgid"] == message["msgid"] and "签到" in latest["err_msg"]


def test_handle_message_is_callable_without_http(bureau: Bureau) -> None:
    answer = handle_message(bureau.state, bureau.envelope("1101", person_query()), {})
    assert answer.status == 200 and answer.infcode == 0
    assert answer.envelope is not None and answer.envelope["output"]["baseinfo"]["psn_name"] == "张三"


def test_sign_in_can_be_switched_off(tmp_path: Path) -> None:
    with open_bureau(tmp_path, sign_in_required=False) as bureau:
        assert_success(bureau.call("1101", person_query()))
