"""Field tables of the 医保业务服务 category: 2161-2181 异地就医购药 (data only).

No public field table for this family was found (UNPUBLISHED says what was searched).  The money calls still
must not leave with an empty or inconsistent body (issue 15 §1), so 2162, 2163, 2164 and 2181 carry a
*modelled* `partial` table: the fields any such call must carry, modelled on the national pharmacy tables
2101-2103 (registry/schemas/business.py, national §6.2.2) and on 2601 (omsgid/oinfno).  The queries the
engine confirms them with (2165, 2166) get the keys it fills from a call's business keys.  These tables are
ours, not the bureau's: a province's published table replaces them.
"""

from __future__ import annotations

from medical_insurance_sdk.registry.fields import Schema, node
from medical_insurance_sdk.registry.schemas.business import SCHEMAS as NATIONAL

_MODELLED = (
    "modelled, not published: the fields any 异地购药 {what} must carry, after the national {after} "
    "(registry/schemas/business.py); no public 2161-2181 table found"
)
_SEARCHED = (
    "no public field table: searched the code/pages corpora for 异地就医 药店 购药 试算/退费/取消订单/冲正 "
    "and 月结算申报 / 药店账务 查询, and the anchors' repositories (newtouch-cloud/openhis, "
    "binzhe12123/Medical), which have no 216x/2181 models"
)

# The settlement a refund or cancellation names (as 2103 names it); mdtrt_id optional as some clients omit it.
_SETTLEMENT_REF = """
    setl_id     结算ID      C30    Y
    psn_no      人员编号    C30    Y
    mdtrt_id    就诊ID      C30    N
"""

# An order query: the engine fills psn_no/setl_id and the begntime/endtime window from a call's keys.
_ORDER_QUERY = node(
    "data",
    """
    psn_no      人员编号    C30    Y
    setl_id     结算ID      C30    N
    begntime    开始时间    DT     N
    endtime     结束时间    DT     N
    """,
)

# One row per settlement of the order (the purchase and, once refunded or cancelled, its negative twin).
_ORDER_ROWS = node(
    "orderinfo",
    """
    setl_id         结算ID              C30
    init_setl_id    原结算ID            C30     # the settlement a refund/cancellation row undoes
    mdtrt_id        就诊ID              C30
    psn_no          人员编号            C30
    medins_setl_id  医药机构结算ID      C30     # the msgid of the message that made the row
    vali_flag       有效标志            C3      # 1 valid; 0 cancelled or reversed
    refd_setl_flag  退费结算标志        C3
    setl_time       结算时间            DT
    medfee_sumamt   医疗费总额          N16,2
    fund_pay_sumamt 基金支付总额        N16,2
    acct_pay        个人账户支出        N16,2
    psn_cash_pay    个人现金支出        N16,2
    """,
    many=True,
    label="订单信息",
)

SCHEMAS: dict[str, Schema] = {
    "2162": Schema(
        "partial",
        request=(node("data", _SETTLEMENT_REF + "medfee_sumamt 退费总额 N16,2 Y   # the whole settlement"),),
        response=NATIONAL["2103"].response,
        source=_MODELLED.format(what="refund", after="2103 药店结算撤销"),
        notes="Refunds a whole 2102 settlement; the refund total must equal the settled medfee_sumamt.",
    ),
    "2163": Schema(
        "partial",
        request=NATIONAL["2101"].request,
        response=NATIONAL["2101"].response,
        source=_MODELLED.format(what="trial calculation", after="2101 药店预结算"),
    ),
    "2164": Schema(
        "partial",
        request=(node("data", _SETTLEMENT_REF),),
        response=NATIONAL["2103"].response,
        source=_MODELLED.format(what="order cancellation", after="2103 药店结算撤销"),
        notes="Cancels a settlement of the same day; an earlier one is refunded with 2162.",
    ),
    "2165": Schema(
        "partial",
        request=(_ORDER_QUERY,),
        response=(_ORDER_ROWS,),
        source=_MODELLED.format(what="order query", after="5203 结算信息查询"),
    ),
    "2166": Schema(
        "partial",
        request=(node("data", _SETTLEMENT_REF),),
        response=NATIONAL["2103"].response,
        source=_MODELLED.format(what="settlement query", after="2103 answer layout"),
    ),
    "2181": Schema(
        "partial",
        request=(
            node(
                "data",
                """
                psn_no   人员编号        C30   Y
                omsgid   原发送方报文ID  C30   Y
                oinfno   原交易编号      C5    Y
                """,
            ),
        ),
        source=_MODELLED.format(what="reversal", after="2601 冲正交易"),
        notes="Reverses a 2162 refund or a 2164 cancellation by its msgid: the settlement stands again.",
    ),
}

# Transactions of this module for which no public field table was found: infno -> what was searched.
UNPUBLISHED: dict[str, str] = {
    infno: _SEARCHED
    for infno in (
        "2161",
        "2162",
        "2163",
        "2164",
        "2165",
        "2166",
        "2167",
        "2168",
        "2169",
        "2170",
        "2171",
        "2181",
    )
}
