"""Field tables of the 医药机构管理 category: 3201/3202 reconciliation, 3301/3302 catalogue mapping,
3401-3403 departments, 3501-3507 进销存 (inventory).

Sources: reference §3 (3201/3202); numbered spec rows copied into newtouch-cloud/openhis
`WinServiceAPI/YiBaoInterface/Models/Input/Input_{3301,3302,3501..3504}.cs` (field lists and node names),
binzhe12123/Medical `SY.Com.Medical.Model/SYB/YYJGFW/{KS3401,KS3402,KS3403,YPXS3505,YPSC3507}.cs`, and the
typed spec rows in the comments of fengzaiqishi11/hsa-his `InsureStockManagerBoImpl.java` (3501-3506).
The 35xx uploads answer with no output body.  Data only.
"""

from __future__ import annotations

from medical_insurance_sdk.registry.fields import Schema, node

_REF = "reference §3"
_CQ = "newtouch-cloud/openhis WinServiceAPI/YiBaoInterface/Models/Input/"
_SZ = "binzhe12123/Medical SY.Com.Medical.Model/SYB/YYJGFW/"
_HN = "fengzaiqishi11/hsa-his InsureStockManagerBoImpl.java"

# --- 3201 / 3202 -------------------------------------------------------------------------------------------

DATA_3201 = node(
    "data",
    """
    insutype            险种类型            C6     Y  @insutype
    clr_type            清算类别            C6     Y  @clr_type
    setl_optins         结算经办机构        C6     Y
    stmt_begndate       对账开始日期        D      Y
    stmt_enddate        对账结束日期        D      Y
    medfee_sumamt       医疗费总额          N16,2  Y
    fund_pay_sumamt     基金支付总额        N16,2  Y
    acct_pay            个人账户支付金额    N16,2  Y
    fixmedins_setl_cnt  定点医药机构结算笔数  I10  Y
    refd_setl_flag      退费结算标志        C3     N  @refd_setl_flag   # CQ/NMG copies [L/U]
    """,
)

DATA_3202 = node(
    "data",
    """
    setl_optins         结算经办机构        C6     Y
    file_qury_no        文件查询号          C30    Y   # from 9101
    stmt_begndate       对账开始日期        D      Y
    stmt_enddate        对账结束日期        D      Y
    medfee_sumamt       医疗费总额          N16,2  Y
    fund_pay_sumamt     基金支付总额        N16,2  Y
    cash_payamt         现金支付金额        N16,2  Y
    fixmedins_setl_cnt  定点医药机构结算笔数  I10  Y
    clr_type            清算类别            C6     N  @clr_type   # some provinces add it
    """,
)

# --- 3401-3403 ---------------------------------------------------------------------------------------------

DEPTINFO = node(
    "deptinfo",
    """
    hosp_dept_codg      医院科室编码        C20    Y   # 院内唯一编码
    caty                科别                C6     Y
    hosp_dept_name      医院科室名称        C100   Y
    begntime            开始时间            DT     Y
    endtime             结束时间            DT     N
    itro                简介                C500   Y
    dept_resper_name    科室负责人姓名      C50    Y
    dept_resper_tel     科室负责人电话      C50    Y
    dept_med_serv_scp   科室医疗服务范围    C500   N
    dept_estbdat        科室成立日期        DT     Y
    aprv_bed_cnt        批准床位数量        I11    Y
    hi_crtf_bed_cnt     医保认可床位数      I11    N
    poolarea_no         统筹区编号          C6     Y
    dr_psncnt           医师人数            I5     Y
    phar_psncnt         药师人数            I5     Y
    nurs_psncnt         护士人数            I5     Y
    tecn_psncnt         技师人数            I5     Y
    memo                备注                C500   N
    """,
    label="科室信息",
)

# --- 3501-3507 ---------------------------------------------------------------------------------------------

_GOODS = """
    med_list_codg         医疗目录编码            C50    Y
    fixmedins_hilist_id   定点医药机构目录编号    C30    Y
    fixmedins_hilist_name 定点医药机构目录名称    C200   Y
"""

INVINFO_3501 = node(
    "invinfo",
    _GOODS
    + """
    rx_flag               处方药标志              C3     Y  @rx_flag
    invdate               盘存日期                D      Y
    inv_cnt               库存数量                N16,2  Y   # 按最小计价包装单位统计
    manu_lotnum           生产批号                C30    N
    fixmedins_bchno       定点医药机构批次流水号  C30    Y
    manu_date             生产日期                D      Y
    expy_end              有效期止                D      Y
    memo                  备注                    C500   N
    """,
    label="盘存信息",
)

INVINFO_3502 = node(
    "invinfo",
    """
    med_list_codg         医疗目录编码            C50    Y
    inv_chg_type          库存变更类型            C6     Y
    fixmedins_hilist_id   定点医药机构目录编号    C30    Y
    fixmedins_hilist_name 定点医药机构目录名称    C200   Y
    fixmedins_bchno       定点医药机构批次流水号  C30    Y
    pric                  单价                    N16,6  Y
    cnt                   数量                    N16,4  Y   # 按最小计价包装单位
    rx_flag               处方药标志              C3     Y  @rx_flag
    inv_chg_time          库存变更时间            DT     Y
    inv_chg_opter_name    库存变更经办人姓名      C50    N
    memo                  备注                    C500   N
    trdn_flag             拆零标志                C2     N  @trdn_flag
    """,
    label="库存变更信息",
)

PURCINFO_3503 = node(
    "purcinfo",
    _GOODS
    + """
    dynt_no               随货单号                C50    N
    fixmedins_bchno       定点医药机构批次流水号  C30    Y
    spler_name            供应商名称              C200   Y
    spler_pmtno           供应商许可证号          C50    N
    manu_lotnum           生产批号                C30    Y
    prodentp_name         生产厂家名称            C200   Y
    aprvno                批准文号                C100   Y
    manu_date             生产日期                D      Y
    expy_end              有效期止                D      Y
    finl_trns_pric        最终成交单价            N16,6  N
    purc_retn_cnt         采购/退货数量           N16,4  Y
    purc_invo_codg        采购发票编码            C50    N
    purc_invo_no          采购发票号              C50    N
    rx_flag               处方药标志              C3     Y  @rx_flag
    purc_retn_stoin_time  采购/退货入库时间       DT     Y
    purc_retn_opter_name  采购/退货经办人姓名     C50    Y
    prod_geay_flag        商品赠送标志            C3     N  @prod_geay_flag
    memo                  备注                    C500   N
    """,
    label="采购信息",
)

PURCINFO_3504 = node(
    "purcinfo",
    _GOODS
    + """
    fixmedins_bchno       定点医药机构批次流水号  C30    Y
    spler_name            供应商名称              C200   Y
    spler_pmtno           供应商许可证号          C50    N
    manu_date             生产日期                D      Y
    expy_end              有效期止                D      Y
    finl_trns_pric        最终成交单价            N16,6  N   # 采购/退货单价
    purc_retn_cnt         采购/退货数量           N16,4  Y
    purc_invo_codg        采购发票编码            C50    N
    purc_invo_no          采购发票号              C50    Y
    rx_flag               处方药标志              C3     Y  @rx_flag
    purc_retn_stoin_time  采购/退货入库时间       DT     Y
    purc_retn_opter_name  采购/退货经办人姓名     C50    Y
    memo                  备注                    C500   N
    medins_prod_purc_no   商品采购流水号          C50    N
    """,
    label="采购退货信息",
)

_SALE_PERSON = """
    setl_id               结算ID                  C30    N   # 医保病人必填
    psn_no                人员编号                C30    N
    psn_cert_type         人员证件类型            C6     N  @psn_cert_type
    certno                证件号码                C50    N
    psn_name              人员姓名                C50    N
    manu_lotnum           生产批号                C30    Y
    manu_date             生产日期                D      Y
    expy_end              有效期止                D      N
    rx_flag               处方药标志              C3     Y  @rx_flag
    trdn_flag             拆零标志                C3     Y  @trdn_flag
    finl_trns_pric        最终成交单价            N16,6  N
"""

_SALE_TAIL = """
    sel_retn_cnt          销售/退货数量           N16,4  Y
    sel_retn_time         销售/退货时间           DT     Y
    sel_retn_opter_name   销售/退货经办人姓名     C50    Y
    memo                  备注                    C500   N
"""

SELINFO_3505 = node(
    "selinfo",
    _GOODS
    + """
    fixmedins_bchno       定点医药机构批次流水号  C30    Y
    prsc_dr_cert_type     开方医师证件类型        C6     N  @psn_cert_type
    prsc_dr_certno        开方医师证件号码        C50    N
    prsc_dr_name          开方医师姓名            C50    Y
    phar_cert_type        药师证件类型            C6     N  @psn_cert_type
    phar_certno           药师证件号码            C50    N
    phar_name             药师姓名                C50    Y
    phar_prac_cert_no     药师执业资格证号        C50    Y
    hi_feesetl_type       医保费用结算类型        C6     N
    mdtrt_sn              就医流水号              C30    Y   # 机构生成内唯一就诊流水
    """
    + _SALE_PERSON
    + """
    rxno                  处方号                  C40    N
    rx_circ_flag          外购处方标志            C3     N  @rx_circ_flag
    rtal_docno            零售单据号              C40    Y
    stoout_no             销售出库单据号          C40    N
    bchno                 批次号                  C30    N
    drug_trac_codg        药品追溯码              C30    N
    drug_prod_barc        药品条形码              C30    N
    shelf_posi            货架位                  C20    N
    """
    + _SALE_TAIL,
    label="销售信息",
)

SELINFO_3506 = node(
    "selinfo",
    _GOODS
    + """
    fixmedins_bchno       定点医药机构批次流水号  C30    Y
    """
    + _SALE_PERSON
    + _SALE_TAIL
    + """
    medins_prod_sel_no    商品销售流水号          C50    N
    """,
    label="销售退货信息",
)

SCHEMAS: dict[str, Schema] = {
    "3201": Schema(
        "full",
        request=(DATA_3201,),
        response=(
            node(
                "stmtinfo",
                """
                setl_optins     结算经办机构    C6
                stmt_rslt       对账结果        C6     @stmt_rslt
                stmt_rslt_dscr  对账结果说明    C200
                """,
                label="对总账结果",
            ),
        ),
        source=_REF + " 3201",
    ),
    "3202": Schema(
        "full",
        request=(DATA_3202,),
        response=(
            node(
                "fileinfo",
                """
                file_qury_no  文件查询号    C30   # fetch result.txt with 9102
                filename      文件名        C200
                dld_endtime   下载截止时间  C30
                """,
                label="对明细账结果文件",
            ),
        ),
        source=_REF + " 3202 (detail file uploaded with 9101 first)",
    ),
    "3301": Schema(
        "full",
        request=(
            node(
                "data",
                """
                fixmedins_hilist_id   定点医药机构目录编号  C30    Y
                fixmedins_hilist_name 定点医药机构目录名称  C200   Y
                list_type             目录类别              C30    Y  @list_type
                med_list_codg         医疗目录编码          C30    N
                begndate              开始日期              D      Y
                enddate               结束日期              D      Y
                aprvno                批准文号              C30    N
                dosform               剂型                  C200   N
                exct_cont             除外内容              C2000  N
                item_cont             项目内涵              C2000  N
                prcunt                计价单位              C100   N
                spec                  规格                  C200   N
                pacspec               包装规格              C100   N
                memo                  备注                  C500   N
                """,
            ),
        ),
        source=_CQ + "Input_3301.cs (spec rows in comments)",
    ),
    "3302": Schema(
        "full",
        request=(
            node(
                "data",
                """
                fixmedins_code        定点医药机构编号      C30    Y
                fixmedins_hilist_id   定点医药机构目录编号  C30    Y
                list_type             目录类别              C30    Y  @list_type
                med_list_codg         医疗目录编码          C30    Y
                """,
            ),
        ),
        source=_CQ + "Input_3302.cs (spec rows in comments)",
    ),
    "3401": Schema("full", request=(DEPTINFO,), source=_SZ + "KS3401.cs"),
    "3402": Schema("full", request=(DEPTINFO,), source=_SZ + "KS3402.cs"),
    "3403": Schema(
        "full",
        request=(
            node(
                "data",
                """
                hosp_dept_codg  医院科室编码  C20    Y
                hosp_dept_name  医院科室名称  C100   Y
                begntime        开始时间      C19    Y   # 日期型 in the copy; clients send the 3401 datetime
                """,
            ),
        ),
        source=_SZ + "KS3403.cs",
    ),
    "3501": Schema("full", request=(INVINFO_3501,), source=f"{_CQ}Input_3501.cs; {_HN}"),
    "3502": Schema("full", request=(INVINFO_3502,), source=f"{_CQ}Input_3502.cs; {_HN}"),
    "3503": Schema("full", request=(PURCINFO_3503,), source=f"{_CQ}Input_3503.cs; {_HN}"),
    "3504": Schema("full", request=(PURCINFO_3504,), source=f"{_CQ}Input_3504.cs; {_HN}"),
    "3505": Schema("full", request=(SELINFO_3505,), source=f"{_SZ}YPXS3505.cs; {_HN}"),
    "3506": Schema("full", request=(SELINFO_3506,), source=_HN),
    "3507": Schema(
        "full",
        request=(
            node(
                "data",
                """
                fixmedins_bchno  定点医药机构批次流水号  C30   Y
                inv_data_type    进销存数据类型          C30   Y  @inv_data_type
                """,
            ),
        ),
        source=f"{_SZ}YPSC3507.cs; {_HN}",
    ),
}
