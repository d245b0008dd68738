"""医药机构管理 (spec §2.3): 47 transactions, in the spec's order (data only)."""

from __future__ import annotations

from medical_insurance_sdk.registry.transaction import Category, Safety, Transaction, tx

_C = Category.INSTITUTION
_Q = Safety.QUERY
_W = Safety.WRITE

_BATCH = "Batch (A) variant; seen in a public pharmacy client [1]."
_ORDER = "Code chosen by the spec's order inside its range."

TRANSACTIONS: tuple[Transaction, ...] = (
    # --- 3101-3103: detail audit ---
    tx(
        "3101",
        "明细审核分析服务",
        "detail_audit_analysis",
        _C,
        "POST institution/audit/detail-analysis",
        safety=_Q,
        permission="info:query",
        perf="info_query",
        sdk_method="analyze_detail_audit",
        notes="事前分析: returns warnings, changes nothing.",
    ),
    tx(
        "3102",
        "明细审核事中分析服务",
        "realtime_audit_analysis",
        _C,
        "POST institution/audit/real-time-analysis",
        safety=_Q,
        permission="info:query",
        perf="info_query",
        sdk_method="analyze_realtime_audit",
    ),
    tx(
        "3103",
        "事前事中服务反馈服务",
        "audit_feedback",
        _C,
        "POST institution/audit/feedback",
        safety=_Q,
        permission="info:query",
        perf="info_query",
        sdk_method="submit_audit_feedback",
        notes="Reports how the doctor handled 3101/3102 warnings; a repeat is harmless (query class).",
    ),
    # --- 3201-3202: reconciliation ---
    tx(
        "3201",
        "医药机构费用结算对总账",
        "general_ledger_reconciliation",
        _C,
        "POST institution/settlement/general-ledger",
        safety=_Q,
        permission="info:query",
        perf="info_query",
        sdk_method="reconcile_general_ledger",
    ),
    tx(
        "3202",
        "医药机构费用结算对明细账",
        "detail_ledger_reconciliation",
        _C,
        "POST institution/settlement/detail-ledger",
        safety=_Q,
        permission="info:query",
        perf="info_query",
        sdk_method="reconcile_detail_ledger",
        file_output=True,
        notes="Upload the detail file with 9101 first; fetch the result file with 9102.",
    ),
    # --- 3301-3302: catalogue mapping ---
    tx(
        "3301",
        "目录对照上传",
        "catalog_mapping_upload",
        _C,
        "POST institution/catalog/mapping-upload",
        safety=_W,
        permission="inventory:manage",
        perf="inventory_upload",
        sdk_method="upload_catalog_mapping",
        confirm_by="1317",
        notes=(
            "Unidentified for now: 1317's public table names a mapping by medins_list_codg (the 3301 "
            "fixmedins_hilist_id) and med_list_codg, but the sandbox's 1317 answers 3301's rows under "
            "their upload names, so nothing is matched yet; a lost answer stays UNKNOWN. Operator: look "
            "the mapping up with 1317 before sending again."
        ),
    ),
    tx(
        "3302",
        "目录对照撤销",
        "catalog_mapping_cancel",
        _C,
        "POST institution/catalog/mapping-cancel",
        safety=_W,
        own_institution_fields=("fixmedins_code",),
        cancels=True,  # it removes a record: a query confirms it by absence
        undoes="3301",
        permission="inventory:manage",
        perf="inventory_upload",
        sdk_method="cancel_catalog_mapping",
        confirm_by="1317",
        notes=(
            "Unidentified for now: 1317's public table names a mapping by medins_list_codg (the 3301 "
            "fixmedins_hilist_id) and med_list_codg, but the sandbox's 1317 answers 3301's rows under "
            "their upload names, so nothing is matched yet; a lost answer stays UNKNOWN. Operator: look "
            "the mapping up with 1317 before sending again."
        ),
    ),
    # --- 3401-3403: departments ---
    tx(
        "3401",
        "科室信息上传",
        "department_upload",
        _C,
        "POST institution/department/upload",
        safety=_W,
        permission="medical_record:upload",
        perf="inventory_upload",
        input_nodes=("deptinfo",),
        sdk_method="upload_department",
        confirm_by="5101",
        identity_keys=("hosp_dept_codg",),  # the department's code, a key of every 5101 row
    ),
    tx(
        "3401A",
        "批量科室信息上传",
        "department_batch_upload",
        _C,
        "POST institution/department/batch-upload",
        safety=_W,
        permission="medical_record:upload",
        perf="inventory_upload",
        sdk_method="batch_upload_departments",
        input_nodes=("deptinfo",),
        confirm_by="5101",
        identity_keys=("hosp_dept_codg",),  # one message: its first department shows whether it took effect
        notes="3401A 批量科室信息上传 (hsa-his FunctionEnum).",
    ),
    tx(
        "3402",
        "科室信息变更",
        "department_update",
        _C,
        "POST institution/department/update",
        safety=_W,
        permission="medical_record:upload",
        perf="inventory_upload",
        input_nodes=("deptinfo",),
        sdk_method="update_department",
        confirm_by="5101",
        notes=(
            "Unidentified on purpose: 5101 lists the department before and after a change, and the "
            "fields that may be all a change touches (dept_resper_name/tel) are personal, which the "
            "ledger never keeps to compare; a lost answer stays UNKNOWN. Operator: compare the "
            "department in 5101 with the change and send it again if it differs (a change states "
            "the whole record)."
        ),
    ),
    tx(
        "3403",
        "科室信息撤销",
        "department_cancel",
        _C,
        "POST institution/department/cancel",
        safety=_W,
        cancels=True,  # it removes a record: a query confirms it by absence
        permission="medical_record:upload",
        perf="inventory_upload",
        sdk_method="cancel_department",
        confirm_by="5101",
        identity_keys=("hosp_dept_codg",),  # gone from 5101 once cancelled
    ),
    # --- 3501-3507 (+A batch variants): inventory operations ---
    tx(
        "3501",
        "商品盘存上传",
        "stock_count_upload",
        _C,
        "POST institution/inventory/stock-count",
        safety=_W,
        permission="inventory:manage",
        perf="inventory_upload",
        sdk_method="upload_stock_count",
        input_nodes=("invinfo",),
        confirm_by="3508",
        notes=(
            "Unidentified for now: the record is named by fixmedins_bchno, which 3508 answers "
            "(fixmedinsBchno), but 3508 must be asked with the institution's own fixmedins_code, which "
            "the message does not carry and compensation cannot fill yet; a lost answer stays UNKNOWN. "
            "Operator: look the batch serial up with 3508 before sending again."
        ),
    ),
    tx(
        "3501A",
        "商品盘存上传（批量）",
        "stock_count_batch_upload",
        _C,
        "POST institution/inventory/stock-count-batch",
        safety=_W,
        permission="inventory:manage",
        perf="inventory_upload",
        sdk_method="batch_upload_stock_count",
        input_nodes=("invinfoDetail",),
        confirm_by="3508",
        notes=(
            _BATCH + " "
            "Unidentified for now: the record is named by fixmedins_bchno, which 3508 answers "
            "(fixmedinsBchno), but 3508 must be asked with the institution's own fixmedins_code, which "
            "the message does not carry and compensation cannot fill yet; a lost answer stays UNKNOWN. "
            "Operator: look the batch serial up with 3508 before sending again."
        ),
    ),
    tx(
        "3502",
        "商品库存变更",
        "stock_change_upload",
        _C,
        "POST institution/inventory/stock-change",
        safety=_W,
        permission="inventory:manage",
        perf="inventory_upload",
        sdk_method="upload_stock_change",
        input_nodes=("invinfo",),
        confirm_by="3509",
        notes=(
            "Unidentified for now: the record is named by fixmedins_bchno, which 3509 answers "
            "(fixmedinsBchno), but 3509 must be asked with the institution's own fixmedins_code, which "
            "the message does not carry and compensation cannot fill yet; a lost answer stays UNKNOWN. "
            "Operator: look the batch serial up with 3509 before sending again."
        ),
    ),
    tx(
        "3502A",
        "商品库存变更（批量）",
        "stock_change_batch_upload",
        _C,
        "POST institution/inventory/stock-change-batch",
        safety=_W,
        permission="inventory:manage",
        perf="inventory_upload",
        sdk_method="batch_upload_stock_change",
        input_nodes=("invinfoDetail",),
        confirm_by="3509",
        notes=(
            _BATCH + " "
            "Unidentified for now: the record is named by fixmedins_bchno, which 3509 answers "
            "(fixmedinsBchno), but 3509 must be asked with the institution's own fixmedins_code, which "
            "the message does not carry and compensation cannot fill yet; a lost answer stays UNKNOWN. "
            "Operator: look the batch serial up with 3509 before sending again."
        ),
    ),
    tx(
        "3503",
        "商品采购",
        "purchase_upload",
        _C,
        "POST institution/inventory/purchase",
        safety=_W,
        permission="inventory:manage",
        perf="inventory_upload",
        sdk_method="upload_purchase",
        input_nodes=("purcinfo",),
        confirm_by="3510",
        notes=(
            "Unidentified for now: the record is named by fixmedins_bchno, which 3510 answers "
            "(fixmedinsBchno), but 3510 must be asked with the institution's own fixmedins_code, which "
            "the message does not carry and compensation cannot fill yet; a lost answer stays UNKNOWN. "
            "Operator: look the batch serial up with 3510 before sending again."
        ),
    ),
    tx(
        "3503A",
        "商品采购（批量）",
        "purchase_batch_upload",
        _C,
        "POST institution/inventory/purchase-batch",
        safety=_W,
        permission="inventory:manage",
        perf="inventory_upload",
        sdk_method="batch_upload_purchase",
        input_nodes=("purcinfoDetail",),
        confirm_by="3510",
        notes=(
            _BATCH + " "
            "Unidentified for now: the record is named by fixmedins_bchno, which 3510 answers "
            "(fixmedinsBchno), but 3510 must be asked with the institution's own fixmedins_code, which "
            "the message does not carry and compensation cannot fill yet; a lost answer stays UNKNOWN. "
            "Operator: look the batch serial up with 3510 before sending again."
        ),
    ),
    tx(
        "3504",
        "商品采购退货",
        "purchase_return_upload",
        _C,
        "POST institution/inventory/purchase-return",
        safety=_W,
        permission="inventory:manage",
        perf="inventory_upload",
        sdk_method="upload_purchase_return",
        input_nodes=("purcinfo",),
        confirm_by="3510",
        notes=(
            "Unidentified for now: the record is named by fixmedins_bchno, which 3510 answers "
            "(fixmedinsBchno), but 3510 must be asked with the institution's own fixmedins_code, which "
            "the message does not carry and compensation cannot fill yet; a lost answer stays UNKNOWN. "
            "Operator: look the batch serial up with 3510 before sending again."
        ),
    ),
    tx(
        "3504A",
        "商品采购退货（批量）",
        "purchase_return_batch_upload",
        _C,
        "POST institution/inventory/purchase-return-batch",
        safety=_W,
        permission="inventory:manage",
        perf="inventory_upload",
        sdk_method="batch_upload_purchase_return",
        input_nodes=("purcinfoDetail",),
        confirm_by="3510",
        notes=(
            _BATCH + " "
            "Unidentified for now: the record is named by fixmedins_bchno, which 3510 answers "
            "(fixmedinsBchno), but 3510 must be asked with the institution's own fixmedins_code, which "
            "the message does not carry and compensation cannot fill yet; a lost answer stays UNKNOWN. "
            "Operator: look the batch serial up with 3510 before sending again."
        ),
    ),
    tx(
        "3505",
        "商品销售",
        "sale_upload",
        _C,
        "POST institution/inventory/sale",
        safety=_W,
        permission="inventory:manage",
        perf="inventory_upload",
        sdk_method="upload_sale",
        input_nodes=("selinfo",),
        confirm_by="3511",
        notes=(
            "Unidentified for now: the record is named by fixmedins_bchno, which 3511 answers "
            "(fixmedinsBchno), but 3511 must be asked with the institution's own fixmedins_code, which "
            "the message does not carry and compensation cannot fill yet; a lost answer stays UNKNOWN. "
            "Operator: look the batch serial up with 3511 before sending again."
        ),
    ),
    tx(
        "3505A",
        "商品销售（批量）",
        "sale_batch_upload",
        _C,
        "POST institution/inventory/sale-batch",
        safety=_W,
        permission="inventory:manage",
        perf="inventory_upload",
        sdk_method="batch_upload_sale",
        input_nodes=("selinfoDetail",),
        confirm_by="3511",
        notes=(
            _BATCH + " "
            "Unidentified for now: the record is named by fixmedins_bchno, which 3511 answers "
            "(fixmedinsBchno), but 3511 must be asked with the institution's own fixmedins_code, which "
            "the message does not carry and compensation cannot fill yet; a lost answer stays UNKNOWN. "
            "Operator: look the batch serial up with 3511 before sending again."
        ),
    ),
    tx(
        "3506",
        "商品销售退货",
        "sale_return_upload",
        _C,
        "POST institution/inventory/sale-return",
        safety=_W,
        permission="inventory:manage",
        perf="inventory_upload",
        sdk_method="upload_sale_return",
        input_nodes=("selinfo",),
        confirm_by="3511",
        notes=(
            "Unidentified for now: the record is named by fixmedins_bchno, which 3511 answers "
            "(fixmedinsBchno), but 3511 must be asked with the institution's own fixmedins_code, which "
            "the message does not carry and compensation cannot fill yet; a lost answer stays UNKNOWN. "
            "Operator: look the batch serial up with 3511 before sending again."
        ),
    ),
    tx(
        "3506A",
        "商品销售退货（批量）",
        "sale_return_batch_upload",
        _C,
        "POST institution/inventory/sale-return-batch",
        safety=_W,
        permission="inventory:manage",
        perf="inventory_upload",
        sdk_method="batch_upload_sale_return",
        input_nodes=("selinfoDetail",),
        confirm_by="3511",
        notes=(
            _BATCH + " "
            "Unidentified for now: the record is named by fixmedins_bchno, which 3511 answers "
            "(fixmedinsBchno), but 3511 must be asked with the institution's own fixmedins_code, which "
            "the message does not carry and compensation cannot fill yet; a lost answer stays UNKNOWN. "
            "Operator: look the batch serial up with 3511 before sending again."
        ),
    ),
    tx(
        "3507",
        "商品信息删除",
        "product_delete",
        _C,
        "DELETE institution/inventory/product",
        safety=_W,
        cancels=True,  # it removes a record: a query confirms it by absence
        permission="inventory:manage",
        perf="inventory_upload",
        sdk_method="delete_product",
        confirm_by="3508",
        notes=(
            "Unidentified for now: the record is named by fixmedins_bchno, which 3508 answers "
            "(fixmedinsBchno), but 3508 must be asked with the institution's own fixmedins_code, which "
            "the message does not carry and compensation cannot fill yet; a lost answer stays UNKNOWN. "
            "Operator: look the batch serial up with 3508 before sending again."
        ),
    ),
    tx(
        "3507A",
        "商品信息删除（批量）",
        "product_batch_delete",
        _C,
        "DELETE institution/inventory/product-batch",
        safety=_W,
        cancels=True,  # it removes a record: a query confirms it by absence
        permission="inventory:manage",
        perf="inventory_upload",
        sdk_method="batch_delete_products",
        input_nodes=("goodDetail",),
        confirm_by="3508",
        notes=(
            "3507A and its goodDetail node appear in one client only, which still sends infno 3507 [U]."
            " "
            "Unidentified for now: the record is named by fixmedins_bchno, which 3508 answers "
            "(fixmedinsBchno), but 3508 must be asked with the institution's own fixmedins_code, which "
            "the message does not carry and compensation cannot fill yet; a lost answer stays UNKNOWN. "
            "Operator: look the batch serial up with 3508 before sending again."
        ),
    ),
    # --- 3508-3513: inventory queries ---
    tx(
        "3508",
        "商品库存信息查询",
        "stock_info_query",
        _C,
        "GET institution/inventory/stock-info",
        safety=_Q,
        answers_from=("3501",),
        permission="inventory:manage",
        perf="info_query",
        sdk_method="query_stock_info",
    ),
    tx(
        "3509",
        "商品库存变更记录查询",
        "stock_change_records_query",
        _C,
        "GET institution/inventory/stock-change-records",
        safety=_Q,
        answers_from=("3502",),
        permission="inventory:manage",
        perf="info_query",
        sdk_method="query_stock_change_records",
    ),
    tx(
        "3510",
        "商品采购信息查询",
        "purchase_info_query",
        _C,
        "GET institution/inventory/purchase-info",
        safety=_Q,
        answers_from=("3503", "3504"),
        permission="inventory:manage",
        perf="info_query",
        sdk_method="query_purchase_info",
    ),
    tx(
        "3511",
        "商品销售信息查询",
        "sale_info_query",
        _C,
        "GET institution/inventory/sale-info",
        safety=_Q,
        answers_from=("3505", "3506"),
        permission="inventory:manage",
        perf="info_query",
        sdk_method="query_sale_info",
    ),
    tx(
        "3512",
        "入库药品追溯信息查询",
        "inbound_trace_query",
        _C,
        "GET institution/inventory/inbound-trace",
        safety=_Q,
        answers_from=("3503",),
        permission="inventory:manage",
        perf="info_query",
        sdk_method="query_inbound_trace",
    ),
    tx(
        "3513",
        "销售药品追溯信息查询",
        "sale_trace_query",
        _C,
        "GET institution/inventory/sale-trace",
        safety=_Q,
        answers_from=("3505",),
        permission="inventory:manage",
        perf="info_query",
        sdk_method="query_sale_trace",
    ),
    tx(
        "3592B",
        "获取虚拟药品追溯码",
        "virtual_trace_code",
        _C,
        "POST institution/inventory/virtual-trace-code",
        safety=_W,
        permission="inventory:manage",
        perf="inventory_upload",
        sdk_method="request_virtual_trace_code",
        notes="Issues a new code at the bureau, so it is not retried.",
    ),
    # --- 3601-3605, 3610-3611: DRG ---
    tx(
        "3601",
        "DRG申请退出列表查询",
        "drg_exit_application_list",
        _C,
        "GET institution/drg/exit-applications",
        safety=_Q,
        permission="drg:query",
        perf="drg_query",
        sdk_method="query_drg_exit_applications",
        notes=_ORDER,
    ),
    tx(
        "3602",
        "DRG退出申请保存",
        "drg_exit_application_save",
        _C,
        "POST institution/drg/exit-application",
        safety=_W,
        permission="medical_record:upload",
        perf="drg_query",
        sdk_method="save_drg_exit_application",
        confirm_by="3601",
        notes=_ORDER,
    ),
    tx(
        "3603",
        "DRG退出申请修改/撤销",
        "drg_exit_application_change",
        _C,
        ("PUT institution/drg/exit-application", "DELETE institution/drg/exit-application"),
        safety=_W,
        cancels=True,  # it removes a record: a query confirms it by absence
        permission="medical_record:upload",
        perf="drg_query",
        sdk_method="change_drg_exit_application",
        confirm_by="3601",
        notes="PUT modifies, DELETE revokes the application. " + _ORDER,
    ),
    tx(
        "3604",
        "DRG申请审核意见和预结算基金分项查询",
        "drg_audit_opinion",
        _C,
        "GET institution/drg/audit-opinion",
        safety=_Q,
        permission="drg:query",
        perf="drg_query",
        sdk_method="query_drg_audit_opinion",
        notes=_ORDER,
    ),
    tx(
        "3605",
        "DRG分组结果查询",
        "drg_grouping_results",
        _C,
        "GET institution/drg/grouping-results",
        safety=_Q,
        permission="drg:query",
        perf="drg_query",
        sdk_method="query_drg_grouping_results",
        notes=_ORDER,
    ),
    tx(
        "3610",
        "DRG分组结果统计汇总查询",
        "drg_statistics_summary",
        _C,
        "GET institution/drg/statistics-summary",
        safety=_Q,
        permission="drg:query",
        perf="drg_query",
        sdk_method="query_drg_statistics_summary",
        notes=_ORDER,
    ),
    tx(
        "3611",
        "DRG分组结果统计查询",
        "drg_statistics",
        _C,
        "GET institution/drg/statistics",
        safety=_Q,
        permission="drg:query",
        perf="drg_query",
        sdk_method="query_drg_statistics",
        notes=_ORDER,
    ),
    # --- 3606, 3608-3609: DIP ---
    tx(
        "3606",
        "DIP分组结果查询",
        "dip_grouping_results",
        _C,
        "GET institution/dip/grouping-results",
        safety=_Q,
        permission="drg:query",
        perf="drg_query",
        sdk_method="query_dip_grouping_results",
        notes=_ORDER,
    ),
    tx(
        "3608",
        "DIP分组结果统计汇总查询",
        "dip_statistics_summary",
        _C,
        "GET institution/dip/statistics-summary",
        safety=_Q,
        permission="drg:query",
        perf="drg_query",
        sdk_method="query_dip_statistics_summary",
        notes=_ORDER,
    ),
    tx(
        "3609",
        "DIP分组结果统计查询",
        "dip_statistics",
        _C,
        "GET institution/dip/statistics",
        safety=_Q,
        permission="drg:query",
        perf="drg_query",
        sdk_method="query_dip_statistics",
        notes=_ORDER,
    ),
    # --- 3607: settlement-list quality control ---
    tx(
        "3607",
        "结算清单质控结果查询",
        "settlement_check_results",
        _C,
        "GET institution/quality/settlement-check-results",
        safety=_Q,
        permission="drg:query",
        perf="drg_query",
        sdk_method="query_settlement_check_results",
    ),
    # --- 3701-3704: appeals ---
    tx(
        "3701",
        "审核申诉、扣款节点查询",
        "appeal_deduction_nodes",
        _C,
        "GET institution/appeal/audit-deduction-nodes",
        safety=_Q,
        permission="info:query",
        perf="info_query",
        sdk_method="query_appeal_deduction_nodes",
        notes=_ORDER,
    ),
    tx(
        "3702",
        "申诉提交",
        "appeal_submit",
        _C,
        "POST institution/appeal/submit",
        safety=_W,
        permission="medical_record:upload",
        perf="appeal_submit",
        sdk_method="submit_appeal",
        confirm_by="3701",
        notes=_ORDER,
    ),
    tx(
        "3703",
        "申请合议提交",
        "collegial_review_request",
        _C,
        "POST institution/appeal/collegial-request",
        safety=_W,
        permission="medical_record:upload",
        perf="appeal_submit",
        sdk_method="request_collegial_review",
        confirm_by="3701",
        notes=_ORDER,
    ),
    tx(
        "3704",
        "附件上传",
        "appeal_attachment_upload",
        _C,
        "POST institution/appeal/attachment-upload",
        safety=_W,
        permission="medical_record:upload",
        perf="file_upload",
        sdk_method="upload_appeal_attachment",
        notes="Attachments are files: file_upload limits. " + _ORDER,
    ),
)
