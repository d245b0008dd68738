"""电子票据 (spec §2.10): 4 transactions, in the spec's order (data only).

The spec heading lists 【5501,4901-4902,4905】 in the same order as its four paths.
"""

from __future__ import annotations

from medical_insurance_sdk.registry.transaction import Category, Safety, Transaction, tx

_C = Category.TICKET

TRANSACTIONS: tuple[Transaction, ...] = (
    tx(
        "5501",
        "查询电子结算凭证状态",
        "settlement_voucher_status_query",
        _C,
        "GET ticket/electronic-voucher-status",
        safety=Safety.QUERY,
        answers_from=("4901", "4905"),
        permission="ticket:manage",
        perf="ticket_upload",
        sdk_method="query_settlement_voucher_status",
    ),
    tx(
        "4901",
        "医疗机构上传电子结算凭证",
        "settlement_voucher_upload",
        _C,
        "POST ticket/electronic-voucher-upload",
        safety=Safety.WRITE,
        result_type="UploadResult",
        permission="ticket:manage",
        perf="ticket_upload",
        sdk_method="upload_settlement_voucher",
        confirm_by="4902",
    ),
    tx(
        "4902",
        "医疗机构电子结算凭证上传结果查询",
        "settlement_voucher_upload_result_query",
        _C,
        "GET ticket/electronic-voucher-upload-result",
        safety=Safety.QUERY,
        answers_from=("4901", "4905"),
        permission="ticket:manage",
        perf="ticket_upload",
        sdk_method="query_settlement_voucher_upload_result",
    ),
    tx(
        "4905",
        "医疗机构重新上传电子结算凭证",
        "settlement_voucher_reupload",
        _C,
        "POST ticket/electronic-voucher-reupload",
        safety=Safety.WRITE,
        result_type="UploadResult",
        permission="ticket:manage",
        perf="ticket_upload",
        sdk_method="reupload_settlement_voucher",
        confirm_by="4902",
    ),
)
