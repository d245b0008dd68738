"""The sandbox's own handlers (sign-in, files, basic information) and the generic handler."""

from __future__ import annotations

import base64
import io
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from bureau_harness import ZHANG_SAN, Bureau, assert_failure, assert_success, open_bureau, person_query
from sqlalchemy import select

from medical_insurance_sdk.protocol.jsoncodec import BEIJING, loads
from medical_insurance_sdk.protocol.result import FileAnswer, parse_http_answer
from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.sandbox.app import create_sandbox_app
from medical_insurance_sdk.sandbox.seed import (
    DEMO_HOSPITAL,
    PERSONS,
    SEED_DATE,
    age_on,
    departments_of,
    staff_of,
)
from medical_insurance_sdk.sandbox.settings import SandboxSettings
from medical_insurance_sdk.sandbox.state import SignIn, Upload


@pytest.fixture
def bureau(tmp_path: Path) -> Iterator[Bureau]:
    with open_bureau(tmp_path) as opened:
        opened.sign_in()
        yield opened


# --------------------------------------------------------------------------------------------- 9001 / 9002


def test_sign_in_issues_short_unique_digits(bureau: Bureau) -> None:
    numbers = {bureau.sign_in() for _ in range(5)}
    assert len(numbers) == 5
    assert all(n.isdigit() and len(n) == 8 for n in numbers)
    with bureau.state.transaction() as session:
        row = session.get(SignIn, bureau.sign_no)
        assert row is not None and row.fixmedins_code == DEMO_HOSPITAL and row.opter_no == "OP001"


def test_sign_out_twice_is_refused(bureau: Bureau) -> None:
    sign_no = bureau.sign_no
    other = bureau.sign_in()  # a second terminal keeps working after the first signs out
    assert_success(bureau.call("9002", {"signOut": {"sign_no": sign_no, "opter_no": "OP001"}}))
    assert_failure(bureau.call("9002", {"signOut": {"sign_no": sign_no, "opter_no": "OP001"}}), "已签退")
    assert bureau.sign_no == other


# --------------------------------------------------------------------------------------------- 1101


def test_person_by_psn_no_as_e_voucher(bureau: Bureau) -> None:
    query = {"data": {"mdtrt_cert_type": "01", "mdtrt_cert_no": ZHANG_SAN.psn_no, "psn_cert_type": "01"}}
    assert assert_success(bureau.call("1101", query))["baseinfo"]["certno"] == ZHANG_SAN.certno


def test_person_by_social_security_card_needs_card_sn(bureau: Bureau) -> None:
    query = {"data": {"mdtrt_cert_type": "03", "mdtrt_cert_no": ZHANG_SAN.certno, "psn_cert_type": "01"}}
    assert_failure(bureau.call("1101", query), "card_sn")
    query["data"]["card_sn"] = "A1B2C3"
    assert_success(bureau.call("1101", query))


def test_person_name_must_match(bureau: Bureau) -> None:
    assert_failure(bureau.call("1101", person_query(psn_name="李四")), "姓名")


def test_suspended_person_is_answered_with_the_status(bureau: Bureau) -> None:
    suspended = next(p for p in PERSONS if p.psn_insu_stas == "2")
    output = assert_success(bureau.call("1101", person_query(certno=suspended.certno)))
    assert output["insuinfo"][0]["psn_insu_stas"] == "2"
    assert output["insuinfo"][0]["paus_insu_date"]


def test_person_age_is_told_for_today_not_the_seed_date(bureau: Bureau) -> None:
    output = assert_success(bureau.call("1101", person_query()))
    # today in UTC or in Beijing: the two differ only around midnight
    days = {datetime.now(UTC).date(), datetime.now(BEIJING).date()}
    assert int(output["baseinfo"]["age"]) in {age_on(ZHANG_SAN.brdy, day) for day in days}
    assert age_on(ZHANG_SAN.brdy, SEED_DATE) == ZHANG_SAN.age  # the seed keeps its own day


def test_person_output_parses_with_the_registry(bureau: Bureau) -> None:
    output = assert_success(bureau.call("1101", person_query()))
    parsed = REGISTRY["1101"].parse_output(output)
    assert parsed.baseinfo.psn_no == ZHANG_SAN.psn_no  # type: ignore[attr-defined]


# --------------------------------------------------------------------------------------------- 9101 / 9102


def _zip(name: str, text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, text)
    return buffer.getvalue()


def test_upload_then_download(bureau: Bureau) -> None:
    content = _zip("detail.txt", "S1\tM1\tP1\t10.00\t8.00\t2.00\t0\n")
    upload = {"fsUploadIn": {"in": base64.b64encode(content).decode(), "filename": "对账明细.zip",
                             "fixmedins_code": DEMO_HOSPITAL}}  # fmt: skip
    output = assert_success(bureau.call("9101", upload))
    assert output["filename"] == "对账明细.zip" and len(output["file_qury_no"]) <= 30
    datetime.strptime(output["dld_endtime"], "%Y-%m-%d %H:%M:%S")

    download = {
        "fsDownloadIn": {
            **{k: output[k] for k in ("file_qury_no", "filename")},
            "fixmedins_code": DEMO_HOSPITAL,
        }
    }
    response = bureau.post(bureau.envelope("9102", download))
    assert response.headers["content-type"] == "application/octet-stream"
    answer = parse_http_answer(
        200, response.headers["content-type"], response.content, infno="9102", file=True,
        content_disposition=response.headers["content-disposition"],
    )  # fmt: skip
    assert isinstance(answer, FileAnswer) and answer.content == content and answer.filename == "对账明细.zip"


def test_upload_as_java_byte_array(bureau: Bureau) -> None:
    signed = [b - 256 if b > 127 else b for b in b"PK\x03\x04\xff"]
    upload = {"fsUploadIn": {"in": signed, "filename": "a.zip", "fixmedins_code": DEMO_HOSPITAL}}
    assert_success(bureau.call("9101", upload))


def test_upload_that_is_not_base64(bureau: Bureau) -> None:
    upload = {"fsUploadIn": {"in": "@@@", "filename": "a.zip", "fixmedins_code": DEMO_HOSPITAL}}
    assert_failure(bureau.call("9101", upload), "Base64")


def test_download_of_an_unknown_or_foreign_file(bureau: Bureau) -> None:
    unknown = {"fsDownloadIn": {"file_qury_no": "nope", "filename": "x.zip", "fixmedins_code": DEMO_HOSPITAL}}
    response = bureau.post(bureau.envelope("9102", unknown))
    assert response.headers["content-type"].startswith("application/json")
    assert_failure(loads(response.content), "文件查询号[nope]不存在")

    upload = {
        "fsUploadIn": {
            "in": base64.b64encode(b"abc").decode(),
            "filename": "a.zip",
            "fixmedins_code": DEMO_HOSPITAL,
        }
    }
    output = assert_success(bureau.call("9101", upload))
    foreign = {
        "fsDownloadIn": {"file_qury_no": output["file_qury_no"], "filename": "a.zip", "fixmedins_code": "plc"}
    }
    assert_failure(bureau.call("9102", foreign), "不属于")


def test_downloads_expire(tmp_path: Path) -> None:
    now = [datetime(2025, 7, 14, 10, 0, tzinfo=BEIJING)]
    app = create_sandbox_app(SandboxSettings(file_dir=tmp_path, file_ttl_hours=1), clock=lambda: now[0])
    bureau = Bureau(app)
    try:
        bureau.sign_in()
        upload = {
            "fsUploadIn": {
                "in": base64.b64encode(b"abc").decode(),
                "filename": "a.zip",
                "fixmedins_code": DEMO_HOSPITAL,
            }
        }
        output = assert_success(bureau.call("9101", upload))
        now[0] += timedelta(hours=2)
        download = {
            "fsDownloadIn": {
                "file_qury_no": output["file_qury_no"],
                "filename": "a.zip",
                "fixmedins_code": DEMO_HOSPITAL,
            }
        }
        assert_failure(bureau.call("9102", download), "已过期")
    finally:
        bureau.close()
        app.state.sandbox.close()


# ------------------------------------------------------------------------------ 1201 / 1901 / 5101 / 5102


def test_institution_info(bureau: Bureau) -> None:
    output = assert_success(bureau.call("1201", {"medinsinfo": {"fixmedins_code": DEMO_HOSPITAL}}))
    assert [row["fixmedins_name"] for row in output["medinsinfo"]] == ["湘潭市第一人民医院"]
    assert output["medinsinfo"][0]["hosp_lv"] == "02"
    everyone = assert_success(bureau.call("1201", {"medinsinfo": {}}))["medinsinfo"]
    assert len(everyone) >= 3


def test_dictionary(bureau: Bureau) -> None:
    output = assert_success(bureau.call("1901", {"data": {"type": "med_type", "date": "2025-07-14"}}))
    values = {row["value"]: row["label"] for row in output["list"]}
    assert values["11"] == "普通门诊" and values["21"] == "普通住院"
    unknown = assert_success(bureau.call("1901", {"data": {"type": "no_such_dict", "date": "2025-07-14"}}))
    assert unknown["list"] == []


def test_departments_follow_3401_3403(bureau: Bureau) -> None:
    seeded = {d.hosp_dept_codg for d in departments_of(DEMO_HOSPITAL)}
    output = assert_success(bureau.call("5101", {"data": {}}))
    assert {row["hosp_dept_codg"] for row in output["feedetail"]} == seeded

    dept = {
        "hosp_dept_codg": "GK01", "caty": "A04.06", "hosp_dept_name": "骨科",
        "begntime": "2025-01-01 00:00:00", "itro": "骨科", "dept_resper_name": "王示例",
        "dept_resper_tel": "0731-50001099",
        "dept_estbdat": "2025-01-01 00:00:00", "aprv_bed_cnt": 30, "poolarea_no": "430200", "dr_psncnt": 5,
        "phar_psncnt": 0, "nurs_psncnt": 10, "tecn_psncnt": 1,
    }  # fmt: skip
    assert_success(bureau.call("3401", {"deptinfo": dept}))
    removed = {"hosp_dept_codg": "NK01", "hosp_dept_name": "普通内科", "begntime": "2005-01-01 00:00:00"}
    assert_success(bureau.call("3403", {"data": removed}))
    codes = {row["hosp_dept_codg"] for row in assert_success(bureau.call("5101", {"data": {}}))["feedetail"]}
    assert codes == (seeded - {"NK01"}) | {"GK01"}

    # the batch upload (3401A) adds every row of its list
    batch = [
        {**dept, "hosp_dept_codg": code, "hosp_dept_name": name}
        for code, name in (("EK01", "儿科"), ("YK01", "眼科"))
    ]
    assert_success(bureau.call("3401A", {"deptinfo": batch}))
    codes = {row["hosp_dept_codg"] for row in assert_success(bureau.call("5101", {"data": {}}))["feedetail"]}
    assert codes == (seeded - {"NK01"}) | {"GK01", "EK01", "YK01"}


def test_medical_staff(bureau: Bureau) -> None:
    output = assert_success(bureau.call("5102", {"data": {"prac_psn_type": "1"}}))
    doctors = {s.prac_psn_code for s in staff_of(DEMO_HOSPITAL) if s.prac_psn_type == "1"}
    assert {row["prac_psn_code"] for row in output["data"]} == doctors


# ------------------------------------------------------------------------------------------ generic handler


def settlement_list(mdtrt_id: str, setl_id: str, **setlinfo: object) -> dict[str, object]:
    """A complete 4101 (national 表154-160) for an inpatient stay of Zhang San."""
    person = ZHANG_SAN
    return {
        "setlinfo": {
            "mdtrt_id": mdtrt_id, "setl_id": setl_id, "fixmedins_name": "湘潭市第一人民医院",
            "fixmedins_code": DEMO_HOSPITAL, "medcasno": "BA2024000123", "psn_name": person.psn_name,
            "gend": person.gend, "brdy": f"{person.brdy:%Y-%m-%d}", "age": person.age, "ntly": "CHN",
            "naty": person.naty, "patn_cert_type": "01", "certno": person.certno, "prfs": "17",
            "coner_name": "张三家属", "patn_rlts": "10", "coner_addr": "湖南省湘潭市雨湖区",
            "coner_tel": "13800000000",
            "hi_type": "310", "insuplc": "430200", "ipt_med_type": "1", "adm_caty": "A03", "dscg_caty": "A03",
            "maindiag_flag": "1", "bill_code": "43060124", "bill_no": "0000123456", "biz_sn": f"YW{setl_id}",
            "setl_begn_date": "2024-01-01", "setl_end_date": "2024-01-08", "psn_selfpay": "120.00",
            "psn_ownpay": "35.50", "acct_pay": "0.00", "psn_cashpay": "155.50", "hi_paymtd": "1",
            "hsorg": "湘潭市医疗保障事务中心", "hsorg_opter": "王经办", "medins_fill_dept": "病案室",
            "medins_fill_psn": "李病案", **setlinfo,
        },
        "payinfo": [{"fund_pay_type": "310100", "fund_payamt": "844.50"}],
        "diseinfo": [{"diag_type": "1", "diag_code": "J18.900", "diag_name": "肺炎", "maindiag_flag": "1"}],
        "iteminfo": [
            {"med_chrgitm": "01", "amt": "1000.00", "claa_sumfee": "800.00", "clab_amt": "164.50",
             "fulamt_ownpay_amt": "35.50", "oth_amt": "0.00"},
        ],
    }  # fmt: skip


def test_generic_write_is_recorded_with_its_business_key(bureau: Bureau) -> None:
    message = bureau.envelope("4101", settlement_list("MD0001", "SET0001"))
    assert_success(loads(bureau.post(message).content))
    with bureau.state.transaction() as session:
        upload = session.scalars(select(Upload).where(Upload.msgid == message["msgid"])).one()
        assert (upload.infno, upload.business_key) == ("4101", "MD0001")
        assert upload.data == message["input"]


def test_generic_query_answers_from_recorded_uploads(bureau: Bureau) -> None:
    assert_success(bureau.call("4101", settlement_list("MD0001", "SET0001", x=1)))
    assert_success(bureau.call("4101", settlement_list("MD0002", "SET0002", x=2)))
    found = assert_success(bureau.call("4103", {"data": {"psn_no": ZHANG_SAN.psn_no, "setl_id": "SET0002"}}))
    assert [row.get("x") for row in found["data"] if "setl_id" in row] == [2]


def test_generic_output_has_the_real_shape_with_input_values(bureau: Bureau) -> None:
    query = {"data": {"hilist_code": "XJ01CAA040A001010100001", "updt_time": "2024-01-01 00:00:00",
                      "page_num": 1, "page_size": 10}}  # fmt: skip
    output = assert_success(bureau.call("1316", query))
    assert output["data"][0]["hilist_code"] == "XJ01CAA040A001010100001"
    assert {"pageNum", "pageSize", "recordCounts"} <= set(output)
    REGISTRY["1316"].parse_output(output)


def test_generic_file_answer_is_a_real_zip(bureau: Bureau) -> None:
    output = assert_success(bureau.call("1320", {"data": {"ver": "0"}}))
    download = {
        "fsDownloadIn": {
            "file_qury_no": output["file_qury_no"],
            "filename": output["filename"],
            "fixmedins_code": "plc",
        }
    }
    response = bureau.post(bureau.envelope("9102", download))
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        (member,) = archive.namelist()
        lines = archive.read(member).decode("utf-8").splitlines()
    assert len(lines) == output["data_cnt"] == 3


def test_catalog_mappings_follow_3301_3302(bureau: Bureau) -> None:
    """1317 answers from the 3301 mappings of the institution (registry answers_from); 3302 (undoes 3301)
    removes the one it names and is refused when it names none."""
    from medical_insurance_sdk.registry.samples import sample_message

    def mapping(hilist_id: str, codg: str) -> dict[str, object]:
        message = sample_message(REGISTRY["3301"].request_nodes)
        message["data"].update(fixmedins_hilist_id=hilist_id, med_list_codg=codg, list_type="101")
        return message

    def listed() -> set[str]:
        query = sample_message(REGISTRY["1317"].request_nodes, optional=False)
        query["data"]["page_size"] = 100  # 1317 pages like the real service
        rows = assert_success(bureau.call("1317", query))["data"]
        return {row["medins_list_codg"] for row in rows}  # the published answer names the HIS item so

    assert_success(bureau.call("3301", mapping("HIS-A", "XA01AAA001A001010100001")))
    assert_success(bureau.call("3301", mapping("HIS-B", "XA01AAA001A001010100002")))
    assert listed() == {"HIS-A", "HIS-B"}
    cancel = {
        "data": {
            "fixmedins_code": DEMO_HOSPITAL,
            "fixmedins_hilist_id": "HIS-A",
            "list_type": "101",
            "med_list_codg": "XA01AAA001A001010100001",
        }
    }
    assert_success(bureau.call("3302", cancel))
    assert listed() == {"HIS-B"}
    assert_failure(bureau.call("3302", cancel), "未找到要撤销的目录对照上传记录", infcode=-2)
