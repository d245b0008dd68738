"""The SDK's typed results, as data: each result type's friendly names and where in the answer they are.

    RESULT_FIELDS["SettlementResult"]["total_amount"]  ->  Friendly("decimal", ("setlinfo.medfee_sumamt", …))

A transaction names its result type (`Transaction.result_type`); every client (the Python SDK's result
classes, the generated JavaScript, Java and C# clients) fills the friendly names of that type from this one
table.  A path is "node.field", "node[].field" (first row that has it), "*.field" (first occurrence anywhere),
or "@msgid" / "@request_id" (the receipt of the call itself); the first path that finds a value wins.  `kind`
says how a client types the value: amounts are "decimal" (never binary floating point).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal


@dataclass(frozen=True, slots=True)
class Friendly:
    kind: Literal["str", "decimal", "int"]
    paths: tuple[str, ...]


def _s(*paths: str) -> Friendly:
    return Friendly("str", paths)


def _d(*paths: str) -> Friendly:
    return Friendly("decimal", paths)


# result type -> (one-line description, friendly name -> Friendly)
RESULT_FIELDS: MappingProxyType[str, MappingProxyType[str, Friendly]]
RESULT_DOCS: MappingProxyType[str, str]

_TABLE: dict[str, tuple[str, dict[str, Friendly]]] = {
    "Result": (
        "The answer to one transaction.  `raw` is the bureau `output` exactly as the gateway passed it on.",
        {},
    ),
    "PersonInfo": (
        "【1101】人员基本信息 (spec §4.1 PersonInfo: psn_no, psn_name, gend, brdy).",
        {
            "person_no": _s("baseinfo.psn_no"),
            "name": _s("baseinfo.psn_name"),
            "gender": _s("baseinfo.gend"),
            "birthday": _s("baseinfo.brdy"),
            "age": _d("baseinfo.age"),
            "cert_no": _s("baseinfo.certno"),
            "cert_type": _s("baseinfo.psn_cert_type"),
            "insurance_balance": _d("insuinfo[].balc"),
            "insurance_type": _s("insuinfo[].insutype"),
            "psn_no": _s("baseinfo.psn_no"),
            "psn_name": _s("baseinfo.psn_name"),
            "gend": _s("baseinfo.gend"),
            "brdy": _s("baseinfo.brdy"),
        },
    ),
    "InstitutionInfo": (
        "【1201】医药机构信息 (spec §4.1 InstitutionInfo: fixmedins_code, fixmedins_name).",
        {
            "institution_code": _s("medinsinfo[].fixmedins_code"),
            "name": _s("medinsinfo[].fixmedins_name"),
            "level": _s("medinsinfo[].hosp_lv"),
            "institution_type": _s("medinsinfo[].fixmedins_type"),
            "fixmedins_code": _s("medinsinfo[].fixmedins_code"),
            "fixmedins_name": _s("medinsinfo[].fixmedins_name"),
            "hosp_lv": _s("medinsinfo[].hosp_lv"),
        },
    ),
    "BenefitCheckResult": (
        "【2001】待遇检查: `status` is 'pass' when no row limits the person's benefits, else 'restricted'.",
        {},
    ),
    "RegisterResult": (
        "【2201】门诊挂号: `register_id` is the bureau's 就诊ID (mdtrt_id) the rest of the visit uses.",
        {
            "register_id": _s("data.mdtrt_id", "*.mdtrt_id"),
            "visit_id": _s("data.mdtrt_id", "*.mdtrt_id"),
            "mdtrt_id": _s("data.mdtrt_id", "*.mdtrt_id"),
            "person_no": _s("data.psn_no", "*.psn_no"),
            "ipt_otp_no": _s("data.ipt_otp_no", "*.ipt_otp_no"),
        },
    ),
    "AdmissionResult": (
        "【2401】入院办理: `admission_id` is the bureau's 就诊ID (mdtrt_id).",
        {
            "admission_id": _s("result.mdtrt_id", "*.mdtrt_id"),
            "mdtrt_id": _s("result.mdtrt_id", "*.mdtrt_id"),
        },
    ),
    "FeeUploadResult": (
        "【2204/2301】费用明细上传: one row per fee line with the bureau's grading of it.",
        {
            "visit_id": _s("*.mdtrt_id"),
        },
    ),
    "SettlementResult": (
        "Pre-settlement, settlement and their reversal (21xx, 2206-2208, 2303-2305).",
        {
            "settlement_id": _s("setlinfo.setl_id", "*.setl_id"),
            "insurance_amount": _d("setlinfo.fund_pay_sumamt", "*.fund_pay_sumamt"),
            "total_amount": _d("setlinfo.medfee_sumamt", "*.medfee_sumamt"),
            "personal_amount": _d("setlinfo.psn_part_amt", "*.psn_part_amt"),
            "cash_amount": _d("setlinfo.psn_cash_pay", "*.psn_cash_pay"),
            "account_amount": _d("setlinfo.acct_pay", "*.acct_pay"),
            "balance": _d("setlinfo.balc", "*.balc"),
            "visit_id": _s("setlinfo.mdtrt_id", "*.mdtrt_id"),
            "setl_id": _s("setlinfo.setl_id", "*.setl_id"),
            "mdtrt_id": _s("setlinfo.mdtrt_id", "*.mdtrt_id"),
            "medfee_sumamt": _d("setlinfo.medfee_sumamt", "*.medfee_sumamt"),
            "fund_pay_sumamt": _d("setlinfo.fund_pay_sumamt", "*.fund_pay_sumamt"),
            "psn_cash_pay": _d("setlinfo.psn_cash_pay", "*.psn_cash_pay"),
            "acct_pay": _d("setlinfo.acct_pay", "*.acct_pay"),
        },
    ),
    "RecordResult": (
        "人员备案 (25xx): `record_id` is the bureau's 待遇申报明细流水号.",
        {
            "record_id": _s("result.trt_dcla_detl_sn", "*.trt_dcla_detl_sn"),
        },
    ),
    "UploadResult": (
        "An information upload (4xxx and friends); `upload_id` is the bureau's receipt (or the msgid).",
        {
            "upload_id": _s("*.upload_id", "*.uld_id", "*.file_qury_no", "@msgid"),
        },
    ),
    "SettlementListResult": (
        "【4101】结算清单上传: `list_id` is the 清单流水号 (or the msgid when the bureau returns none).",
        {
            "list_id": _s("*.setl_list_id", "*.list_id", "*.setl_id", "@msgid"),
        },
    ),
    "PrescriptionResult": (
        "电子处方 (71xx/72xx): `prescription_id` is the bureau's 医保处方编号 (hiRxno).",
        {
            "prescription_id": _s("*.hiRxno", "*.hi_rxno", "*.hospRxno", "*.rxno"),
            "trace_code": _s("*.rxTraceCode"),
            "status": _s("*.rxChkStasCodg", "*.rxStasCodg", "*.status"),
        },
    ),
    "SaleResult": (
        "【7207】药品销售出库: `sale_id` is the bureau's receipt (or the msgid).",
        {
            "sale_id": _s("*.sale_id", "*.setl_id", "*.setlId", "*.medinsSetlId", "@msgid"),
        },
    ),
    "FileQueryResult": (
        "A file answer to fetch with 9102 (13xx catalogues, 3202, 9101 upload).",
        {
            "file_query_no": _s("file_qury_no", "*.file_qury_no"),
            "file_qury_no": _s("file_qury_no", "*.file_qury_no"),
            "filename": _s("filename", "*.filename"),
            "data_count": _d("data_cnt", "*.data_cnt"),
        },
    ),
    "FileResult": (
        "【9102】文件下载: the file itself.",
        {},
    ),
    "PaymentResult": (
        "线上支付 (62xx-64xx): order id and state in the platform's camelCase names.",
        {
            "order_id": _s("*.payOrdId"),
            "insurance_amount": _d("*.fundPay"),
            "status": _s("*.ordStas", "*.refStatus"),
        },
    ),
}

RESULT_FIELDS = MappingProxyType({name: MappingProxyType(fields) for name, (_, fields) in _TABLE.items()})
RESULT_DOCS = MappingProxyType({name: doc for name, (doc, _) in _TABLE.items()})
RESULT_TYPES: tuple[str, ...] = tuple(_TABLE)
