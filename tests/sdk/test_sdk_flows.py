"""The spec's convenience methods: friendly dicts → bureau fields (one table), flow memory, catalogue
files, local validation and batches — against a mock gateway that plays a small bureau."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sdk_support import failure, ok

from medical_insurance_sdk.exceptions import (
    DataValidationError,
    UnsupportedInterfaceError,
)
from medical_insurance_sdk.protocol import jsoncodec
from medical_insurance_sdk.protocol.catalog_file import write_catalog
from medical_insurance_sdk.protocol.catalog_layouts import LAYOUTS
from medical_insurance_sdk.registry import API_PREFIX, REGISTRY
from medical_insurance_sdk.registry.samples import sample_message
from medical_insurance_sdk.sdk.lib.friendly import DEFAULTS, FRIENDLY_FIELDS, SAME_AS, to_bureau

PSN_NO = "43000030281000128715"
CERT_NO = "430281199001010001"


class MiniBureau:
    """Answers the outpatient flow the way the bureau shapes its outputs."""

    def __init__(self) -> None:
        self.bodies: dict[str, Any] = {}
        self.headers: dict[str, httpx.Headers] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        tx = REGISTRY.by_route(request.method, request.url.path.split(API_PREFIX, 1)[1])
        body = jsoncodec.loads(request.content) if request.method != "GET" else dict(request.url.params)
        self.bodies[tx.infno] = body
        self.headers[tx.infno] = request.headers
        return ok(self.output(tx.infno, body), tx=tx, msgid=f"MSG{tx.infno}")

    def output(self, infno: str, body: Any) -> Any:
        if infno == "1101":
            return {
                "baseinfo": {
                    "psn_no": PSN_NO,
                    "psn_name": "张三",
                    "gend": "1",
                    "brdy": "1990-01-01",
                    "age": 35,
                },
                "insuinfo": [{"balc": Decimal("1500.00"), "insutype": "310", "insuplc_admdvs": "430200"}],
            }
        if infno == "2001":
            return {"trtinfo": [{"psn_no": PSN_NO, "trt_chk_type": "01", "trt_enjymnt_flag": "1"}]}
        if infno == "2201":
            return {
                "data": {"mdtrt_id": "MDT0001", "psn_no": PSN_NO, "ipt_otp_no": body["data"]["ipt_otp_no"]}
            }
        if infno == "2204":
            return {
                "result": [
                    {"feedetl_sn": r["feedetl_sn"], "det_item_fee_sumamt": r["det_item_fee_sumamt"]}
                    for r in body["feedetail"]
                ]
            }
        if infno in ("2206", "2207"):
            amounts = {
                "fulamt_ownpay_amt": "0.00",
                "overlmt_selfpay": "0.00",
                "preselfpay_amt": "1.00",
                "inscp_scp_amt": "24.00",
            }
            setlinfo = {
                "mdtrt_id": "MDT0001",
                "medfee_sumamt": "25.00",
                "fund_pay_sumamt": "19.20",
                **amounts,
            }
            if infno == "2207":
                setlinfo["setl_id"] = "SETL0001"
            return {"setlinfo": setlinfo, "setldetail": []}
        return {}


@pytest.fixture
def bureau(gateway) -> MiniBureau:
    mini = MiniBureau()
    gateway.default = mini
    return mini


def test_outpatient_flow_of_the_integration_guide(bureau: MiniBureau, sdk) -> None:
    """§11.3.1 step by step, with the spec's friendly dicts only."""
    patient = sdk.query_person_info(cert_type="02", cert_no=CERT_NO, name="张三")
    assert (patient.name, patient.person_no, patient.insurance_balance) == (
        "张三",
        PSN_NO,
        Decimal("1500.00"),
    )
    assert (patient.gender, patient.birthday, patient.psn_name) == ("1", "1990-01-01", "张三")
    assert patient.baseinfo["psn_no"] == PSN_NO and patient.insuinfo[0]["insutype"] == "310"

    benefit = sdk.benefit_check(person_no=patient.person_no, check_items=["drug_limit", "treatment_limit"])
    assert benefit.status == "pass"
    sent = bureau.bodies["2001"]["data"]
    assert sent["psn_no"] == PSN_NO and sent["fixmedins_code"] == "H43028110001" and "check_items" not in sent

    register = sdk.outpatient_register(
        {"person_no": patient.person_no, "dept_code": "001", "doctor_code": "DOC001"}
    )
    assert register.register_id == "MDT0001" and register.mdtrt_id == "MDT0001"
    sent = bureau.bodies["2201"]["data"]
    assert (sent["psn_no"], sent["dept_code"], sent["atddr_no"]) == (PSN_NO, "001", "DOC001")
    assert (sent["mdtrt_cert_type"], sent["mdtrt_cert_no"], sent["insutype"]) == ("02", CERT_NO, "310")
    assert sent["ipt_otp_no"].startswith("MZ") and sent["begntime"]
    assert bureau.headers["2201"]["x-insuplc-admdvs"] == "430200"  # 参保地 remembered from 1101

    sdk.outpatient_visit_upload(
        {
            "visit_id": register.register_id,
            "diagnosis_info": [{"diag_code": "I25.101", "diag_name": "急性心肌梗死", "main_diag_flag": "1"}],
        }
    )
    sent = bureau.bodies["2203"]
    assert sent["mdtrtinfo"]["mdtrt_id"] == "MDT0001" and sent["mdtrtinfo"]["psn_no"] == PSN_NO
    diag = sent["diseinfo"][0]
    assert (diag["diag_code"], diag["maindiag_flag"], diag["diag_srt_no"], diag["dise_dor_no"]) == (
        "I25.101",
        "1",
        1,
        "DOC001",
    )

    fees = sdk.outpatient_expense_upload(
        {
            "visit_id": register.register_id,
            "expense_items": [
                {"item_code": "A01010001", "item_name": "阿司匹林片", "quantity": 2, "unit_price": 12.50}
            ],
        }
    )
    row = bureau.bodies["2204"]["feedetail"][0]
    assert (row["med_list_codg"], row["medins_list_codg"], row["cnt"], row["pric"]) == (
        "A01010001",
        "A01010001",
        2,
        Decimal("12.5"),
    )
    assert row["det_item_fee_sumamt"] == Decimal("25.00") and row["mdtrt_id"] == "MDT0001"
    assert row["chrg_bchno"].startswith("SF") and row["bilg_dr_codg"] == "DOC001"
    assert fees.rows("result")[0]["det_item_fee_sumamt"] == Decimal("25.00")

    pre = sdk.outpatient_pre_settle(register.register_id)
    assert pre.insurance_amount == Decimal("19.20") and pre.total_amount == Decimal("25.00")
    sent = bureau.bodies["2206"]["data"]
    assert sent["medfee_sumamt"] == Decimal("25.00") and sent["chrg_bchno"] == row["chrg_bchno"]
    assert (sent["psn_no"], sent["mdtrt_cert_no"], sent["med_type"]) == (PSN_NO, CERT_NO, "11")

    settle = sdk.outpatient_settle(register.register_id)
    assert settle.settlement_id == "SETL0001" and settle.msgid == "MSG2207"
    sent = bureau.bodies["2207"]["data"]
    assert (sent["preselfpay_amt"], sent["inscp_scp_amt"]) == (Decimal("1.00"), Decimal("24.00"))

    sdk.outpatient_settle_cancel(settle.settlement_id)
    sent = bureau.bodies["2208"]["data"]
    assert sent == {"setl_id": "SETL0001", "mdtrt_id": "MDT0001", "psn_no": PSN_NO}


def test_missing_facts_are_named_not_invented(bureau, gateway, sdk) -> None:
    # 2401 without a diagnosis: the SDK fills what it can, validation names the rest before sending
    with pytest.raises(DataValidationError) as caught:
        sdk.inpatient_admission({"person_no": PSN_NO, "dept_code": "001", "bed_no": "001-01"})
    paths = {e.path for e in caught.value.errors}
    assert "diseinfo[0].diag_code" in paths and "mdtrtinfo.dscg_maindiag_code" in paths
    assert "mdtrtinfo.adm_bed" not in paths and "mdtrtinfo.adm_dept_codg" not in paths


def test_friendly_table_targets_exist_in_the_registry() -> None:
    names = {f.name for t in REGISTRY.transactions for n in t.request_nodes for f in n.fields}
    nodes = {n.name for t in REGISTRY.transactions for n in t.request_nodes}
    loose = {"medins_list_name", "fund_pay_sumamt", "psn_part_amt", "hiRxno"}  # fields of open nodes
    for friendly, targets in FRIENDLY_FIELDS.items():
        for target in targets:
            assert target in names | nodes | loose, f"{friendly} → {target}"
    for name, others in SAME_AS.items():
        assert name in names and all(o in names for o in others), name
    assert all(name in names for name in DEFAULTS)


def test_the_spec_4701_parts_become_the_bureau_nodes() -> None:
    # §2.4.6: patient_info and admission_info are two halves of adminfo; course_records is coursrinfo
    body = {
        "patient_info": {"mdtrt_sn": "202401010001", "name": "张三", "gend": "1"},
        "admission_info": {"adm_rec_no": "IP20240101001", "dept_code": "001", "gend": "2"},
        "diagnosis_info": [{"diag_seq": 1, "wm_diag_code": "I25.101"}],
        "course_records": [{"dept_code": "001", "cas_ftur": "胸痛3小时"}],
    }
    sent = to_bureau(REGISTRY["4701"], body)
    assert sent["adminfo"] == {
        "mdtrt_sn": "202401010001",
        "name": "张三",  # adminfo's own `name`, not psn_name
        "gend": "1",  # the first part wins a clash
        "adm_rec_no": "IP20240101001",
        "dept_code": "001",
    }
    assert sent["diseinfo"] == [{"diag_seq": 1, "wm_diag_code": "I25.101"}]
    assert sent["coursrinfo"] == [{"dept_code": "001", "cas_ftur": "胸痛3小时"}]
    # a bureau node sent as well wins over the friendly parts, wherever it stands
    parts, explicit = {"patient_info": {"name": "张三", "gend": "1"}}, {"adminfo": {"name": "李四"}}
    for both in ({**explicit, **parts}, {**parts, **explicit}):
        assert to_bureau(REGISTRY["4701"], both)["adminfo"] == {"name": "李四", "gend": "1"}


def test_validate_medical_data_is_local(gateway, sdk) -> None:
    result = sdk.validate_medical_data("outpatient_register", {"person_no": PSN_NO, "dept_code": "001"})
    assert not result.success and result.infno == "2201"
    assert "30002 - 必填字段缺失: data.insutype" in result.errors
    assert {d["field"] for d in result.details} >= {"data.atddr_no", "data.begntime"}
    # 4701's published table asks far more than the spec's sketch: the gaps are named, nothing is guessed
    sketch = {
        "admission_info": {"mdtrt_sn": "202401010001", "psn_no": PSN_NO},
        "diagnosis_info": [{"diag_seq": 1}],
    }
    refused = sdk.validate_medical_data("electronic_medical_record", sketch)
    assert not refused.success and refused.infno == "4701"
    assert {d["field"] for d in refused.details} >= {"adminfo.adm_rec_no", "diseinfo[0].wm_diag_code"}
    record = sample_message(REGISTRY["4701"].request_nodes)  # a complete record, under the bureau's names
    record["adminfo"]["psn_no"] = PSN_NO
    assert sdk.validate_medical_data("electronic_medical_record", record).success
    with pytest.raises(UnsupportedInterfaceError):
        sdk.validate_medical_data("no_such_interface", {})
    assert gateway.requests == []


EXPENSES = {
    "visit_id": "V001",
    "person_no": PSN_NO,
    "dept_code": "001",
    "doctor_code": "DOC001",
    "expenses": [{"item_code": "A01010001", "quantity": 1, "unit_price": 2}],
}
# 4101 is the national settlement list (表154-160): the spec's five-field example cannot be one, so the batch
# sends a complete list in the bureau's names (friendly names still work for the shared keys).
SETTLEMENT_LIST = {
    "settlement_id": "SET20250714001",
    "setlinfo": {
        "mdtrt_id": "MDT20250714001", "fixmedins_name": "湘潭市第一人民医院",
        "fixmedins_code": "H43028110001",
        "medcasno": "BA2025000123", "psn_name": "张三", "gend": "1", "brdy": "1980-01-01", "age": 45,
        "ntly": "CHN", "naty": "01", "patn_cert_type": "01", "certno": "430302198001011234", "prfs": "17",
        "coner_name": "张三家属", "patn_rlts": "10", "coner_addr": "湖南省湘潭市雨湖区",
        "coner_tel": "13800000000",
        "hi_type": "310", "insuplc": "430200", "ipt_med_type": "1", "adm_caty": "A03", "dscg_caty": "A03",
        "maindiag_flag": "1", "bill_code": "43060124", "bill_no": "0000123456", "biz_sn": "YW20250714001",
        "setl_begn_date": "2025-07-07", "setl_end_date": "2025-07-14", "psn_selfpay": "120.00",
        "psn_ownpay": "35.50", "acct_pay": "0.00", "psn_cashpay": "155.50", "hi_paymtd": "1",
        "hsorg": "湘潭市医疗保障事务中心", "hsorg_opter": "王经办", "medins_fill_dept": "病案室",
        "medins_fill_psn": "李病案",
    },
    "payinfo": [{"fund_pay_type": "310100", "fund_payamt": "844.50"}],
    "diseinfo": [{"diag_type": "1", "diag_code": "J18.900", "diag_name": "肺炎", "maindiag_flag": "1"}],
    "iteminfo": [{"med_chrgitm": "01", "amt": "1000.00", "claa_sumfee": "800.00", "clab_amt": "164.50",
                  "fulamt_ownpay_amt": "35.50", "oth_amt": "0.00"}],
}  # fmt: skip


def test_batch_upload_counts_and_stops(bureau, gateway, sdk) -> None:
    operations = [
        {"interface_type": "settlement_list_upload", "data": SETTLEMENT_LIST, "sequence": 2},
        {"interface_type": "outpatient_expense_upload", "data": EXPENSES, "sequence": 1},
    ]
    result = sdk.batch_upload(operations)
    assert (result.success_count, result.total_count, result.status) == (2, 2, "completed")
    assert [item.infno for item in result.items] == ["2204", "4101"]  # by sequence
    sent = bureau.bodies["4101"]
    assert sent["setlinfo"]["setl_id"] == "SET20250714001" and Decimal(sent["iteminfo"][0]["amt"]) == 1000
    assert not any(sent.get(name) for name in ("opspdiseinfo", "oprninfo", "icuinfo", "bldinfo"))
    gateway.script(failure(50010, "业务流程异常", status=409))
    failed = sdk.batch_upload(operations, stop_on_error=True)
    assert (failed.success_count, failed.total_count, failed.stopped_early) == (0, 1, True)
    assert failed.items[0].error_code == 50010
    gateway.script(failure(50010, "业务流程异常", status=409))
    going_on = sdk.batch_upload(operations, stop_on_error=False)
    assert (going_on.success_count, going_on.total_count, going_on.status) == (1, 2, "partial")


def test_batch_stops_at_an_unknown_outcome_whatever_was_asked(bureau, gateway, sdk) -> None:
    operations = [
        {"interface_type": "upload_settlement_list", "data": SETTLEMENT_LIST, "sequence": 1},
        {"interface_type": "upload_settlement_list", "data": SETTLEMENT_LIST, "sequence": 2},
    ]
    gateway.script(failure(20005, "结果未知", status=504, data={"msgid": "M1", "outcome": "unknown"}))
    result = sdk.batch_upload(operations, stop_on_error=False)
    assert result.total_count == 1 and result.stopped_early
    assert result.items[0].error_code == 20005 and not result.items[0].success


def catalog_zip(count: int) -> bytes:
    layout = LAYOUTS["1301"]
    rows = []
    for i in range(count):
        row = dict.fromkeys(layout.keys)
        row.update(med_list_codg=f"X{i:06d}", ver="1", ver_name="1301_000001", vali_flag="1")
        rows.append(row)
    buffer = io.BytesIO()
    write_catalog(buffer, layout, rows)
    return buffer.getvalue()


def test_download_drug_catalog_fetches_and_reads_the_file(gateway, sdk) -> None:
    content = catalog_zip(3)

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("catalog/drug-download"):
            assert jsoncodec.loads(request.content) == {"data": {"ver": "1.0"}}
            return ok(
                {
                    "file_qury_no": "FQ1",
                    "filename": "plc_1301.zip",
                    "dld_end_time": "2025-07-15",
                    "data_cnt": 3,
                }
            )
        assert request.method == "GET" and request.url.path.endswith("other/file-download")
        assert dict(request.url.params) == {
            "file_qury_no": "FQ1",
            "filename": "plc_1301.zip",
            "fixmedins_code": "plc",
        }
        return httpx.Response(200, content=content, headers={"content-type": "application/octet-stream"})

    gateway.default = handle
    drugs = sdk.download_drug_catalog(version="1.0")
    assert len(drugs) == 3 and drugs[0].code == "X000000" and drugs.last_ver_name == "1301_000001"
    assert drugs.bad_rows == [] and drugs.infno == "1301"


def test_download_catalog_by_type(gateway, sdk) -> None:
    seen: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path.split(API_PREFIX)[1])
        if "file-download" in request.url.path:
            return httpx.Response(200, content=catalog_zip(0), headers={"content-type": "application/zip"})
        return ok({"file_qury_no": "FQ", "filename": "f.zip", "data_cnt": 0})

    gateway.default = handle
    with pytest.raises(Exception, match="列定义"):
        sdk.download_catalog("tcm_granules", version="1.0")  # 1320: no published layout
    assert sdk.download_catalog("medical_institution_preparations", version="1.0") == []
    assert "catalog/medical-institution-preparations-download" in seen
    with pytest.raises(UnsupportedInterfaceError):
        sdk.download_catalog("no_such_catalog")
