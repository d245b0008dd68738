"""Field tables of the 线上支付服务 category: mobile payment 6201-6203, 6301, 6401 (camelCase keys).

Source: reference §3 "Mobile payment 6201-6401" (field names solid, semantics local).  The public copies give
names only, so these are `partial`: strings without lengths, amounts N16,2, nested lists as JSON.  Required
(Y) are only the keys a money call cannot do without (the order, the person, the amounts, the fee lines), so
that an empty body is refused with 3000x before it leaves; the sandbox refuses inconsistent amounts.  The
messages travel inside the SM4/SM2 envelope (`data`); Hunan sends 6201/6301 through the ordinary envelope
with the same keys in `input.data`.  Output node names are [U].  A second search (code/pages/docs/issues
corpora for payOrdId, ordStas, payAuthNo, uldFeeInfo, appRefdSn, psnAcctRefdAmt, feeSumamt with 类型/长度;
fengzaiqishi11/hsa-his DTOs, TeaHZ/185, nisiya MedicarepaySdk.php, a Shanxi legacy-FSI contract) found
names, comments and amount rules but no typed table with lengths, so nothing here is `full`.  Data only.
"""

from __future__ import annotations

from medical_insurance_sdk.registry.fields import Schema, node

_REF = "reference §3 mobile payment 6201-6401"

_IDENTITY = """
    payOrdId        支付订单号        C
    orgCodg         机构编码          C
    payToken        支付token         C
    idNo            证件号码          C
    userName        用户姓名          C
    idType          证件类别          C
"""

_AMOUNTS_6202 = """
    feeSumamt       费用总额          N16,2
    ownPayAmt       现金支付          N16,2
    psnAcctPay      个人账户支出      N16,2
    fundPay         医保基金支付      N16,2
    deposit         住院押金          N16,2
    acctMulaidPay   账户共济支付      N16,2
    hospPartAmt     医院负担金额      N16,2
    othFeeAmt       其他费用金额      N16,2
    selfAcctPay     自费账户支付      N16,2
"""

DATA_6201 = node(
    "data",
    """
    orgCodg         机构编码          C
    orgId           电子凭证机构号    C
    psnNo           人员编号          C   Y
    insutype        险种类型          C   Y
    medOrgOrd       医疗机构订单号    C   Y
    initRxOrd       要续方的原处方流水  C
    rxCircFlag      电子处方流转标志  C
    begntime        开始时间          C
    idNo            证件号码          C
    userName        用户姓名          C
    idType          证件类别          C
    ecToken         电子凭证token     C
    payAuthNo       支付授权码        C
    insuCode        参保地            C
    iptOtpNo        住院/门诊号       C
    atddrNo         医师编码          C
    drName          医师姓名          C
    deptCode        科室编码          C
    deptName        科室名称          C
    caty            科别              C
    mdtrtId         就诊ID            C
    medType         医疗类别          C   Y
    feeType         费用类型          C   # 01 门诊
    medfeeSumamt    医疗费总额        N16,2  Y
    acctUsedFlag    个人账户使用标志  C
    mainCondDscr    主要病情描述      C
    diseCodg        病种编码          C
    diseName        病种名称          C
    psnSetlway      个人结算方式      C
    chrgBchno       收费批次号        C
    pubHospRfomFlag 公立医院改革标志  C
    invono          发票号            C
    endtime         结束时间          C
    fulamtOwnpayAmt 全自费金额        N16,2
    overlmtSelfpay  超限价金额        N16,2
    preselfpayAmt   先行自付金额      N16,2
    inscpScpAmt     符合政策范围金额  N16,2
    admDiagDscr     入院诊断描述      C
    dscgWay         离院方式          C
    matnType        生育类别          C
    midSetlFlag     中途结算标志      C
    extData         扩展数据          J
    uldLatlnt       上传经纬度        C
    mdtrtCertType   就诊凭证类型      C
    diseinfoList    诊断信息列表      J
    feedetailList   费用明细列表      J   Y   # rows: the 2204 row in camelCase (feedetlSn, medListCodg …)
    """,
)

SCHEMAS: dict[str, Schema] = {
    "6201": Schema(
        "partial",
        request=(DATA_6201,),
        response=(
            node(
                "data",
                """
                payOrdId  支付订单号  C
                payToken  支付token   C
                extData   扩展数据    J
                """,
            ),
        ),
        source=_REF,
    ),
    "6202": Schema(
        "partial",
        request=(
            node(
                "data",
                """
                payAuthNo     支付授权码        C
                payOrdId      支付订单号        C   Y
                payToken      支付token         C
                orgCodg       机构编码          C
                orgBizSer     业务流水号        C
                chrgBchno     收费批次号        C
                feeType       费用类型          C
                mdtrtId       就诊ID            C
                acctUsedFlag  个人账户使用标志  C
                """,
            ),
        ),
        response=(
            node(
                "data",
                """
                payAuthNo   支付授权码  C
                payOrdId    支付订单号  C
                payToken    支付token   C
                ordStas     订单状态    C
                extData     扩展数据    J
                """
                + _AMOUNTS_6202,
            ),
        ),
        source=_REF + " (feeSumamt = ownPayAmt + psnAcctPay + fundPay)",
    ),
    "6203": Schema(
        "partial",
        request=(
            node(
                "data",
                """
                payOrdId        支付订单号        C   Y
                appRefdSn       应用退款流水号    C   Y
                appRefdTime     应用退费时间      C   # yyyyMMddHHmmss
                totlRefdAmt     总退费金额        N16,2  Y
                cashRefdAmt     现金退费金额      N16,2
                psnAcctRefdAmt  个人账户退费金额  N16,2
                fundRefdAmt     医保基金退费金额  N16,2
                refdType        退费类型          C   # ALL | CASH | HI
                ecToken         电子凭证token     C
                payAuthNo       支付授权码        C
                extData         扩展数据          J
                """,
            ),
        ),
        response=(node("data", "refStatus 退款状态 C   # SUCC | FAIL | EXP"),),
        source=_REF,
    ),
    "6301": Schema(
        "partial",
        request=(
            node(
                "data",
                _IDENTITY
                + """
                medOrgOrd   医疗机构订单号  C   # [U] the order before a payOrdId exists (confirms 6201)
                extData     扩展数据        J
                """,
            ),
        ),
        response=(
            node(
                "data",
                """
                payOrdId    支付订单号    C   # [U] echoed, so that an answer names its order
                ordStas     订单状态      C
                setlType    结算类型      C   # ALL | CASH | HI
                callType    回调类型      C
                medOrgOrd   医疗机构订单号  C
                traceTime   交易时间      C
                revsToken   冲正token     C
                """
                + _AMOUNTS_6202,
            ),
        ),
        source=_REF,
    ),
    "6401": Schema(
        "partial",
        request=(node("data", _IDENTITY.replace("支付订单号        C", "支付订单号        C   Y")),),
        response=(
            node(
                "data",
                """
                success   是否成功  J
                message   信息      C
                """,
            ),
        ),
        source=_REF,
    ),
}

# Transactions of this module for which no public field table was found: infno -> what was searched.
UNPUBLISHED: dict[str, str] = {
    "6101": (
        "电子凭证解析: searched the code and pages corpora (payAuthNo, ecToken, 医保移动支付 接口); "
        "reference §3 gives no field list for it"
    ),
    "6204": (
        "医保订单信息同步: the code is ours (spec order); searched the code and pages corpora, the "
        "mobile-pay routes of reference §2.5 have no order-sync message"
    ),
    "6302": (
        "医保结算结果通知: the code is ours (spec order); a notice the bureau pushes, no public "
        "field list found in the code and pages corpora"
    ),
}
