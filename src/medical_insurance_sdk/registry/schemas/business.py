"""Field tables of the 医保业务服务 category: 2001, 2101-2103 pharmacy, 22xx outpatient, 23xx/24xx inpatient,
25xx 备案, 2601.

Sources: reference §3 (nhsa-protocol.md) for 2001-2601; the 25xx tables are the numbered spec rows copied
into newtouch-cloud/openhis `WinServiceAPI/YiBaoInterface/Models/{Input,Output}/*_25xx.cs`.  The pharmacy
tables 2101-2103 are the national spec's §6.2.2 (节点 druginfo/drugdetail, data) as two public clients
transcribe them, field for field: the OnlineBusHos244_GJYB models `T2102`/`T2103` (C#) and a C header of
pharmacy calls (`cal_druginfo_struct` ... `pullback_setlinfo_ret_struct`).  Neither prints lengths or the
必填 column: each field keeps the type of the same field in the national tables above (2204/2206/2208), and
the required ones are those 2204/2206 require (docs/interfaces.md, open questions).
Data only.
"""

from __future__ import annotations

from medical_insurance_sdk.registry.fields import Schema, extend, node

_REF = "reference §3"
_CQ_25 = "newtouch-cloud/openhis WinServiceAPI/YiBaoInterface/Models/{Input,Output}/"

# --- shared nodes ------------------------------------------------------------------------------------------

DISEINFO_2203 = node(
    "diseinfo",
    """
    diag_type       诊断类别          C3     Y  @diag_type
    diag_srt_no     诊断排序号        I2     Y
    diag_code       诊断代码          C20    Y
    diag_name       诊断名称          C100   Y
    diag_dept       诊断科室          C50    Y
    dise_dor_no     诊断医生编码      C30    Y
    dise_dor_name   诊断医生姓名      C50    Y
    diag_time       诊断时间          DT     Y
    vali_flag       有效标志          C3     Y  @vali_flag
    """,
    many=True,
    max_items=50,
    label="诊断信息",
)

FEEDETAIL_2204 = node(
    "feedetail",
    """
    feedetl_sn          费用明细流水号      C30     Y
    mdtrt_id            就诊ID              C30     Y
    psn_no              人员编号            C30     Y
    chrg_bchno          收费批次号          C30     Y
    dise_codg           病种编码            C30     N
    rxno                处方号              C30     N
    rx_circ_flag        外购处方标志        C3      Y  @rx_circ_flag
    fee_ocur_time       费用发生时间        DT      Y
    med_list_codg       医疗目录编码        C50     Y
    medins_list_codg    医药机构目录编码    C150    Y
    det_item_fee_sumamt 明细项目费用总额    N16,2   Y
    cnt                 数量                N16,4   Y
    pric                单价                N16,6   Y
    sin_dos_dscr        单次剂量描述        C200    N
    used_frqu_dscr      使用频次描述        C200    N
    prd_days            周期天数            N4,2    N
    medc_way_dscr       用药途径描述        C200    N
    bilg_dept_codg      开单科室编码        C30     Y
    bilg_dept_name      开单科室名称        C100    Y
    bilg_dr_codg        开单医生编码        C30     Y
    bilg_dr_name        开单医师姓名        C50     Y
    acord_dept_codg     受单科室编码        C30     N
    acord_dept_name     受单科室名称        C100    N
    orders_dr_code      受单医生编码        C30     N
    orders_dr_name      受单医生姓名        C50     N
    hosp_appr_flag      医院审批标志        C3      Y  @hosp_appr_flag
    tcmdrug_used_way    中药使用方式        C6      N
    etip_flag           外检标志            C3      N  @etip_flag
    etip_hosp_code      外检医院编码        C30     N
    dscg_tkdrug_flag    出院带药标志        C3      N  @dscg_tkdrug_flag
    matn_fee_flag       生育费用标志        C6      N
    exp_content         扩展内容            C4000   N  +obj
    """,
    many=True,
    max_items=1000,  # spec §6.2.2 expense_detail
    label="费用明细",
)

FEE_RESULT = node(
    "result",
    """
    feedetl_sn          费用明细流水号      C30
    det_item_fee_sumamt 明细项目费用总额    N16,2
    cnt                 数量                N16,4
    pric                单价                N16,6
    pric_uplmt_amt      定价上限金额        N16,6
    selfpay_prop        自付比例            N5,4
    fulamt_ownpay_amt   全自费金额          N16,2
    overlmt_amt         超限价金额          N16,2
    preselfpay_amt      先行自付金额        N16,2
    inscp_scp_amt       符合政策范围金额    N16,2
    chrgitm_lv          收费项目等级        C3      Y  @chrgitm_lv
    med_chrgitm_type    医疗收费项目类别    C6      Y  @med_chrgitm_type
    bas_medn_flag       基本药物标志        C3
    hi_nego_drug_flag   医保谈判药品标志    C3
    chld_medc_flag      儿童用药标志        C3
    list_sp_item_flag   目录特项标志        C3
    lmt_used_flag       限制使用标志        C3      Y  @lmt_used_flag
    drt_reim_flag       直报标志            C3
    memo                备注                C500
    """,
    many=True,
    label="费用明细上传结果",
)

# 2206/2207 and 2303/2304 settlement request; the 2207/2304 variants add the four amount parts.
_SETTLE_BASE = """
    psn_no            人员编号          C30    Y
    mdtrt_cert_type   就诊凭证类型      C3     Y  @mdtrt_cert_type
    mdtrt_cert_no     就诊凭证编号      C300   Y   # 03: card number + "|" + card data (266 seen)
    medfee_sumamt     医疗费总额        N16,2  Y
    psn_setlway       个人结算方式      C6     Y  @psn_setlway
    mdtrt_id          就诊ID            C30    Y
    insutype          险种类型          C6     Y  @insutype
    acct_used_flag    个人账户使用标志  C1     Y  @acct_used_flag
"""

_AMOUNT_PARTS_REQUIRED = """
    fulamt_ownpay_amt 全自费金额        N16,2  Y
    overlmt_selfpay   超限价金额        N16,2  Y
    preselfpay_amt    先行自付金额      N16,2  Y
    inscp_scp_amt     符合政策范围金额  N16,2  Y
"""

DATA_2206 = node(
    "data",
    _SETTLE_BASE
    + """
    med_type          医疗类别          C6     Y  @med_type
    chrg_bchno        收费批次号        C30    Y
    """,
    label="结算信息",
)
DATA_2207 = extend(DATA_2206, "invono 发票号 C20 N\n" + _AMOUNT_PARTS_REQUIRED)

DATA_2303 = node(
    "data",
    _SETTLE_BASE
    + """
    invono            发票号            C20    N
    mid_setl_flag     中途结算标志      C3     Y  @mid_setl_flag
    """
    + _AMOUNT_PARTS_REQUIRED,  # Y on 2303 in the CQ copy
    label="结算信息",
)
DATA_2304 = extend(
    DATA_2303,
    """
    fulamt_ownpay_amt 全自费金额        N16,2  N
    overlmt_selfpay   超限价金额        N16,2  N
    preselfpay_amt    先行自付金额      N16,2  N
    inscp_scp_amt     符合政策范围金额  N16,2  N
    """,
    drop=("fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt"),
)

# The settlement answer (reference §3 "2206/2207 output.setlinfo"), spelled out.
_SETL_PERSON = """
    psn_no            人员编号          C30
    psn_name          人员姓名          C50
    psn_cert_type     人员证件类型      C6     @psn_cert_type
    certno            证件号码          C50
    gend              性别              C6     @gend
    naty              民族              C3     @naty
    brdy              出生日期          D
    age               年龄              N4,1
    insutype          险种类型          C6     @insutype
    psn_type          人员类别          C6     @psn_type
    cvlserv_flag      公务员标志        C3     @cvlserv_flag
"""

_SETL_AMOUNTS = """
    medfee_sumamt     医疗费总额        N16,2
    fulamt_ownpay_amt 全自费金额        N16,2
    overlmt_selfpay   超限价自费费用    N16,2
    preselfpay_amt    先行自付金额      N16,2
    inscp_scp_amt     符合政策范围金额  N16,2
    act_pay_dedc      实际支付起付线    N16,2
    hifp_pay          基本医疗保险统筹基金支出  N16,2
    pool_prop_selfpay 基本医疗保险统筹基金支付比例  N5,4
    cvlserv_pay       公务员医疗补助资金支出    N16,2
    hifes_pay         企业补充医疗保险基金支出  N16,2
    hifmi_pay         居民大病保险资金支出      N16,2
    hifob_pay         职工大额医疗费用补助基金支出  N16,2
    maf_pay           医疗救助基金支出  N16,2
    oth_pay           其他支出          N16,2
    fund_pay_sumamt   基金支付总额      N16,2
    psn_part_amt      个人负担总金额    N16,2
    acct_pay          个人账户支出      N16,2
    psn_cash_pay      个人现金支出      N16,2
    hosp_part_amt     医院负担金额      N16,2
    balc              余额              N16,2
    acct_mulaid_pay   个人账户共济支付金额  N16,2
"""

_SETL_CLEARING = """
    medins_setl_id    医药机构结算ID    C30
    clr_optins        清算经办机构      C6
    clr_way           清算方式          C6
    clr_type          清算类别          C6     @clr_type
"""

SETLINFO_2207 = node(
    "setlinfo",
    """
    mdtrt_id          就诊ID            C30
    setl_id           结算ID            C30
    """
    + _SETL_PERSON
    + """
    setl_time         结算时间          DT
    mdtrt_cert_type   就诊凭证类型      C3     @mdtrt_cert_type
    med_type          医疗类别          C6     @med_type
    """
    + _SETL_AMOUNTS
    + _SETL_CLEARING,
    label="结算信息",
)
SETLINFO_2206 = extend(SETLINFO_2207, drop=("setl_id",))
# The inpatient copy also carries the 伤残人员医疗保障基金 item.
SETLINFO_2304 = extend(SETLINFO_2207, "hifdm_pay 伤残人员医疗保障基金支出 N16,2")
SETLINFO_2303 = extend(SETLINFO_2304, drop=("setl_id",))

# 2208/2305: the reversal answer; amounts are negative in real answers.
SETLINFO_CANCEL = node(
    "setlinfo",
    """
    mdtrt_id          就诊ID            C30
    setl_id           结算ID            C30
    clr_optins        清算经办机构      C6
    setl_time         结算时间          DT
    """
    + _SETL_AMOUNTS
    + """
    medins_setl_id    医药机构结算ID    C30
    """,
    label="结算撤销信息",
)
SETLINFO_2305 = extend(SETLINFO_CANCEL, "hifdm_pay 伤残人员医疗保障基金支出 N16,2")

SETLDETAIL = node(
    "setldetail",
    """
    fund_pay_type       基金支付类型        C6      @fund_pay_type
    inscp_scp_amt       符合政策范围金额    N16,2
    crt_payb_lmt_amt    本次可支付限额金额  N16,2
    fund_payamt         基金支付金额        N16,2
    fund_pay_type_name  基金支付类型名称    C200
    setl_proc_info      结算过程信息        C4000
    """,
    many=True,
    label="结算基金分项信息",
)

# --- 2101-2103 pharmacy settlement -----------------------------------------------------------------------

_PHARMACY_SRC = (
    "national spec §6.2.2 as transcribed by the OnlineBusHos244_GJYB models T2102/T2103 and a public C "
    "header of pharmacy calls (cal_/trans_druginfo_struct, pullback_struct); types from the same fields of "
    "2204/2206/2208, required flags as 2204/2206 (not printed in either copy)"
)

DRUGINFO = node(
    "druginfo",
    """
    psn_no            人员编号          C30    Y
    mdtrt_cert_type   就诊凭证类型      C3     Y  @mdtrt_cert_type
    mdtrt_cert_no     就诊凭证编号      C50    Y
    begntime          开始时间          DT     Y
    medfee_sumamt     医疗费总额        N16,2  Y
    invono            发票号            C20    N
    insutype          险种类型          C6     Y  @insutype
    dise_codg         病种编码          C30    N
    dise_name         病种名称          C500   N
    acct_used_flag    个人账户使用标志  C1     Y  @acct_used_flag
    med_type          医疗类别          C6     Y  @med_type
    expContent        扩展内容          C4000  N
    """,
    label="购药信息",
)

DRUGDETAIL = node(
    "drugdetail",
    """
    feedetl_sn          费用明细流水号      C30     Y
    rxno                处方号              C30     N
    rx_circ_flag        外购处方标志        C3      N  @rx_circ_flag
    fee_ocur_time       费用发生时间        DT      Y
    med_list_codg       医疗目录编码        C50     Y
    medins_list_codg    医药机构目录编码    C150    Y
    det_item_fee_sumamt 明细项目费用总额    N16,2   Y
    cnt                 数量                N16,4   Y
    pric                单价                N16,6   Y
    sin_dos_dscr        单次剂量描述        C200    N
    used_frqu_dscr      使用频次描述        C200    N
    prd_days            周期天数            N4,2    N
    medc_way_dscr       用药途径描述        C200    N
    bilg_dr_codg        开单医生编码        C30     N
    bilg_dr_name        开单医师姓名        C50     N
    tcmdrug_used_way    中药使用方式        C6      N
    """,
    many=True,
    max_items=1000,  # spec §6.2.2 expense_detail, as 2204
    label="购药明细",
)

# The pharmacy answers carry no hosp_part_amt (a pharmacy bears none); 2101 has no setl_id yet.
SETLINFO_2102 = extend(SETLINFO_2207, drop=("hosp_part_amt",))
SETLINFO_2101 = extend(SETLINFO_2102, drop=("setl_id",))
# 2103 answers the 2208 layout; the copies spell two of its amounts psn_pay / cash_payamt.
SETLINFO_2103 = extend(
    SETLINFO_CANCEL,
    """
    psn_pay           个人支付金额      N16,2
    cash_payamt       现金支付金额      N16,2
    """,
)
DETLCUTINFO = extend(FEE_RESULT, name="detlcutinfo", drop=("lmt_used_flag",), label="明细分割信息")

# --- 2401-2405 --------------------------------------------------------------------------------------------

MDTRTINFO_2401 = node(
    "mdtrtinfo",
    """
    psn_no              人员编号            C30     Y
    insutype            险种类型            C6      Y  @insutype
    coner_name          联系人姓名          C50     N
    tel                 联系电话            C50     N
    begntime            开始时间            DT      Y
    mdtrt_cert_type     就诊凭证类型        C3      Y  @mdtrt_cert_type
    mdtrt_cert_no       就诊凭证编号        C300    Y   # 03: card number + "|" + card data (266 seen)
    med_type            医疗类别            C6      Y  @med_type
    ipt_no              住院号              C30     Y
    medrcdno            病历号              C30     N
    atddr_no            主治医生编码        C30     Y
    chfpdr_name         主诊医师姓名        C50     Y
    adm_diag_dscr       入院诊断描述        C200    Y
    adm_dept_codg       入院科室编码        C30     Y
    adm_dept_name       入院科室名称        C100    Y
    adm_bed             入院床位            C30     Y
    dscg_maindiag_code  住院主诊断代码      C20     Y
    dscg_maindiag_name  住院主诊断名称      C300    Y
    main_cond_dscr      主要病情描述        C1000   N
    dise_codg           病种编码            C30     N
    dise_name           病种名称            C500    N
    oprn_oprt_code      手术操作代码        C30     N
    oprn_oprt_name      手术操作名称        C500    N
    fpsc_no             计划生育服务证号    C50     N
    matn_type           生育类别            C6      N  @matn_type
    birctrl_type        计划生育手术类别    C6      N  @birctrl_type
    latechb_flag        晚育标志            C3      N  @latechb_flag
    geso_val            孕周数              I2      N
    fetts               胎次                I3      N
    fetus_cnt           胎儿数              I3      N
    pret_flag           早产标志            C3      N  @pret_flag
    birctrl_matn_date   计划生育手术或生育日期  D   N
    dise_type_code      病种类型            C6      N
    exp_content         扩展内容            C4000   N  +obj
    """,
    label="就诊信息",
)

DISEINFO_2401 = node(
    "diseinfo",
    """
    psn_no          人员编号          C30    Y
    diag_type       诊断类别          C3     Y  @diag_type
    maindiag_flag   主诊断标志        C3     Y  @maindiag_flag
    diag_srt_no     诊断排序号        I2     Y
    diag_code       诊断代码          C20    Y
    diag_name       诊断名称          C100   Y
    adm_cond        入院病情          C500   N
    diag_dept       诊断科室          C50    Y
    dise_dor_no     诊断医生编码      C30    Y
    dise_dor_name   诊断医生姓名      C50    Y
    diag_time       诊断时间          DT     Y
    """,
    many=True,
    max_items=50,
    label="入院诊断信息",
)

DSCGINFO_2402 = node(
    "dscginfo",
    """
    mdtrt_id            就诊ID              C30     Y
    psn_no              人员编号            C30     Y
    insutype            险种类型            C6      Y  @insutype
    endtime             结束时间            DT      Y
    dise_codg           病种编码            C30     N
    dise_name           病种名称            C500    N
    oprn_oprt_code      手术操作代码        C30     N
    oprn_oprt_name      手术操作名称        C500    N
    fpsc_no             计划生育服务证号    C50     N
    matn_type           生育类别            C6      N  @matn_type
    birctrl_type        计划生育手术类别    C6      N  @birctrl_type
    latechb_flag        晚育标志            C3      N  @latechb_flag
    geso_val            孕周数              I2      N
    fetts               胎次                I3      N
    fetus_cnt           胎儿数              I3      N
    pret_flag           早产标志            C3      N  @pret_flag
    birctrl_matn_date   计划生育手术或生育日期  D   N
    cop_flag            伴有并发症标志      C3      N  @cop_flag
    dscg_dept_codg      出院科室编码        C30     Y
    dscg_dept_name      出院科室名称        C100    Y
    dscg_bed            出院床位            C30     N
    dscg_way            离院方式            C3      Y  @dscg_way
    die_date            死亡日期            D       N
    """,
    label="出院信息",
)

# 2403 uses `adminfo`: the 2401 row without insutype / mdtrt_cert_no, ipt_otp_no instead of ipt_no.
ADMINFO_2403 = extend(
    MDTRTINFO_2401,
    """
    mdtrt_id            就诊ID              C30     Y
    endtime             结束时间            DT      N
    ipt_otp_no          住院/门诊号         C30     Y
    """,
    name="adminfo",
    drop=("insutype", "mdtrt_cert_no", "ipt_no"),
    label="入院信息",
)
DISEINFO_2403 = extend(DISEINFO_2401, "mdtrt_id 就诊ID C30 N")

DATA_MDTRT_PSN = node(
    "data",
    """
    mdtrt_id      就诊ID      C30    Y
    psn_no        人员编号    C30    Y
    exp_content   扩展内容    C4000  N  +obj
    """,
)

# --- 25xx 备案 ---------------------------------------------------------------------------------------------

DCLA_RESULT = node("result", "trt_dcla_detl_sn 待遇申报明细流水号 C30", label="备案结果")

DCLA_CANCEL = node(
    "data",
    """
    trt_dcla_detl_sn  待遇申报明细流水号  C30   Y
    psn_no            人员编号            C30   Y
    memo              备注                C500  Y   # 填写撤销原因
    """,
)

SCHEMAS: dict[str, Schema] = {
    "2001": Schema(
        "full",
        request=(
            node(
                "data",
                """
                psn_no          人员编号          C30    Y
                insutype        险种类型          C6     Y  @insutype  =310    # spec §2.2.1 body omits it
                fixmedins_code  定点医药机构编号  C30    Y   # 12 in one copy, 30 in another (§7)
                med_type        医疗类别          C6     Y  @med_type  =11     # spec §2.2.1: 普通门诊
                begntime        开始时间          DT     Y  <check_date        # spec §2.2.1's name
                endtime         结束时间          DT     N
                dise_codg       病种编码          C30    N
                dise_name       病种名称          C500   N
                oprn_oprt_code  手术操作代码      C30    N   # required for 日间手术
                oprn_oprt_name  手术操作名称      C500   N
                matn_type       生育类别          C6     N  @matn_type
                birctrl_type    计划生育手术类别  C6     N  @birctrl_type
                """,
            ),
        ),
        response=(
            node(
                "trtinfo",
                """
                psn_no            人员编号          C30
                trt_chk_type      待遇检查类型      C6     @trt_chk_type
                fund_pay_type     基金支付类型      C6     @fund_pay_type
                trt_enjymnt_flag  基金款项待遇享受标志  C3  @trt_enjymnt_flag
                begndate          开始日期          D
                enddate           结束日期          D
                trt_chk_rslt      待遇检查结果      C500
                """,
                many=True,
                label="待遇检查信息",
            ),
        ),
        source=_REF + " 2001",
    ),
    "2101": Schema(
        "full",
        request=(DRUGINFO, DRUGDETAIL),
        response=(SETLINFO_2101, SETLDETAIL, DETLCUTINFO),
        source=_PHARMACY_SRC + "; 2101 answers without setl_id",
    ),
    "2102": Schema(
        "full",
        request=(DRUGINFO, DRUGDETAIL),
        response=(SETLINFO_2102, SETLDETAIL, DETLCUTINFO),
        source=_PHARMACY_SRC,
    ),
    "2103": Schema(
        "full",
        request=(
            node(
                "data",
                """
                setl_id     结算ID      C30    Y
                mdtrt_id    就诊ID      C30    Y
                psn_no      人员编号    C30    Y
                expContent  扩展内容    C4000  N
                """,
            ),
        ),
        response=(SETLINFO_2103, SETLDETAIL),
        source=_PHARMACY_SRC + "; answer as 2208",
    ),
    "2201": Schema(
        "full",
        request=(
            node(
                "data",
                """
                psn_no          人员编号          C30    Y
                insutype        险种类型          C6     Y  @insutype
                begntime        开始时间          DT     Y   # 挂号时间
                mdtrt_cert_type 就诊凭证类型      C3     Y  @mdtrt_cert_type
                mdtrt_cert_no   就诊凭证编号      C300   Y   # 03: card number + "|" + card data
                ipt_otp_no      住院/门诊号       C30    Y   # 院内唯一流水
                atddr_no        医师编码          C30    Y
                dr_name         医师姓名          C50    Y
                dept_code       科室编码          C30    Y
                dept_name       科室名称          C100   Y
                caty            科别              C6     Y
                """,
            ),
        ),
        response=(
            node(
                "data",
                """
                mdtrt_id    就诊ID        C30
                psn_no      人员编号      C30
                ipt_otp_no  住院/门诊号   C30
                """,
            ),
        ),
        source=_REF + " 2201",
    ),
    "2202": Schema(
        "full",
        request=(
            node(
                "data",
                """
                psn_no      人员编号      C30   Y
                mdtrt_id    就诊ID        C30   Y
                ipt_otp_no  住院/门诊号   C30   Y
                """,
            ),
        ),
        source=_REF + " 2202 (no output body)",
    ),
    "2203": Schema(
        "full",
        request=(
            node(
                "mdtrtinfo",
                """
                mdtrt_id          就诊ID            C30    Y
                psn_no            人员编号          C30    Y
                med_type          医疗类别          C6     Y  @med_type
                begntime          开始时间          DT     Y
                main_cond_dscr    主要病情描述      C1000  N
                dise_codg         病种编码          C30    N   # 按病种/慢特病目录代码
                dise_name         病种名称          C500   N
                birctrl_type      计划生育手术类别  C6     N  @birctrl_type
                birctrl_matn_date 计划生育手术或生育日期  D  N
                matn_type         生育类别          C6     N  @matn_type   # 2203A [L?]
                geso_val          孕周数            I2     N               # 2203A [L?]
                expContent        扩展内容          C4000  N
                """,
                label="就诊信息",
            ),
            DISEINFO_2203,
        ),
        source=_REF + " 2203 (no output body)",
    ),
    "2204": Schema(
        "full",
        request=(FEEDETAIL_2204,),
        response=(FEE_RESULT,),
        source=_REF + " 2204; feedetail max 1000 rows (spec §6.2.2)",
    ),
    "2205": Schema(
        "full",
        request=(
            node(
                "data",
                """
                mdtrt_id    就诊ID      C30   Y
                chrg_bchno  收费批次号  C30   Y   # "0000" deletes all unsettled detail
                psn_no      人员编号    C30   Y
                """,
            ),
        ),
        source=_REF + " 2205 (no output body)",
    ),
    "2206": Schema(
        "full",
        request=(DATA_2206,),
        response=(SETLINFO_2206, SETLDETAIL),
        source=_REF + " 2206/2207",
    ),
    "2207": Schema(
        "full",
        request=(DATA_2207,),
        response=(SETLINFO_2207, SETLDETAIL),
        source=_REF + " 2206/2207",
    ),
    "2208": Schema(
        "full",
        request=(
            node(
                "data",
                """
                setl_id   结算ID    C30   Y
                mdtrt_id  就诊ID    C30   Y
                psn_no    人员编号  C30   Y
                """,
            ),
        ),
        response=(SETLINFO_CANCEL, SETLDETAIL),
        source=_REF + " 2208 (the spec's pdn_cash_pay is read as psn_cash_pay, §7.10)",
    ),
    "2301": Schema(
        "full",
        request=(
            extend(
                FEEDETAIL_2204,
                """
                init_feedetl_sn 原费用流水号    C30    N   # refunds: cnt is then negative
                drord_no        医嘱号          C30    N
                med_type        医疗类别        C6     Y  @med_type
                memo            备注            C500   N
                hosp_appr_flag  医院审批标志    C3     N  @hosp_appr_flag
                """,
                drop=(
                    "chrg_bchno",
                    "dise_codg",
                    "rxno",
                    "rx_circ_flag",
                    "sin_dos_dscr",
                    "used_frqu_dscr",
                    "prd_days",
                    "medc_way_dscr",
                    "exp_content",
                    "hosp_appr_flag",
                ),
            ),
        ),
        response=(FEE_RESULT,),
        source=_REF + " 2301 (= 2204 row - 9 fields + 4)",
    ),
    "2302": Schema(
        "full",
        request=(
            node(
                "data",
                """
                feedetl_sn  费用明细流水号  C30   Y   # "0000" deletes all
                mdtrt_id    就诊ID          C30   Y
                psn_no      人员编号        C30   Y
                """,
            ),
        ),
        source=_REF + " 2302 (no output body)",
    ),
    "2303": Schema(
        "full",
        request=(DATA_2303,),
        response=(SETLINFO_2303, SETLDETAIL),
        source=_REF + " 2303/2304 (amount parts required on 2303 per the CQ copy)",
    ),
    "2304": Schema(
        "full",
        request=(DATA_2304,),
        response=(SETLINFO_2304, SETLDETAIL),
        source=_REF + " 2303/2304",
    ),
    "2305": Schema(
        "full",
        request=(
            node(
                "data",
                """
                mdtrt_id  就诊ID    C30   Y
                setl_id   结算ID    C30   Y
                psn_no    人员编号  C30   Y
                """,
            ),
        ),
        response=(SETLINFO_2305, SETLDETAIL),
        source=_REF + " 2305 (output like 2208)",
    ),
    "2401": Schema(
        "full",
        request=(MDTRTINFO_2401, DISEINFO_2401),
        response=(node("result", "mdtrt_id 就诊ID C30"),),
        source=_REF + " 2401",
    ),
    "2402": Schema(
        "full",
        request=(DSCGINFO_2402, extend(DISEINFO_2401, label="出院诊断信息")),
        source=_REF + " 2402 (output {} in real answers)",
    ),
    "2403": Schema(
        "full",
        request=(ADMINFO_2403, DISEINFO_2403),
        source=_REF + " 2403 (node adminfo)",
    ),
    "2404": Schema("full", request=(DATA_MDTRT_PSN,), source=_REF + " 2404"),
    "2405": Schema("full", request=(DATA_MDTRT_PSN,), source=_REF + " 2405"),
    "2501": Schema(
        "full",
        request=(
            node(
                "refmedin",
                """
                psn_no              人员编号            C30    Y
                insutype            险种类型            C6     N  @insutype
                tel                 联系电话            C50    N
                addr                联系地址            C200   N
                insu_optins         参保机构医保区划    C6     N
                diag_code           诊断代码            C20    Y
                diag_name           诊断名称            C100   Y
                dise_cond_dscr      疾病病情描述        C2000  N
                reflin_medins_no    转往定点医药机构编号  C30  Y   # 12 in the copy; 30 elsewhere (§7)
                reflin_medins_name  转往医院名称        C200   Y
                mdtrtarea_admdvs    就医地行政区划      C6     Y
                hosp_agre_refl_flag 医院同意转院标志    C3     N
                refl_type           转院类型            C30    Y
                refl_date           转院日期            D      Y
                refl_rea            转院原因            C100   Y
                refl_opnn           转院意见            C200   Y
                begndate            开始日期            D      N
                enddate             结束日期            D      N
                refl_used_flag      转诊使用标志        C3     N
                """,
                label="转院备案信息",
            ),
        ),
        response=(DCLA_RESULT,),
        source=_CQ_25 + "Input_2501.cs, Output_2501.cs",
    ),
    "2502": Schema(
        "full",
        request=(
            node(
                "data",
                """
                trt_dcla_detl_sn  待遇申报明细流水号  C30   Y
                psn_no            人员编号            C30   Y
                memo              备注                C500  N   # 填写撤销原因
                """,
            ),
        ),
        source=_CQ_25 + "Input_2502.cs",
    ),
    "2503": Schema(
        "full",
        request=(
            node(
                "data",
                """
                psn_no              人员编号            C30    Y
                insutype            险种类型            C6     Y  @insutype
                opsp_dise_code      门慢门特病种目录代码  C30  Y
                opsp_dise_name      门慢门特病种名称    C300   Y
                tel                 联系电话            C50    N
                addr                联系地址            C200   N
                insu_optins         参保机构医保区划    C6     Y
                ide_fixmedins_no    鉴定定点医药机构编号  C30  Y
                ide_fixmedins_name  鉴定定点医药机构名称  C200 Y
                hosp_ide_date       医院鉴定日期        D      Y
                diag_dr_codg        诊断医师编码        C30    Y
                diag_dr_name        诊断医师姓名        C50    Y
                begndate            开始日期            D      Y
                enddate             结束日期            D      N
                """,
            ),
        ),
        response=(DCLA_RESULT,),
        source=_CQ_25 + "Input_2503.cs, Output_2503.cs",
    ),
    "2504": Schema("full", request=(DCLA_CANCEL,), source=_CQ_25 + "Input_2504.cs"),
    "2505": Schema(
        "full",
        request=(
            node(
                "data",
                """
                psn_no            人员编号          C30    Y
                tel               联系电话          C50    N
                addr              联系地址          C200   N
                biz_appy_type     业务申请类型      C3     Y
                begndate          开始日期          D      Y
                enddate           结束日期          D      N
                agnter_name       代办人姓名        C50    N
                agnter_cert_type  代办人证件类型    C6     N
                agnter_certno     代办人证件号码    C50    N
                agnter_tel        代办人联系方式    C30    N
                agnter_addr       代办人联系地址    C200   N
                agnter_rlts       代办人关系        C3     N
                fix_srt_no        定点排序号        C3     Y
                fixmedins_code    定点医药机构编号  C30    Y   # 12 in the copy; 30 elsewhere (§7)
                fixmedins_name    定点医药机构名称  C200   Y
                memo              备注              C500   N
                """,
            ),
        ),
        response=(DCLA_RESULT,),
        source=_CQ_25 + "Input_2505.cs, Output_2505.cs",
    ),
    "2506": Schema("full", request=(DCLA_CANCEL,), source=_CQ_25 + "Input_2506.cs"),
    "2601": Schema(
        "full",
        request=(
            node(
                "data",
                """
                psn_no  人员编号          C30   Y
                omsgid  原发送方报文ID    C30   Y
                oinfno  原交易编号        C6    Y   # 4 in the table; suffix variants such as 2207A exist
                """,
            ),
        ),
        source=_REF + " 2601 (no meaningful output body)",
    ),
}
