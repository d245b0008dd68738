"""医保业务服务 (spec §2.2): 43 transactions, in the spec's order (data only)."""

from __future__ import annotations

from medical_insurance_sdk.registry.transaction import Category, Safety, Transaction, tx

_C = Category.BUSINESS
_Q = Safety.QUERY
_W = Safety.WRITE
_M = Safety.MONEY

# What proves a lost 2203 arrived: 5201 shows the visit with the med_type it told (before 2203 the bureau
# knows none).  A lost 2402: 5202 lists the discharge diagnoses (出入院诊断类别 2) it sent.
_VISIT_INFO_EVIDENCE = (("mdtrt_id", "mdtrtinfo.mdtrt_id"), ("med_type", "mdtrtinfo.med_type"))
_DISCHARGE_EVIDENCE = (
    ("mdtrt_id", "dscginfo.mdtrt_id"),
    ("inout_diag_type", "=2"),
    ("diag_code", "diseinfo.diag_code"),
)

_REMOTE = "Code chosen inside the spec's range 2161-2181 (no public code table found)."
# 2162/2164 took effect when 2165 shows a valid row undoing the settlement they name.
_REMOTE_UNDONE = (("init_setl_id", "data.setl_id"), ("vali_flag", "=1"))

TRANSACTIONS: tuple[Transaction, ...] = (
    tx(
        "2001",
        "人员待遇享受检查",
        "benefit_check",
        _C,
        "POST business/benefit-check",
        safety=_Q,
        own_institution_fields=("fixmedins_code",),
        result_type="BenefitCheckResult",
        permission="person_info:read",
        perf="benefit_check",
        sdk_method="benefit_check",
    ),
    # --- 2101-2103: pharmacy settlement ---
    tx(
        "2101",
        "药店预结算",
        "pharmacy_pre_settle",
        _C,
        "POST business/pharmacy/pre-settle",
        safety=_M,
        spec_flow="",  # spec §11 flow, from a dict only
        result_type="SettlementResult",
        permission="payment:create",
        perf="pharmacy_settle",
        input_nodes=("druginfo", "drugdetail"),
        sdk_method="pharmacy_pre_settle",
        effect_free=True,
    ),
    tx(
        "2102",
        "药店结算",
        "pharmacy_settle",
        _C,
        "POST business/pharmacy/settle",
        safety=_M,
        spec_flow="",  # spec §11 flow, from a dict only
        result_type="SettlementResult",
        clearing_class="41",  # 药店购药
        permission="payment:create",
        perf="pharmacy_settle",
        input_nodes=("druginfo", "drugdetail"),
        sdk_method="pharmacy_settle",
        reversible=True,
        confirm_by="5203",
        notes="Reference §3 2601 lists 2102 among the pharmacy transactions 2601 reverses.",
    ),
    tx(
        "2103",
        "药店结算撤销",
        "pharmacy_settle_cancel",
        _C,
        "POST business/pharmacy/settle-cancel",
        safety=_M,
        spec_flow="settlement_id",  # spec §11 flow; a lone string is the settlement_id
        result_type="SettlementResult",
        undoes="2102",
        cancels=True,  # it removes a record: a query confirms it by absence
        permission="payment:create",
        perf="pharmacy_settle",
        sdk_method="pharmacy_settle_cancel",
        reversible=True,
        confirm_by="5203",
        notes="Reversible by 2601: the reference says 'probably' for 2103 [U], as for 2208 by analogy.",
    ),
    # --- 2161-2181: remote (异地就医) drug purchase at pharmacies ---
    tx(
        "2161",
        "获取人员信息",
        "remote_person_info",
        _C,
        "POST business/remote/person-info",
        safety=_Q,
        result_type="PersonInfo",
        permission="person_info:read",
        perf="person_info",
        sdk_method="query_remote_person_info",
        notes=_REMOTE,
    ),
    tx(
        "2162",
        "购药退费",
        "remote_purchase_refund",
        _C,
        "POST business/remote/refund",
        safety=_M,
        permission="payment:create",
        perf="pharmacy_settle",
        sdk_method="refund_remote_purchase",
        confirm_by="2165",
        confirm_evidence=_REMOTE_UNDONE,
        notes=_REMOTE,
    ),
    tx(
        "2163",
        "购药试算",
        "remote_purchase_pre_calculate",
        _C,
        "POST business/remote/pre-calculate",
        safety=_M,
        result_type="SettlementResult",
        permission="payment:create",
        perf="pharmacy_settle",
        input_nodes=("druginfo", "drugdetail"),
        sdk_method="pre_calculate_remote_purchase",
        confirm_by="2165",
        notes=_REMOTE,
        effect_free=True,
    ),
    tx(
        "2164",
        "取消订单",
        "remote_order_cancel",
        _C,
        "POST business/remote/cancel-order",
        safety=_M,
        permission="payment:create",
        perf="pharmacy_settle",
        sdk_method="cancel_remote_order",
        confirm_by="2165",
        confirm_evidence=_REMOTE_UNDONE,
        notes=_REMOTE,
    ),
    tx(
        "2165",
        "订单查询",
        "remote_order_query",
        _C,
        "GET business/remote/orders",
        safety=_Q,
        permission="payment:query",
        perf="info_query",
        sdk_method="query_remote_orders",
        notes=_REMOTE,
    ),
    tx(
        "2166",
        "结算信息查询",
        "remote_settlement_info",
        _C,
        "GET business/remote/settlement-info",
        safety=_Q,
        permission="payment:query",
        perf="info_query",
        sdk_method="query_remote_settlement_info",
        notes=_REMOTE,
    ),
    tx(
        "2167",
        "月结算申报汇总数据查询",
        "remote_monthly_summary",
        _C,
        "GET business/remote/monthly-summary",
        safety=_Q,
        permission="payment:query",
        perf="info_query",
        sdk_method="query_remote_monthly_summary",
        notes=_REMOTE,
    ),
    tx(
        "2168",
        "月结算申报业务明细数据查询",
        "remote_monthly_detail",
        _C,
        "GET business/remote/monthly-detail",
        safety=_Q,
        permission="payment:query",
        perf="info_query",
        sdk_method="query_remote_monthly_detail",
        notes=_REMOTE,
    ),
    tx(
        "2169",
        "月结申报基金分项数据查询",
        "remote_fund_detail",
        _C,
        "GET business/remote/fund-detail",
        safety=_Q,
        permission="payment:query",
        perf="info_query",
        sdk_method="query_remote_fund_detail",
        notes=_REMOTE,
    ),
    tx(
        "2170",
        "药店账务明细查询",
        "remote_pharmacy_account_detail",
        _C,
        "GET business/remote/pharmacy-detail",
        safety=_Q,
        permission="payment:query",
        perf="info_query",
        sdk_method="query_remote_pharmacy_account_detail",
        notes=_REMOTE,
    ),
    tx(
        "2171",
        "药店账务汇总查询",
        "remote_pharmacy_account_summary",
        _C,
        "GET business/remote/pharmacy-summary",
        safety=_Q,
        permission="payment:query",
        perf="info_query",
        sdk_method="query_remote_pharmacy_account_summary",
        notes=_REMOTE,
    ),
    tx(
        "2181",
        "冲正交易",
        "remote_reversal",
        _C,
        "POST business/remote/reversal",
        safety=_M,
        permission="payment:create",
        perf="pharmacy_settle",
        sdk_method="reverse_remote_transaction",
        confirm_by="2165",
        # the refund/cancellation row it reverses (named by the msgid that made it) is no longer valid
        confirm_evidence=(("medins_setl_id", "data.omsgid"), ("vali_flag", "=0")),
        notes="Upper end of the spec's range 2161-2181; the code is chosen.",
    ),
    # --- 2201-2208: outpatient ---
    tx(
        "2201",
        "门诊挂号",
        "outpatient_register",
        _C,
        "POST business/outpatient/register",
        safety=_W,
        spec_flow="",  # spec §11 flow, from a dict only
        result_type="RegisterResult",
        permission="settlement:create",
        perf="outpatient_settle",
        sdk_method="outpatient_register",
        confirm_by="5201",
    ),
    tx(
        "2202",
        "门诊挂号撤销",
        "outpatient_register_cancel",
        _C,
        "POST business/outpatient/register-cancel",
        safety=_W,
        spec_flow="visit_id",  # spec §11 flow; a lone string is the visit_id
        undoes="2201",
        cancels=True,  # it removes a record: a query confirms it by absence
        permission="settlement:cancel",
        perf="outpatient_settle",
        sdk_method="outpatient_register_cancel",
        confirm_by="5201",
    ),
    tx(
        "2203",
        "门诊就诊信息上传",
        "outpatient_visit_upload",
        _C,
        "POST business/outpatient/visit-upload",
        safety=_W,
        spec_flow="visit_id",  # spec §11 flow; a lone string is the visit_id
        permission="settlement:create",
        perf="outpatient_settle",
        sdk_method="outpatient_visit_upload",
        input_nodes=("mdtrtinfo", "diseinfo"),
        confirm_by="5201",
        confirm_evidence=_VISIT_INFO_EVIDENCE,
    ),
    tx(
        "2203A",
        "药店门诊就诊信息上传",
        "pharmacy_visit_upload",
        _C,
        "POST business/outpatient/pharmacy-visit-upload",
        safety=_W,
        permission="payment:create",
        perf="pharmacy_settle",
        sdk_method="pharmacy_visit_upload",
        input_nodes=("mdtrtinfo", "diseinfo"),
        confirm_by="5201",
        confirm_evidence=_VISIT_INFO_EVIDENCE,
        notes="2203A is a real suffixed variant of 2203 in several provinces; its use here is chosen.",
    ),
    tx(
        "2204",
        "门诊费用明细上传",
        "outpatient_expense_upload",
        _C,
        "POST business/outpatient/expense-upload",
        safety=_W,
        spec_flow="visit_id",  # spec §11 flow; a lone string is the visit_id
        fee_total="adds",  # its lines add to the visit's fee total
        result_type="FeeUploadResult",
        permission="settlement:create",
        perf="outpatient_settle",
        sdk_method="outpatient_expense_upload",
        input_nodes=("feedetail",),
        confirm_by="5204",
    ),
    tx(
        "2205",
        "门诊费用明细撤销",
        "outpatient_expense_cancel",
        _C,
        "POST business/outpatient/expense-cancel",
        safety=_W,
        spec_flow="visit_id",  # spec §11 flow; a lone string is the visit_id
        undoes="2204",
        cancels=True,  # it removes a record: a query confirms it by absence
        permission="settlement:cancel",
        perf="outpatient_settle",
        sdk_method="outpatient_expense_cancel",
        confirm_by="5204",
    ),
    tx(
        "2206",
        "门诊预结算",
        "outpatient_pre_settle",
        _C,
        "POST business/outpatient/pre-settle",
        safety=_M,
        spec_flow="visit_id",  # spec §11 flow; a lone string is the visit_id
        fee_total="states",  # its setlinfo states the visit's fee total
        result_type="SettlementResult",
        permission="settlement:create",
        perf="outpatient_settle",
        sdk_method="outpatient_pre_settle",
        effect_free=True,
    ),
    tx(
        "2207",
        "门诊结算",
        "outpatient_settle",
        _C,
        "POST business/outpatient/settle",
        safety=_M,
        spec_flow="visit_id",  # spec §11 flow; a lone string is the visit_id
        fee_total="states",  # its setlinfo states the visit's fee total
        result_type="SettlementResult",
        clearing_class="11",  # 门诊
        permission="settlement:create",
        perf="outpatient_settle",
        sdk_method="outpatient_settle",
        reversible=True,
        confirm_by="5203",
    ),
    tx(
        "2208",
        "门诊结算撤销",
        "outpatient_settle_cancel",
        _C,
        "POST business/outpatient/settle-cancel",
        safety=_M,
        spec_flow="settlement_id",  # spec §11 flow; a lone string is the settlement_id
        result_type="SettlementResult",
        undoes="2207",
        cancels=True,  # it removes a record: a query confirms it by absence
        permission="settlement:cancel",
        perf="outpatient_settle",
        sdk_method="outpatient_settle_cancel",
        reversible=True,
        confirm_by="5203",
    ),
    # --- 2301-2305: inpatient settlement ---
    tx(
        "2301",
        "住院费用明细上传",
        "inpatient_expense_upload",
        _C,
        "POST business/inpatient/expense-upload",
        safety=_W,
        spec_flow="admission_id",  # spec §11 flow; a lone string is the admission_id
        fee_total="adds",  # its lines add to the visit's fee total
        result_type="FeeUploadResult",
        permission="settlement:create",
        perf="inpatient_settle",
        sdk_method="inpatient_expense_upload",
        input_nodes=("feedetail",),
        confirm_by="5204",
    ),
    tx(
        "2302",
        "住院费用明细撤销",
        "inpatient_expense_cancel",
        _C,
        "POST business/inpatient/expense-cancel",
        safety=_W,
        undoes="2301",
        cancels=True,  # it removes a record: a query confirms it by absence
        permission="settlement:cancel",
        perf="inpatient_settle",
        sdk_method="inpatient_expense_cancel",
        confirm_by="5204",
    ),
    tx(
        "2303",
        "住院预结算",
        "inpatient_pre_settle",
        _C,
        "POST business/inpatient/pre-settle",
        safety=_M,
        spec_flow="admission_id",  # spec §11 flow; a lone string is the admission_id
        fee_total="states",  # its setlinfo states the visit's fee total
        result_type="SettlementResult",
        permission="settlement:create",
        perf="inpatient_settle",
        sdk_method="inpatient_pre_settle",
        effect_free=True,
    ),
    tx(
        "2304",
        "住院结算",
        "inpatient_settle",
        _C,
        "POST business/inpatient/settle",
        safety=_M,
        spec_flow="admission_id",  # spec §11 flow; a lone string is the admission_id
        fee_total="states",  # its setlinfo states the visit's fee total
        result_type="SettlementResult",
        clearing_class="21",  # 住院
        permission="settlement:create",
        perf="inpatient_settle",
        sdk_method="inpatient_settle",
        reversible=True,
        confirm_by="5203",
    ),
    tx(
        "2305",
        "住院结算撤销",
        "inpatient_settle_cancel",
        _C,
        "POST business/inpatient/settle-cancel",
        safety=_M,
        spec_flow="settlement_id",  # spec §11 flow; a lone string is the settlement_id
        result_type="SettlementResult",
        undoes="2304",
        cancels=True,  # it removes a record: a query confirms it by absence
        permission="settlement:cancel",
        perf="inpatient_settle",
        sdk_method="inpatient_settle_cancel",
        reversible=True,
        confirm_by="5203",
    ),
    # --- 2401-2405: admission and discharge ---
    tx(
        "2401",
        "入院办理",
        "inpatient_admission",
        _C,
        "POST business/inpatient/admission",
        safety=_W,
        spec_flow="",  # spec §11 flow, from a dict only
        result_type="AdmissionResult",
        permission="settlement:create",
        perf="inpatient_settle",
        sdk_method="inpatient_admission",
        reversible=True,
        input_nodes=("mdtrtinfo", "diseinfo"),
        confirm_by="5303",
    ),
    tx(
        "2402",
        "出院办理",
        "inpatient_discharge",
        _C,
        "POST business/inpatient/discharge",
        safety=_W,
        spec_flow="admission_id",  # spec §11 flow; a lone string is the admission_id
        permission="settlement:create",
        perf="inpatient_settle",
        sdk_method="inpatient_discharge",
        input_nodes=("dscginfo", "diseinfo"),
        confirm_by="5202",
        confirm_evidence=_DISCHARGE_EVIDENCE,
    ),
    tx(
        "2403",
        "入院信息变更",
        "inpatient_admission_update",
        _C,
        "POST business/inpatient/admission-update",
        safety=_W,
        permission="settlement:create",
        perf="inpatient_settle",
        sdk_method="inpatient_admission_update",
        input_nodes=("adminfo", "diseinfo"),
        confirm_by="5303",
    ),
    tx(
        "2404",
        "入院撤销",
        "inpatient_admission_cancel",
        _C,
        "POST business/inpatient/admission-cancel",
        safety=_W,
        spec_flow="admission_id",  # spec §11 flow; a lone string is the admission_id
        undoes="2401",
        cancels=True,  # it removes a record: a query confirms it by absence
        permission="settlement:cancel",
        perf="inpatient_settle",
        sdk_method="inpatient_admission_cancel",
        confirm_by="5303",
    ),
    tx(
        "2405",
        "出院撤销",
        "inpatient_discharge_cancel",
        _C,
        "POST business/inpatient/discharge-cancel",
        safety=_W,
        undoes="2402",
        cancels=True,  # it removes a record: a query confirms it by absence
        permission="settlement:cancel",
        perf="inpatient_settle",
        sdk_method="inpatient_discharge_cancel",
        confirm_by="5303",
    ),
    # --- 2501-2507: person records (备案) ---
    tx(
        "2501",
        "转院备案",
        "transfer_record",
        _C,
        "POST business/record/transfer",
        safety=_W,
        result_type="RecordResult",
        permission="settlement:create",
        perf="benefit_check",
        input_nodes=("refmedin",),
        sdk_method="record_transfer",
        confirm_by="5304",
        notes=(
            "Unidentified: a filing is named by its trt_dcla_detl_sn, which the public answer of 5304 "
            "does not show; a lost answer stays UNKNOWN. Operator: list the person's filings with 5304 "
            "and compare them with the HIS before filing (or cancelling) again."
        ),
    ),
    tx(
        "2502",
        "转院备案撤销",
        "transfer_record_cancel",
        _C,
        "POST business/record/transfer-cancel",
        safety=_W,
        undoes="2501",
        cancels=True,  # it removes a record: a query confirms it by absence
        permission="settlement:cancel",
        perf="benefit_check",
        sdk_method="cancel_transfer_record",
        confirm_by="5304",
        notes=(
            "Unidentified: a filing is named by its trt_dcla_detl_sn, which the public answer of 5304 "
            "does not show; a lost answer stays UNKNOWN. Operator: list the person's filings with 5304 "
            "and compare them with the HIS before filing (or cancelling) again."
        ),
    ),
    tx(
        "2503",
        "人员慢特病备案",
        "chronic_disease_record",
        _C,
        "POST business/record/chronic-disease",
        safety=_W,
        result_type="RecordResult",
        permission="settlement:create",
        perf="benefit_check",
        sdk_method="record_chronic_disease",
        confirm_by="5301",
        notes=(
            "Unidentified: a filing is named by its trt_dcla_detl_sn, which the public answer of 5301 "
            "does not show; a lost answer stays UNKNOWN. Operator: list the person's filings with 5301 "
            "and compare them with the HIS before filing (or cancelling) again."
        ),
    ),
    tx(
        "2504",
        "人员慢特病备案撤销",
        "chronic_disease_record_cancel",
        _C,
        "POST business/record/chronic-disease-cancel",
        safety=_W,
        undoes="2503",
        cancels=True,  # it removes a record: a query confirms it by absence
        permission="settlement:cancel",
        perf="benefit_check",
        sdk_method="cancel_chronic_disease_record",
        confirm_by="5301",
        notes=(
            "Unidentified: a filing is named by its trt_dcla_detl_sn, which the public answer of 5301 "
            "does not show; a lost answer stays UNKNOWN. Operator: list the person's filings with 5301 "
            "and compare them with the HIS before filing (or cancelling) again."
        ),
    ),
    tx(
        "2505",
        "人员定点备案",
        "designated_hospital_record",
        _C,
        "POST business/record/designated-hospital",
        safety=_W,
        result_type="RecordResult",
        permission="settlement:create",
        perf="benefit_check",
        sdk_method="record_designated_hospital",
        confirm_by="5302",
        notes=(
            "Unidentified: a filing is named by its trt_dcla_detl_sn, which the public answer of 5302 "
            "does not show; a lost answer stays UNKNOWN. Operator: list the person's filings with 5302 "
            "and compare them with the HIS before filing (or cancelling) again."
        ),
    ),
    tx(
        "2506",
        "人员定点备案撤销",
        "designated_hospital_record_cancel",
        _C,
        "POST business/record/designated-hospital-cancel",
        safety=_W,
        undoes="2505",
        cancels=True,  # it removes a record: a query confirms it by absence
        permission="settlement:cancel",
        perf="benefit_check",
        sdk_method="cancel_designated_hospital_record",
        confirm_by="5302",
        notes=(
            "Unidentified: a filing is named by its trt_dcla_detl_sn, which the public answer of 5302 "
            "does not show; a lost answer stays UNKNOWN. Operator: list the person's filings with 5302 "
            "and compare them with the HIS before filing (or cancelling) again."
        ),
    ),
    tx(
        "2507",
        "人员意外伤害备案",
        "accident_injury_record",
        _C,
        "POST business/record/accident-injury",
        safety=_W,
        result_type="RecordResult",
        permission="settlement:create",
        perf="benefit_check",
        sdk_method="record_accident_injury",
    ),
    # --- 2601: compensation ---
    tx(
        "2601",
        "冲正交易",
        "transaction_reversal",
        _C,
        "POST business/transaction/reversal",
        safety=_M,
        permission="settlement:cancel",
        perf="inpatient_settle",
        sdk_method="reverse_transaction",
        notes=(
            "Reverses 2102/2103/2207/2208/2304/2305/2401 by omsgid/oinfno (2103 [U]); confirm via the "
            "original's query."
        ),
    ),
)
