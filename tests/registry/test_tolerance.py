"""Real-world tolerance (issue 15 §3): what real bureaus accept is accepted before sending, normalised the
way the bureau reads it, and what is wrong is still refused; the sandbox's envelope lengths are profile
settings (national values by default)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import httpx
import pytest

from medical_insurance_sdk.exceptions import DataValidationError
from medical_insurance_sdk.protocol import jsoncodec
from medical_insurance_sdk.protocol.envelope import EnvelopeConfig, build_envelope
from medical_insurance_sdk.protocol.profiles import ProfileError, load_profile
from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.registry.fields import node
from medical_insurance_sdk.registry.samples import sample_message
from medical_insurance_sdk.registry.validation import relaxed_nodes, validate_relaxed
from medical_insurance_sdk.sandbox.app import DISPATCHER_PATH, create_sandbox_app
from medical_insurance_sdk.sandbox.seed import DEMO_HOSPITAL, PERSONS
from medical_insurance_sdk.sandbox.settings import SandboxSettings
from medical_insurance_sdk.sandbox.transport import SyncSandboxTransport

# A social-security card read by a card reader: card number, "|", the card's data (266 characters in all).
CARD_READING = "E43000001" + "|" + "430302199001010017|张三|1|01|" + "0" * 229
assert len(CARD_READING) == 266


def _sent(infno: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The input as the engine sends it (validated, dumped without empty fields)."""
    return REGISTRY[infno].validate_input(payload).model_dump(mode="python", exclude_none=True)


def _codes(infno: str, payload: dict[str, Any]) -> list[tuple[int, str]]:
    try:
        REGISTRY[infno].validate_input(payload)
    except DataValidationError as exc:
        return [(e.code, e.path) for e in exc.errors]
    return []


def _sample(infno: str) -> dict[str, Any]:
    return copy.deepcopy(sample_message(REGISTRY[infno].request_nodes))


# --------------------------------------------------------------------------------- a date for a datetime


def test_a_date_where_a_datetime_is_declared_is_sent_as_midnight() -> None:
    message = _sample("2401")
    message["mdtrtinfo"]["begntime"] = "2020-01-01"
    assert _sent("2401", message)["mdtrtinfo"]["begntime"] == "2020-01-01 00:00:00"


@pytest.mark.parametrize("wrong", ["2020-13-01", "2020/01/01", "20200101", "2020-01-01 25:00:00", "tomorrow"])
def test_a_datetime_that_is_no_date_is_still_refused(wrong: str) -> None:
    message = _sample("2401")
    message["mdtrtinfo"]["begntime"] = wrong
    assert _codes("2401", message) == [(30003, "mdtrtinfo.begntime")]


# ---------------------------------------------------------------------------- a card reader's long number


def test_a_card_readers_266_character_certificate_number_is_accepted() -> None:
    query = {"mdtrt_cert_type": "03", "mdtrt_cert_no": CARD_READING, "card_sn": "C1", "psn_cert_type": "01"}
    assert _sent("1101", {"data": query})["data"]["mdtrt_cert_no"] == CARD_READING
    settle = _sample("2207")
    settle["data"]["mdtrt_cert_no"] = CARD_READING
    assert _codes("2207", settle) == []


def test_a_certificate_number_longer_than_real_traffic_is_still_refused() -> None:
    query = {"mdtrt_cert_type": "03", "mdtrt_cert_no": "9" * 301, "card_sn": "C1", "psn_cert_type": "01"}
    assert _codes("1101", {"data": query}) == [(30004, "data.mdtrt_cert_no")]


# ------------------------------------------------------------------------------ exp_content as an object


def test_exp_content_given_as_an_object_is_sent_as_the_bureau_stores_it() -> None:
    message = _sample("2401")
    message["mdtrtinfo"]["exp_content"] = {"cardtoken": "T1", "elec_bill_code": "电子票据"}
    sent = _sent("2401", message)["mdtrtinfo"]["exp_content"]
    assert sent == '{"cardtoken":"T1","elec_bill_code":"电子票据"}'  # compact JSON text, UTF-8 as is
    assert jsoncodec.loads(sent) == {"cardtoken": "T1", "elec_bill_code": "电子票据"}


def test_exp_content_as_text_is_unchanged_and_a_number_or_an_over_long_text_refused() -> None:
    message = _sample("2401")
    message["mdtrtinfo"]["exp_content"] = '{"a":1}'
    assert _sent("2401", message)["mdtrtinfo"]["exp_content"] == '{"a":1}'
    message["mdtrtinfo"]["exp_content"] = {"x": "9" * 4000}
    assert _codes("2401", message) == [(30004, "mdtrtinfo.exp_content")]


def test_only_fields_marked_obj_take_an_object() -> None:
    message = _sample("2401")
    message["mdtrtinfo"]["dise_name"] = {"a": 1}
    assert _codes("2401", message) == [(30003, "mdtrtinfo.dise_name")]


# ------------------------------------------------------------------------------- diseinfo as one object


def test_diseinfo_as_one_object_is_sent_as_a_list_of_one() -> None:
    message = _sample("2401")
    row = message["diseinfo"][0]
    message["diseinfo"] = row
    assert _sent("2401", message)["diseinfo"] == _sent("2401", {**message, "diseinfo": [row]})["diseinfo"]
    assert len(_sent("2401", message)["diseinfo"]) == 1


def test_one_object_in_a_list_node_is_still_checked_field_by_field() -> None:
    message = _sample("2401")
    row = dict(message["diseinfo"][0])
    del row["diag_code"]
    message["diseinfo"] = row
    assert _codes("2401", message) == [(30002, "diseinfo[0].diag_code")]
    message["diseinfo"] = "J06.900"
    assert _codes("2401", message) == [(30003, "diseinfo")]


# ------------------------------------------------------------------------------------ the table's tokens


def test_field_table_tokens_parse() -> None:
    n = node(
        "data",
        """
        begntime   开始时间   DT   Y  <check_date
        insutype   险种类型   C6   Y  @insutype  =310
        memo       备注       C20  N  +obj
        """,
    )
    assert n.field("begntime").aliases == ("check_date",)
    assert n.field("insutype").default == "310"
    assert n.field("memo").object_text is True
    with pytest.raises(ValueError, match="unexpected token"):
        node("data", "x  名  C6  Y  obj")


def test_the_spec_name_of_a_field_is_read_and_sent_under_the_bureau_name() -> None:
    sent = _sent("2001", {"data": {"psn_no": "P1", "check_date": "2025-07-14", "fixmedins_code": "H1"}})
    assert sent["data"]["begntime"] == "2025-07-14 00:00:00" and "check_date" not in sent["data"]
    assert (sent["data"]["insutype"], sent["data"]["med_type"]) == ("310", "11")  # the declared defaults
    told = _sent("2001", {"data": {"psn_no": "P1", "begntime": "2025-07-14 08:00:00", "insutype": "390",
                                   "med_type": "14", "fixmedins_code": "H1"}})  # fmt: skip
    assert (told["data"]["insutype"], told["data"]["med_type"]) == ("390", "14")
    wrong = {"psn_no": "P1", "check_date": "14/07/2025", "insutype": "999", "fixmedins_code": "H1"}
    # the error names the field as the caller sent it
    assert _codes("2001", {"data": wrong}) == [(30003, "data.insutype"), (30003, "data.check_date")]


# -------------------------------------------------------------------------------- province profiles


def _profile_file(tmp_path: Path, extra: str) -> Path:
    base = (Path(load_profile.__code__.co_filename).parent / "profiles" / "national.yaml").read_text("utf-8")
    path = tmp_path / "province.yaml"
    path.write_text(base.replace("name: national", "name: province") + extra, encoding="utf-8")
    return path


def test_profile_defaults_are_the_national_envelope_rules() -> None:
    national = load_profile("national")
    assert (national.envelope.msgid_length, national.envelope.sign_no_max_length) == (30, 30)
    assert dict(national.variants) == {} and dict(national.field_lengths) == {}
    assert national.base_infno("2206A") == "2206A"


def test_a_province_declares_variant_codes_and_relaxed_lengths(tmp_path: Path) -> None:
    path = _profile_file(
        tmp_path,
        "envelope:\n  msgid_length: 32\n  sign_no_max_length: 40\n"
        "variants:\n  2206A: 2206\n  2207A: '2207'\n"
        "field_lengths:\n  mdtrt_cert_no: 500\n",
    )
    profile = load_profile(path)
    assert profile.envelope.msgid_length == 32 and profile.envelope.sign_no_max_length == 40
    assert profile.base_infno("2206A") == "2206" and profile.base_infno("2207A") == "2207"
    assert profile.base_infno("2206") == "2206"
    assert profile.field_lengths["mdtrt_cert_no"] == 500


@pytest.mark.parametrize(
    "extra",
    [
        "variants:\n  '2206': '2207'\n",  # a variant code has a letter suffix
        "variants:\n  2206A: 22\n",  # its base is a transaction code
        "envelope:\n  msgid_length: 0\n",
        "envelope:\n  msgid_lenght: 32\n",  # a misspelt setting is refused, not ignored
        "field_lengths:\n  mdtrt_cert_no: 0\n",
    ],
)
def test_a_wrong_province_setting_is_refused(tmp_path: Path, extra: str) -> None:
    with pytest.raises(ProfileError):
        load_profile(_profile_file(tmp_path, extra))


# ------------------------------------------------------------------ the sandbox's envelope rules per profile

HOSPITAL = EnvelopeConfig(
    fixmedins_code=DEMO_HOSPITAL,
    fixmedins_name="湘潭市第一人民医院",
    mdtrtarea_admvs="430200",
    recer_sys_code="YBXT",
    infver="V1.0",
    opter_type="1",
    opter="OP001",
    opter_name="李收费",
)


def _sandbox_call(
    tmp_path: Path, profile: str, msgid: str, sign_no: str, *, infno: str = "1101", **data: Any
) -> dict[str, Any]:
    """One message to a fresh sandbox bureau run with `profile` (sign-in not required)."""
    settings = SandboxSettings(file_dir=tmp_path / "files", profile=profile, sign_in_required=False)
    app = create_sandbox_app(settings)
    query = {"mdtrt_cert_type": "02", "mdtrt_cert_no": PERSONS[0].certno, "psn_cert_type": "01", **data}
    envelope = build_envelope(
        HOSPITAL, infno=infno, msgid="X" * 30, input={"data": query}, insuplc_admdvs="430200"
    )
    envelope.update(msgid=msgid, sign_no=sign_no)
    try:
        with httpx.Client(transport=SyncSandboxTransport(app), base_url="http://sandbox.test") as client:
            response = client.post(DISPATCHER_PATH, content=jsoncodec.dumps(envelope))
    finally:
        app.state.sandbox.close()
    answer: dict[str, Any] = jsoncodec.loads(response.content)
    return answer


LONG_MSGID = DEMO_HOSPITAL + "20250714093000" + "000001"  # 32 characters, as the province numbers them
LONG_SIGN_NO = "S" * 40


def test_the_national_sandbox_refuses_a_32_character_msgid_and_a_40_character_sign_no(tmp_path: Path) -> None:
    answer = _sandbox_call(tmp_path, "national", LONG_MSGID, LONG_SIGN_NO)
    assert answer["infcode"] == -1
    assert "发送方报文ID应为 30 位，实际 32 位" in answer["err_msg"]
    assert "交易签到流水号最长 30 位，实际 40 位" in answer["err_msg"]


def test_a_province_profile_sets_the_sandboxs_msgid_and_sign_no_lengths(tmp_path: Path) -> None:
    path = _profile_file(tmp_path, "envelope:\n  msgid_length: 32\n  sign_no_max_length: 40\n")
    answer = _sandbox_call(tmp_path, str(path), LONG_MSGID, LONG_SIGN_NO)
    assert answer["infcode"] == 0, answer["err_msg"]
    assert answer["output"]["baseinfo"]["psn_no"] == PERSONS[0].psn_no
    short = _sandbox_call(tmp_path, str(path), LONG_MSGID[:30], LONG_SIGN_NO + "S")
    assert short["infcode"] == -1
    assert "发送方报文ID应为 32 位，实际 30 位" in short["err_msg"]
    assert "交易签到流水号最长 40 位，实际 41 位" in short["err_msg"]


# --------------------------------------------------------------- variant codes and relaxed lengths, applied


def test_relaxed_lengths_widen_only_the_named_text_fields() -> None:
    tx = REGISTRY["1101"]
    query = {
        "data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": "X1", "psn_cert_type": "01", "certno": "9" * 60}
    }
    with pytest.raises(DataValidationError) as refused:
        validate_relaxed(tx.request_model, tx.request_nodes, query, {}, infno="1101")
    assert [(e.code, e.path) for e in refused.value.errors] == [(30004, "data.certno")]
    model = validate_relaxed(tx.request_model, tx.request_nodes, query, {"certno": 80}, infno="1101")
    assert model.model_dump()["data"]["certno"] == "9" * 60
    assert relaxed_nodes(tx.request_nodes, {"certno": 20}) == tx.request_nodes  # never narrower
    assert relaxed_nodes(tx.request_nodes, {"no_such_field": 99}) == tx.request_nodes
    with pytest.raises(DataValidationError):  # the other limits stay
        validate_relaxed(tx.request_model, tx.request_nodes, {"data": {**query["data"], "certno": "9" * 81}},
                         {"certno": 80}, infno="1101")  # fmt: skip


def _sandbox_1101(tmp_path: Path, profile: str, infno: str, **data: Any) -> dict[str, Any]:
    return _sandbox_call(tmp_path, profile, LONG_MSGID[:30], "", infno=infno, **data)


def test_a_province_sandbox_answers_its_variant_code_with_the_base_transaction(tmp_path: Path) -> None:
    national = _sandbox_1101(tmp_path, "national", "1101B")
    assert national["infcode"] == -1 and "交易编号[1101B]不存在或未开通" in national["err_msg"]
    path = _profile_file(tmp_path, "variants:\n  1101B: '1101'\n")
    answer = _sandbox_1101(tmp_path, str(path), "1101B")
    assert answer["infcode"] == 0, answer["err_msg"]
    assert answer["output"]["baseinfo"]["psn_no"] == PERSONS[0].psn_no


def test_a_province_sandbox_checks_its_relaxed_lengths(tmp_path: Path) -> None:
    long_certno = PERSONS[0].certno + "9" * 50  # 68 characters: over the national C50
    national = _sandbox_1101(tmp_path, "national", "1101", certno=long_certno)
    assert national["infcode"] == -1 and "data.certno" in national["err_msg"]
    path = _profile_file(tmp_path, "field_lengths:\n  certno: 80\n")
    answer = _sandbox_1101(tmp_path, str(path), "1101", certno=long_certno)
    assert answer["infcode"] == 0, answer["err_msg"]
    over = _sandbox_1101(tmp_path, str(path), "1101", certno="9" * 81)
    assert over["infcode"] == -1 and "data.certno" in over["err_msg"]
