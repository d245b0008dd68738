"""线上支付服务 (spec §2.6): 8 transactions, in the spec's order (data only)."""

from __future__ import annotations

from medical_insurance_sdk.registry.transaction import Category, Channel, Safety, Transaction, tx

_C = Category.PAYMENT
_SM = Channel.SM
# 6301's ordStas as the sandbox answers it (reference §3: 0-2 processing, 3-6 settled, 7-13 cancelled [L]):
# 0 uploaded, 4 paid, 7 revoked, 9 refunded.  A call is proved by its order's state in 6301's answer.
ORD_PAID = "4"
ORD_REVOKED = "7"
ORD_REFUNDED = "9"

TRANSACTIONS: tuple[Transaction, ...] = (
    tx(
        "6101",
        "电子凭证解析接口",
        "electronic_voucher_parse",
        _C,
        "POST payment/electronic-voucher-parse",
        safety=Safety.QUERY,
        permission="person_info:read",
        perf="person_info",
        sdk_method="parse_electronic_voucher",
        notes="Identity lookup from the 医保电子凭证 QR code; sent in the common envelope.",
    ),
    tx(
        "6201",
        "费用明细上传",
        "online_expense_upload",
        _C,
        "POST payment/expense-upload",
        safety=Safety.WRITE,
        sm_route="uldFeeInfo",
        result_type="PaymentResult",
        permission="payment:create",
        perf="payment_order",
        sdk_method="upload_online_expense",
        channel=_SM,
        confirm_by="6301",
        confirm_evidence=(("medOrgOrd", "data.medOrgOrd"),),
        notes="Mobile-pay uldFeeInfo; Hunan sends it in the infno envelope instead.",
    ),
    tx(
        "6202",
        "支付下单",
        "payment_order_create",
        _C,
        "POST payment/create-order",
        safety=Safety.MONEY,
        sm_route="pay_order",
        result_type="PaymentResult",
        permission="payment:create",
        perf="payment_order",
        sdk_method="create_payment_order",
        channel=_SM,
        confirm_by="6301",
        confirm_evidence=(("payOrdId", "data.payOrdId"), ("ordStas", "=" + ORD_PAID)),
    ),
    tx(
        "6203",
        "医保退费",
        "payment_refund",
        _C,
        "POST payment/refund",
        safety=Safety.MONEY,
        sm_route="refund_Order",
        result_type="PaymentResult",
        permission="payment:create",
        perf="payment_order",
        sdk_method="refund_payment",
        channel=_SM,
        confirm_by="6301",
        confirm_evidence=(("payOrdId", "data.payOrdId"), ("ordStas", "=" + ORD_REFUNDED)),
    ),
    tx(
        "6204",
        "医保订单信息同步",
        "payment_order_sync",
        _C,
        "POST payment/order-sync",
        safety=Safety.WRITE,
        permission="payment:create",
        perf="payment_order",
        sdk_method="sync_payment_order",
        channel=_SM,
        confirm_by="6301",
        notes=(
            "Code chosen by the spec's order inside 6201-6204. Unidentified on purpose: no public client "
            "shows its message, and 6301 answers the order's state, not whether a sync arrived (the "
            "order is there before and after), so a lost answer stays UNKNOWN. Operator: check the "
            "order with 6301 and the HIS, then sync it again by hand (a sync states what the HIS "
            "holds, it moves no money)."
        ),
    ),
    tx(
        "6301",
        "医保订单结算结果查询",
        "payment_settlement_result_query",
        _C,
        "GET payment/settlement-result-query",
        safety=Safety.QUERY,
        sm_route="query_order_info",
        result_type="PaymentResult",
        permission="payment:query",
        perf="payment_order",
        sdk_method="query_payment_settlement_result",
        channel=_SM,
    ),
    tx(
        "6302",
        "医保结算结果通知",
        "payment_settlement_result_notify",
        _C,
        "POST payment/settlement-result-notify",
        safety=Safety.WRITE,
        permission="payment:create",
        perf="payment_order",
        sdk_method="notify_payment_settlement_result",
        channel=_SM,
        notes="Code chosen by the spec's order; the bureau normally pushes this notice.",
    ),
    tx(
        "6401",
        "订单撤销接口",
        "online_expense_upload_cancel",
        _C,
        "POST payment/expense-upload-cancel",
        safety=Safety.WRITE,
        sm_route="revoke_order",
        result_type="PaymentResult",
        cancels=True,  # it removes a record: a query confirms it by absence
        permission="payment:create",
        perf="payment_order",
        sdk_method="cancel_online_expense_upload",
        channel=_SM,
        confirm_by="6301",
        # the order it revokes: 6301 is asked by payOrdId and answers it with ordStas 7 once revoked
        identity_keys=("payOrdId",),
        removed_mark=("ordStas", ORD_REVOKED),
        notes="Bureau name: 费用明细上传撤销 (mobile-pay revoke_order).",
    ),
)
