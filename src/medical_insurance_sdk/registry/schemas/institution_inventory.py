"""Field tables of the 医药机构管理 category: 3401A batch departments, 3501A-3507A batch inventory, 3592B.

A batch variant carries the rows of its single-row transaction in one list node, so its table is the single
row's table (registry/schemas/institution.py, sources there) under the batch node name:

- 3501A-3506A: invinfoDetail / purcinfoDetail / selinfoDetail, 3507A: goodDetail - the node names a public
  pharmacy client sends (see registry/catalog/open_questions.py, "Batch inventory codes 3501A-3507A").
- 3401A: deptinfo as a list of 3401 rows [U]: no public client shows the batch node name; the single row's
  node name is kept.

3508-3513 queries: the numbered spec rows (number | label | type | length | 代码/必填) of the Inner Mongolia
client in newtouch-cloud/openhis, `WinServiceAPI/NeiMengGuYiBaoApp/Models/Input/YiBao/Input_35xx.cs` (request)
and `.../Models/Output/YiBao/Output_35xx.cs` (answer).  Reading rules:
- 3508-3511: the input table is rows 1-5 (fixmedins_code, medins_list_codg, fixmedins_bchno, begndate,
  enddate); the copy continues the numbering with the answer's rows, which Output_35xx.cs repeats whole, so
  those are taken as the answer.  "医药机构目录编码、定点医药机构批次流水号中，必须传其中一个字段": both
  are conditional (C) here, the bureau enforces the either-or.
- A single trailing Y after a length marks a dictionary field (rx_flag, vali_flag ...) in the answers; in
  the requests it is the 必填 column (fixmedins_code, the dates), except psn_cert_type (a dictionary).
- The answers are camelCase in the client that reads them (expyEnd, medListCodg ...), kept as read.  That
  client reads `output` as one row; a query answers many, so the rows are declared as a list directly in
  `output` (as 5204) [U].
- 3512 (answer rows 4-8 missing in the copy) and 3513 (request row 6 missing; the answer's lengths are
  shifted by one row, taken from the same fields of 3508-3512) stay ``partial``.
Data only.
"""

from __future__ import annotations

from medical_insurance_sdk.registry.fields import Node, Schema, extend, node, root
from medical_insurance_sdk.registry.schemas import institution as single

_SINGLE = "rows of {infno} (registry/schemas/institution.py: {source}) in a list node"


def _batch(infno: str, node_name: str) -> Schema:
    """The batch form of a single-row upload: the same fields, many rows under ``node_name``."""
    base = single.SCHEMAS[infno]
    row = base.request[0]
    return Schema(
        "full",
        request=(extend(row, name=node_name, many=True, label=row.label or node_name),),
        source=_SINGLE.format(infno=infno, source=base.source),
    )


SCHEMAS: dict[str, Schema] = {
    "3401A": _batch("3401", "deptinfo"),
    "3501A": _batch("3501", "invinfoDetail"),
    "3502A": _batch("3502", "invinfoDetail"),
    "3503A": _batch("3503", "purcinfoDetail"),
    "3504A": _batch("3504", "purcinfoDetail"),
    "3505A": _batch("3505", "selinfoDetail"),
    "3506A": _batch("3506", "selinfoDetail"),
    "3507A": _batch("3507", "goodDetail"),
}

# --- 3508-3513 inventory queries ---------------------------------------------------------------------

_NM = "newtouch-cloud/openhis WinServiceAPI/NeiMengGuYiBaoApp/Models/"

# rows 1-5 of every inventory query's input
_QUERY_KEYS = """
    fixmedins_code    定点医药机构编号        C30   Y
    medins_list_codg  医药机构目录编码        C150  C   # this or fixmedins_bchno
    fixmedins_bchno   定点医药机构批次流水号  C30   C   # this or medins_list_codg
"""
_PERIOD = """
    begndate          开始日期                D     Y
    enddate           结束日期                D     Y
"""

# answer fields every 3508-3511 row carries (camelCase as read)
_ROW_COMMON = """
    fixmedinsCode     定点医药机构编号        C30
    fixmedinsBchno    定点医药机构批次流水号  C30
    medListCodg       医疗目录编码            C50
    medinsListCodg    医药机构目录编码        C150
    medinsListName    医药机构目录名称        C100
    rxFlag            处方药标志              C3
    listSpItemFlag    目录特项标志            C3
    memo              备注                    C500
    valiFlag          有效标志                C3
    rid               数据唯一记录号          C40
    crteTime          数据创建时间            DT
    updtTime          数据更新时间            DT
    crterId           创建人ID                C20
    crterName         创建人姓名              C50
    crteOptinsNo      创建机构编号            C20
    opterId           经办人ID                C20
    opterName         经办人姓名              C50
    optTime           经办时间                DT
    optinsNo          经办机构编号            C20
    poolareaNo        统筹区编号              C6
"""


def _query(infno: str, answer: str, label: str) -> Schema:
    """3508-3511: the five query keys in, the rows of ``answer`` (plus the common columns) out."""
    return Schema(
        "full",
        request=(node("data", _QUERY_KEYS + _PERIOD, label="查询条件"),),
        response=(root(answer + _ROW_COMMON, many=True),),
        source=f"{_NM}Input/YiBao/Input_{infno}.cs (rows 1-5), Output/YiBao/Output_{infno}.cs",
        notes=f"Answers the {label}; camelCase keys as the public client reads them.",
    )


_STOCK_3508 = """
    medinsProdInvNo   定点医药机构商品库存流水号  C30
    invCnt            库存数量                N16,2
    invdate           库存日期                D
    manuLotnum        生产批号                C30
    manuDate          生产日期                D
    expyEnd           有效期止                D
    trdnFlag          拆零标志                C3
"""

_CHANGE_3509 = """
    medinsProdInvChgNo  定点医药机构商品库存变更流水号  C30
    invChgType        库存变更类型            C6
    invChgTime        库存变更时间            DT
    invChgOpterName   库存变更经办人姓名      C50
    cnt               数量                    N16,4
    pric              单价                    N16,6
    trdnFlag          拆零标志                C3
"""

_PURCHASE_3510 = """
    medinsProdPurcNo  定点医药机构商品采购流水号  C30
    dyntNo            随货单号                C50
    splerName         供货商名称              C200
    splerPmtno        供应商许可证号          C50
    manuLotnum        生产批号                C30
    prodentpName      生产企业名称            C200
    aprvno            批准文号                C100
    manuDate          生产日期                D
    expyEnd           有效期止                D
    purcInvoCodg      采购发票编码            C50
    purcInvoNo        采购发票号              C50
    purcRetnStoinTime 采购/退货入库时间       DT
    purcRetnOpterName 采购/退货经办人姓名     C50
    prodGeayFlag      商品赠送标志            C3
    prodRetnFlag      商品退货标志            C6
    finlTrnsPric      最终成交单价            N16,6
    purcRetnCnt       采购/退货数量           N16,2
"""

_SALE_3511 = """
    medinsProdSelNo   定点医药机构商品销售流水号  C30
    prscDrCertType    开单医师证件类型        C3
    prscDrCertno      开单医师证件号码        C50
    bilgDrName        开单医师姓名            C50
    pharCertType      药师证件类型            C3
    pharCertno        药师证件号码            C50
    pharName          药师姓名                C50
    pharPracCertNo    药师执业资格证号        C50
    hiFeesetlType     医保费用结算类型        C6
    setlId            结算ID                  C30
    psnNo             人员编号                C30
    psnCertType       人员证件类型            C6
    certno            证件号码                C600
    psnName           人员姓名                C50
    manuLotnum        生产批号                C30
    manuDate          生产日期                D
    expyEnd           有效期止                D
    elecSupnCodg      电子监管编码            C20
    trdnFlag          拆零标志                C3
    selRetnTime       销售/退货时间           DT
    selRetnOpterName  销售/退货经办人姓名     C50
    selRetnCnt        销售/退货数量           N16,2
    finlTrnsPric      最终成交单价            N16,6
"""

REQUEST_3512: Node = node(
    "data",
    _QUERY_KEYS
    + _PERIOD
    + """
    med_list_codg     医疗目录编码            C50   C   # one of the three codes
    drug_trac_codg    药品追溯码              C30   N
    """,
    label="查询条件",
)
RESPONSE_3512: Node = root(
    many=True,
    table="""
    fixmedinsCode     定点医药机构编号        C30
    medinsListCodg    医药机构目录编码        C150
    fixmedinsBchno    定点医药机构批次流水号  C30
    medListCodg       医疗目录编码            C50
    medinsListName    医药机构目录名称        C150
    drugTracCodg      药品追溯码              C30
    valiFlag          有效标志                C3
    opterId           经办人ID                C20
    crterName         创建人姓名              C50
    crterId           创建人ID                C20
    optinsNo          经办机构编号            C20
    """,
)
REQUEST_3513: Node = node(
    "data",
    """
    fixmedins_code    定点医药机构编号        C30   Y
    medins_list_codg  医药机构目录编码        C150  N
    fixmedins_bchno   定点医药机构批次流水号  C30   N
    begndate          开始日期                D     N
    enddate           结束日期                D     N
    med_list_codg     医疗目录编码            C50   N
    mdtrt_id          就诊ID                  C30   N
    psn_no            人员编号                C30   N
    psn_cert_type     人员证件类型            C6    N  @psn_cert_type
    certno            证件号码                C600  N
    psn_name          人员姓名                C50   N
    drug_trac_codg    药品追溯码              C30   N
    """,
    label="查询条件",
)
RESPONSE_3513: Node = root(
    many=True,
    table="""
    fixmedinsCode     定点医药机构编号        C30
    medListCodg       医疗目录编码            C50
    medinsListCodg    医药机构目录编码        C150
    medinsListName    医药机构目录名称        C150
    fixmedinsBchno    定点医药机构批次流水号  C30
    mdtrtId           就诊ID                  C30
    mdtrtSetlType     就诊结算类型            C6
    bkkpSn            记账流水号              C100
    drugTracCodg      药品追溯码              C30
    psnNo             人员编号                C30
    psnCertType       人员证件类型            C6
    certno            证件号码                C600
    psnName           人员姓名                C50
    memo              备注                    C500
    trdnFlag          拆零标志                C3
    updtTime          数据更新时间            DT
    opterName         经办人姓名              C50
    rid               数据唯一记录号          C40
    crteTime          数据创建时间            DT
    optTime           经办时间                DT
    opterId           经办人ID                C20
    crterName         创建人姓名              C50
    crterId           创建人ID                C20
    optinsNo          经办机构编号            C20
    """,
)

SCHEMAS.update(
    {
        "3508": _query("3508", _STOCK_3508, "stock rows (3501)"),
        "3509": _query("3509", _CHANGE_3509, "stock change rows (3502)"),
        "3510": _query("3510", _PURCHASE_3510, "purchase and purchase-return rows (3503/3504)"),
        "3511": _query("3511", _SALE_3511, "sale and sale-return rows (3505/3506)"),
        "3512": Schema(
            "partial",
            request=(REQUEST_3512,),
            response=(RESPONSE_3512,),
            source=f"{_NM}Input/YiBao/Input_3512.cs, Output/YiBao/Output_3512.cs",
            notes="The answer copy skips rows 4-8 of the table: partial.",
        ),
        "3513": Schema(
            "partial",
            request=(REQUEST_3513,),
            response=(RESPONSE_3513,),
            source=f"{_NM}Input/YiBao/Input_3513.cs, Output/YiBao/Output_3513.cs",
            notes="The request copy skips row 6; the answer's printed lengths are shifted by one row and "
            "are taken from the same fields of 3508-3512: partial.",
        ),
    }
)

# Transactions of this module for which no public field table was found: infno -> what was searched.
UNPUBLISHED: dict[str, str] = {
    "3592B": (
        "获取虚拟药品追溯码: searched code/docs for '3592B', '获取虚拟药品追溯码', '虚拟追溯码' "
        "(newtouch-cloud/openhis, binzhe12123/Medical, hsa-his and other 接口规范 copies); only the name "
        "and the REST path of the spec are public, no field table; a second exact-string search of the whole "
        "index (3592B, 虚拟追溯码) and the Inner Mongolia models of openhis found nothing."
    ),
}
