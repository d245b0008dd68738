"""Field tables of the 信息采集上传 category, part 1: 4101-4105 医疗保障基金结算清单 (settlement list) and
4261-4263 自费病人 (self-pay patients).

Sources: 4101 is the national table (表154-160) as numbered rows in the comments of newtouch-cloud/openhis
`WinServiceAPI/YiBaoInterface/Models/Input/Input_4101.cs` (national column order: name | label | type |
length | dictionary | required); `bldinfo` (表194) is the node 4101A and later 4101 versions add, typed
from the same fields of `setlinfo`.  4102-4105 and the 4103/4104 answers: field names only
(openhis `Input_4102..4104.cs`, `Output_4101..4104.cs`, `NeiMengGuYiBaoApp/Models/Input/YiBao/Input_4105.cs`;
fengzaiqishi11/hsa-his `SettlementListUpdateReqUtil.java` for 4102's `data.stastinfo` list).  4261: names
and types from the comments of hsa-his `FmiOwnpayPatn{MdtrtD,DiseListD,FeeListD}DTO.java` (which cite the
self-pay tables 4207-4209) and the node names of `FmiOwnpayPatnUploadReqUtil.java`; that copy sends
camelCase keys, kept as sent.  Data only.
"""

from __future__ import annotations

from medical_insurance_sdk.registry.fields import Schema, node, root

_CQ = "newtouch-cloud/openhis WinServiceAPI/YiBaoInterface/Models/"
_NMG = "newtouch-cloud/openhis WinServiceAPI/NeiMengGuYiBaoApp/Models/"
_HN = "fengzaiqishi11/hsa-his hsa-insure/.../unifiedpay/util/"

# --- 4101 (national 表154-160, 表194) ----------------------------------------------------------------------

SETLINFO_4101 = node(
    "setlinfo",
    """
    mdtrt_id                就诊ID                      C30    Y
    setl_id                 结算ID                      C30    Y
    fixmedins_name          定点医药机构名称            C200   Y
    fixmedins_code          定点医药机构编号            C12    Y
    hi_setl_lv              医保结算等级                C3     N
    hi_no                   医保编号                    C30    N
    medcasno                病案号                      C40    Y
    dcla_time               申报时间                    DT     N
    psn_name                人员姓名                    C50    Y
    gend                    性别                        C6     Y  @gend
    brdy                    出生日期                    D      Y
    age                     年龄                        N4,1   N   # required from 1 year of age, in years
    ntly                    国籍                        C6     Y
    nwb_age                 不足1周岁年龄               I3     N   # required under 1 year, in days
    naty                    民族                        C3     Y
    patn_cert_type          患者证件类别                C3     Y
    certno                  证件号码                    C50    Y
    prfs                    职业                        C6     Y
    curr_addr               现住址                      C200   N
    emp_name                单位名称                    C200   N
    emp_addr                单位地址                    C200   N
    emp_tel                 单位电话                    C50    N
    poscode                 邮编                        C6     N
    coner_name              联系人姓名                  C50    Y
    patn_rlts               与患者关系                  C6     Y
    coner_addr              联系人地址                  C200   Y
    coner_tel               联系人电话                  C50    Y
    hi_type                 医保类型                    C3     Y
    insuplc                 参保地                      C6     Y
    sp_psn_type             特殊人员类型                C6     N
    nwb_adm_type            新生儿入院类型              C3     N
    nwb_bir_wt              新生儿出生体重              N6,2   N
    nwb_adm_wt              新生儿入院体重              N6,2   N
    opsp_diag_caty          门诊慢特病诊断科别          C50    N
    opsp_mdtrt_date         门诊慢特病就诊日期          D      N
    ipt_med_type            住院医疗类型                C3     Y
    adm_way                 入院途径                    C3     N
    trt_type                治疗类别                    C3     N
    adm_time                入院时间                    DT     N
    adm_caty                入院科别                    C6     Y
    refldept_dept           转科科别                    C6     N   # several transfers joined with →
    dscg_time               出院时间                    DT     N
    dscg_caty               出院科别                    C6     Y
    act_ipt_days            实际住院天数                I3     N
    otp_wm_dise             门急诊西医诊断              C200   N
    wm_dise_code            西医诊断疾病代码            C20    N
    otp_tcm_dise            门急诊中医诊断              C200   N
    tcm_dise_code           中医诊断代码                C20    N
    diag_code_cnt           诊断代码计数                I3     N
    maindiag_flag           主诊断标志                  C3     Y  @maindiag_flag
    oprn_oprt_code_cnt      手术操作代码计数            I3     N
    vent_used_dura          呼吸机使用时长              C10    N   # days/hours/minutes, 1/13/24
    pwcry_bfadm_coma_dura   颅脑损伤患者入院前昏迷时长  C10    N
    pwcry_afadm_coma_dura   颅脑损伤患者入院后昏迷时长  C10    N
    bld_cat                 输血品种                    C3     N
    bld_amt                 输血量                      I6     N
    bld_unt                 输血计量单位                C3     N
    spga_nurscare_days      特级护理天数                I3     N
    lv1_nurscare_days       一级护理天数                I3     N
    scd_nurscare_days       二级护理天数                I3     N
    lv3_nurscare_days       三级护理天数                I3     N
    dscg_way                离院方式                    C3     N
    acp_medins_name         拟接收机构名称              C100   N
    acp_optins_code         拟接收机构代码              C30    N
    bill_code               票据代码                    C50    Y
    bill_no                 票据号码                    C30    Y
    biz_sn                  业务流水号                  C50    Y
    days_rinp_flag_31       出院31天内再住院计划标志    C3     N
    days_rinp_pup_31        出院31天内再住院目的        C200   N
    chfpdr_name             主诊医师姓名                C50    N
    chfpdr_code             主诊医师代码                C30    N
    setl_begn_date          结算开始日期                D      Y
    setl_end_date           结算结束日期                D      Y
    psn_selfpay             个人自付                    N16,2  Y
    psn_ownpay              个人自费                    N16,2  Y
    acct_pay                个人账户支出                N16,2  Y
    psn_cashpay             个人现金支付                N16,2  Y
    hi_paymtd               医保支付方式                C3     Y
    hsorg                   医保机构                    C100   Y
    hsorg_opter             医保机构经办人              C50    Y
    medins_fill_dept        医疗机构填报部门            C100   Y
    medins_fill_psn         医疗机构填报人              C50    Y
    """,
    label="结算清单信息",
)

PAYINFO_4101 = node(
    "payinfo",
    """
    fund_pay_type           基金支付类型                C6     Y
    fund_payamt             基金支付金额                N16,2  Y
    """,
    many=True,
    label="基金支付信息",
)

OPSPDISEINFO_4101 = node(
    "opspdiseinfo",
    """
    diag_name               诊断名称                    C100   Y
    diag_code               诊断代码                    C20    Y
    oprn_oprt_name          手术操作名称                C500   Y
    oprn_oprt_code          手术操作代码                C30    Y
    """,
    many=True,
    required=False,  # outpatient chronic and special diseases only
    label="门诊慢特病诊断信息",
)

DISEINFO_4101 = node(
    "diseinfo",
    """
    diag_type               诊断类别                    C3     Y
    diag_code               诊断代码                    C20    Y
    diag_name               诊断名称                    C100   Y
    adm_cond_type           入院病情类型                C3     N
    maindiag_flag           主诊断标志                  C3     N  @maindiag_flag   # openhis adds it
    """,
    many=True,
    required=False,  # inpatient diagnoses: an outpatient chronic-disease list has none
    label="住院诊断信息",
)

ITEMINFO_4101 = node(
    "iteminfo",
    """
    med_chrgitm             医疗收费项目                C6     Y
    amt                     金额                        N16,2  Y
    claa_sumfee             甲类费用合计                N16,2  Y
    clab_amt                乙类金额                    N16,2  Y
    fulamt_ownpay_amt       全自费金额                  N16,2  Y
    oth_amt                 其他金额                    N16,2  Y
    """,
    many=True,
    label="收费项目信息",
)

OPRNINFO_4101 = node(
    "oprninfo",
    """
    oprn_oprt_type          手术操作类别                C3     Y
    oprn_oprt_name          手术操作名称                C500   Y
    oprn_oprt_code          手术操作代码                C30    Y
    oprn_oprt_date          手术操作日期                D      Y
    anst_way                麻醉方式                    C6     N
    oper_dr_name            术者医师姓名                C50    Y
    oper_dr_code            术者医师代码                C20    Y
    anst_dr_name            麻醉医师姓名                C50    N
    anst_dr_code            麻醉医师代码                C20    N
    """,
    many=True,
    required=False,
    label="手术操作信息",
)

ICUINFO_4101 = node(
    "icuinfo",
    """
    scs_cutd_ward_type      重症监护病房类型            C6     Y
    scs_cutd_inpool_time    重症监护进入时间            DT     Y
    scs_cutd_exit_time      重症监护退出时间            DT     Y
    scs_cutd_sum_dura       重症监护合计时长            C10    Y   # days/hours/minutes
    """,
    many=True,
    required=False,
    label="重症监护信息",
)

BLDINFO_4101 = node(
    "bldinfo",
    """
    bld_cat                 输血品种                    C3     N
    bld_amt                 输血量                      I6     N
    bld_unt                 输血计量单位                C3     N
    """,
    many=True,
    required=False,
    label="输血信息",
)

# --- 4102-4105 (names only) -----------------------------------------------------------------------------

# 4102 sends `input.data.stastinfo`: a list of {psn_no, setl_id, stas_type}, a nested table of `data`
# (names only: optional text, the lengths 4103 gives the same fields).
STASTINFO_4102 = node(
    "stastinfo",
    """
    psn_no                  人员编号                    C30    N
    setl_id                 结算ID                      C30    N
    stas_type               stas_type                   C      N
    """,
    many=True,
    label="状态信息",
)

DATA_4102 = node(
    "data",
    """
    stastinfo               状态信息                    J      Y
    """,
    rows=(STASTINFO_4102,),
)

DATA_4103 = node(
    "data",
    """
    psn_no                  人员编号                    C30    N
    setl_id                 结算ID                      C30    N
    """,
)

DATA_4104 = node(
    "data",
    """
    setl_ym                 结算年月                    C6     N   # yyyymm
    setl_id                 结算ID                      C30    N
    psn_no                  人员编号                    C30    N
    err_lv                  错误等级                    C      N
    retn_flag               回退标志                    C      N
    page_num                当前页数                    I      N
    page_size               本页数据量                  I      N
    """,
)


def _names(names: str) -> str:
    """A names-only table (partial schemas): every field optional text."""
    return "\n".join(f"{name} {name} C N" for name in names.split())


RESPONSE_4104 = (
    root(
        _names(
            "fixmedins_code fixmedins_name setl_ym setl_id psn_no psn_name qltctrl_rslt err_lv retn_flag "
            "qltctrl_ver psn_cert_type cert_no"
        )
    ),
    node(
        "detailinfo",
        _names("exam_data_fld qltctrl_chkrslt err_lv retn_flag init_val"),
        many=True,
        required=False,
        label="质控明细",
    ),
)

DATA_4105 = node(
    "data",
    """
    fixmedins_code          定点医药机构编号            C30    Y
    medtype_list            医疗类别集合                C      Y   # med_type codes
    stt_begntime            统计开始时间                DT     N
    stt_endtime             统计结束时间                DT     N
    pay_loc_list            支付地点集合                C      N   # pay_loc codes
    clr_way_list            清算方式集合                C      N   # clr_way codes
    refd_setl_flag          退费统计标志                C3     N   # 1: refunds' negative settlements count
    """,
)

# --- 4261 (names and types as the hsa-his copy sends them) ----------------------------------------------

MDTRT_4261 = node(
    "fmiOwnpayPatnMdtrtDDTO",
    """
    mdtrtId                 就诊ID                      C30    N
    fixmedinsMdtrtId        医药机构就诊事件ID          C30    N
    fixmedinsCode           定点医药机构编号            C30    N
    fixmedinsName           定点医药机构名称            C200   N
    psnCertType             人员证件类型                C6     N
    certno                  证件号码                    C50    N
    psnName                 人员姓名                    C30    N
    gend                    性别                        C6     N
    brdy                    出生日期                    C      N
    begntime                开始时间                    C      N
    endtime                 结束时间                    C      N
    medType                 医疗类别                    C6     N
    iptOtpNo                住院门诊号                  C30    N
    inhospStas              在院状态                    C3     N
    medfeeSumamt            医疗总费用                  N16,2  N
    valiFlag                有效标志                    C3     N
    """,
    label="自费病人就诊信息",
)

DISE_4261 = node(
    "fmiOwnpayPatnDiseListDDTOS",
    """
    mdtrtId                 就诊ID                      C30    N
    fixmedinsCode           定点医药机构编号            C30    N
    diagSrtNo               诊断排序号                  I2     N
    inoutDiagType           出入院诊断类别              C6     N
    diagType                诊断类别                    C3     N
    maindiagFlag            主诊断标志                  C3     N
    diagCode                诊断代码                    C20    N
    diagName                诊断名称                    C255   N
    """,
    many=True,
    required=False,
    label="自费病人诊断信息",
)

FEE_4261 = node(
    "fmiOwnpayPatnFeeListDDTO",
    """
    bkkpSn                  记账流水号                  C30    N
    fixmedinsMdtrtId        医药机构就诊ID              C30    N
    feeOcurTime             费用发生时间                C      N
    fixmedinsCode           定点医药机构编号            C30    N
    cnt                     数量                        N16,4  N
    pric                    单价                        N16,6  N
    detItemFeeSumamt        明细项目费用总额            N16,2  N
    medListCodg             医疗目录编码                C50    N
    medinsListCodg          医药机构目录编码            C150   N
    medinsListName          医药机构目录名称            C100   N
    medChrgitmType          医疗收费项目类别            C6     N
    valiFlag                有效标志                    C3     N
    """,
    many=True,
    required=False,
    label="自费病人费用明细",
)

SCHEMAS: dict[str, Schema] = {
    "4101": Schema(
        "full",
        request=(
            SETLINFO_4101,
            PAYINFO_4101,
            OPSPDISEINFO_4101,
            DISEINFO_4101,
            ITEMINFO_4101,
            OPRNINFO_4101,
            ICUINFO_4101,
            BLDINFO_4101,
        ),
        response=(node("data", "setl_list_id 清单流水号 C30 N", required=False),),
        source=f"{_CQ}Input/Input_4101.cs (national 表154-160, typed rows), Input_4101A.cs (bldinfo), "
        f"Output/Output_4101.cs",
        notes="A province's 4101A variant adds psn_no and splits some fields; this is the national layout.",
    ),
    "4102": Schema(
        "partial",
        request=(DATA_4102,),
        source=f"{_CQ}Input/Input_4102.cs; {_HN}settlementlist/SettlementListUpdateReqUtil.java",
        notes="stastinfo rows (STASTINFO_4102): names only, no typed table is public.",
    ),
    "4103": Schema(
        "partial",
        request=(DATA_4103,),
        source=f"{_CQ}Input/Input_4103.cs, Output/Output_4103.cs (names only)",
        notes="openhis reads the answer as the 4101 nodes again (setlinfo, payinfo, opspdiseinfo, diseinfo, "
        "iteminfo, oprninfo, icuinfo, bldinfo) with the bureau's row ids (setl_list_sn, "
        "setl_list_diag_id ...) and state (stas_type); no table is declared, the answer passes through "
        "as the bureau sends it.",
    ),
    "4104": Schema(
        "partial",
        request=(DATA_4104,),
        response=RESPONSE_4104,
        source=f"{_CQ}Input/Input_4104.cs, Output/Output_4104.cs (names and labels only)",
    ),
    "4105": Schema(
        "partial",
        request=(DATA_4105,),
        source=f"{_NMG}Input/YiBao/Input_4105.cs (names, some types in comments)",
    ),
    "4261": Schema(
        "partial",
        request=(MDTRT_4261, DISE_4261, FEE_4261),
        source=f"{_HN}fmiownpaypatn/FmiOwnpayPatnUploadReqUtil.java; hsa-com .../fmiownpaypatn/dto/"
        f"FmiOwnpayPatn{{MdtrtD,DiseListD,FeeListD}}DTO.java",
        notes="The one public copy (hsa-his) sends camelCase keys and an `upType` flag beside the nodes.",
    ),
}

# Transactions of this module for which no public field table was found: infno -> what was searched.
UNPUBLISHED: dict[str, str] = {
    "4262": "only fengzaiqishi11/hsa-his FmiOwnpayPatnLedgerReqUtil.java calls it (mdtrtId, "
    "fixmedinsCode, totalFeeSumamt directly in input, no node, no types); code and pages corpora searched "
    "for 4262 已上传费用对账; second round: exact-string search (零报金额, 4262) and the Inner Mongolia "
    "models of openhis (no 426x): only enums naming it",
    "4263": "only fengzaiqishi11/hsa-his FmiOwnpayPatnLedgerResultReqUtil.java calls it (mdtrtId, "
    "fixmedinsCode, certno, pageNum, pageSize directly in input, no types); code and pages corpora searched "
    "for 4263 零报金额不符; second round as for 4262: nothing typed",
}
