"""Field tables of the 信息查询服务 category: 5101-5102, 5201-5206, 5301-5304 (5401-5461: query_mutual.py).

5102: binzhe12123/Medical `SYB/XXCJ/YZ5102.cs` (typed rows with 代码 and 必填 columns).

Sources: reference §3 "5201-5206 queries"; the typed spec rows of binzhe12123/Medical
`SY.Com.Medical.Model/SYB/XXCX/*.cs` (JZ5201, FY5204, MBYY5205, ZY5303, RY5302, ZY5304);
newtouch-cloud/openhis `WinServiceAPI/YiBaoInterface/Models/{Input,Output}/*_5102.cs, *_5301.cs`.  Output node
names as read by fengzaiqishi11/hsa-his (5203 setlinfo/setldetail, 5205 feedetail, 5206 cuminfo, 5302
psnfixmedin, 5304 refmedin); 5204 answers with a bare list in ``output``.  Data only.
"""

from __future__ import annotations

from medical_insurance_sdk.registry.fields import Schema, extend, node, root
from medical_insurance_sdk.registry.schemas.business import SETLDETAIL, SETLINFO_2304

_REF = "reference §3 5201-5206"
_SZ = "binzhe12123/Medical SY.Com.Medical.Model/SYB/"
_CQ = "newtouch-cloud/openhis WinServiceAPI/YiBaoInterface/Models/"

_PERSON = """
    psn_no          人员编号        C30
    psn_cert_type   人员证件类型    C6     @psn_cert_type
    certno          证件号码        C50
    psn_name        人员姓名        C50
    gend            性别            C6     @gend
    naty            民族            C3     @naty
    brdy            出生日期        D
    age             年龄            N4,1
"""

_OPERATOR = """
    opter_id        经办人ID        C20
    opter_name      经办人姓名      C50
    opt_time        经办时间        DT
"""

MDTRTINFO_5201 = node(
    "mdtrtinfo",
    """
    mdtrt_id            就诊ID              C30
    """
    + _PERSON
    + """
    coner_name          联系人姓名          C50
    tel                 联系电话            C50
    insutype            险种类型            C6     @insutype
    psn_type            人员类别            C6     @psn_type
    maf_psn_flag        医疗救助对象标志    C3
    cvlserv_flag        公务员标志          C3     @cvlserv_flag
    flxempe_flag        灵活就业标志        C3
    nwb_flag            新生儿标志          C3
    insu_optins         参保机构医保区划    C6
    emp_name            单位名称            C200
    begntime            开始时间            DT
    endtime             结束时间            DT
    mdtrt_cert_type     就诊凭证类型        C3     @mdtrt_cert_type
    med_type            医疗类别            C6     @med_type
    ars_year_ipt_flag   跨年度住院标志      C3
    pre_pay_flag        先行支付标志        C3
    ipt_otp_no          住院/门诊号         C30
    medrcdno            病历号              C30
    atddr_no            主治医生编码        C30
    chfpdr_name         主诊医师姓名        C50
    adm_dept_codg       入院科室编码        C30
    adm_dept_name       入院科室名称        C100
    adm_bed             入院床位            C30
    dscg_maindiag_code  住院主诊断代码      C20
    dscg_maindiag_name  住院主诊断名称      C300
    dscg_dept_codg      出院科室编码        C30
    dscg_dept_name      出院科室名称        C100
    dscg_bed            出院床位            C30
    dscg_way            离院方式            C3     @dscg_way
    main_cond_dscr      主要病情描述        C1000
    dise_codg           病种编码            C30
    dise_name           病种名称            C500
    oprn_oprt_code      手术操作代码        C30
    oprn_oprt_name      手术操作名称        C500
    otp_diag_info       门诊诊断信息        C200
    inhosp_stas         在院状态            C3
    die_date            死亡日期            D
    ipt_days            住院天数            N4,0
    fpsc_no             计划生育服务证号    C50
    matn_type           生育类别            C6     @matn_type
    birctrl_type        计划生育手术类别    C6     @birctrl_type
    latechb_flag        晚育标志            C3     @latechb_flag
    geso_val            孕周数              I2
    fetts               胎次                I3
    fetus_cnt           胎儿数              I3
    pret_flag           早产标志            C3     @pret_flag
    birctrl_matn_date   计划生育手术或生育日期  D
    cop_flag            伴有并发症标志      C3     @cop_flag
    """
    + _OPERATOR
    + """
    memo                备注                C500
    """,
    many=True,
    label="就诊信息",
)

DISEINFO_5202 = node(
    "diseinfo",
    """
    diag_info_id    诊断信息ID      C30
    mdtrt_id        就诊ID          C30
    psn_no          人员编号        C30
    inout_diag_type 出入院诊断类别  C3     @inout_diag_type
    diag_type       诊断类别        C3     @diag_type
    maindiag_flag   主诊断标志      C3     @maindiag_flag
    diag_srt_no     诊断排序号      I2
    diag_code       诊断代码        C20
    diag_name       诊断名称        C100
    adm_cond        入院病情        C500
    diag_dept       诊断科室        C50
    dise_dor_no     诊断医生编码    C30
    dise_dor_name   诊断医生姓名    C50
    diag_time       诊断时间        DT
    """
    + _OPERATOR,
    many=True,
    label="诊断信息",
)

# 5203: the 2207 settlement set (inpatient copy, with hifdm_pay) plus the query-only columns.
SETLINFO_5203 = extend(
    SETLINFO_2304,
    """
    pay_loc           支付地点类别          C6
    fixmedins_code    定点医药机构编号      C30
    fixmedins_name    定点医药机构名称      C200
    hosp_lv           医院等级              C6
    begndate          开始日期              D
    enddate           结束日期              D
    psn_pay           个人支付金额          N16,2
    cash_payamt       现金支付金额          N16,2
    refd_setl_flag    退费结算标志          C3     @refd_setl_flag
    year              年度                  C4
    invono            发票号                C20
    emp_name          单位名称              C200
    """,
)

# 5204 row (the answer is a bare list in `output`, see module docstring).
FEE_ROW_5204 = node(
    "output",
    """
    mdtrt_id            就诊ID              C30
    setl_id             结算ID              C30
    feedetl_sn          费用明细流水号      C30
    rx_drord_no         处方/医嘱号         C30
    med_type            医疗类别            C6     @med_type
    fee_ocur_time       费用发生时间        DT
    cnt                 数量                N16,4
    pric                单价                N16,6
    sin_dos_dscr        单次剂量描述        C200
    used_frqu_dscr      使用频次描述        C200
    prd_days            周期天数            N4,2
    medc_way_dscr       用药途径描述        C200
    det_item_fee_sumamt 明细项目费用总额    N16,2
    pric_uplmt_amt      定价上限金额        N16,6
    selfpay_prop        自付比例            N5,4
    fulamt_ownpay_amt   全自费金额          N16,2
    overlmt_amt         超限价金额          N16,2
    preselfpay_amt      先行自付金额        N16,2
    inscp_scp_amt       符合政策范围金额    N16,2
    chrgitm_lv          收费项目等级        C3     @chrgitm_lv
    hilist_code         医保目录编码        C50
    hilist_name         医保目录名称        C200
    list_type           目录类别            C6     @list_type
    med_list_codg       医疗目录编码        C50
    medins_list_codg    医药机构目录编码    C150
    medins_list_name    医药机构目录名称    C100
    med_chrgitm_type    医疗收费项目类别    C6     @med_chrgitm_type
    prodname            商品名              C200
    spec                规格                C200
    dosform_name        剂型名称            C200
    bilg_dept_codg      开单科室编码        C30
    bilg_dept_name      开单科室名称        C100
    bilg_dr_codg        开单医生编码        C30
    bilg_dr_name        开单医师姓名        C50
    acord_dept_codg     受单科室编码        C30
    acord_dept_name     受单科室名称        C100
    orders_dr_code      受单医生编码        C30
    orders_dr_name      受单医生姓名        C50
    lmt_used_flag       限制使用标志        C3     @lmt_used_flag
    hosp_prep_flag      医院制剂标志        C3
    hosp_appr_flag      医院审批标志        C3     @hosp_appr_flag
    tcmdrug_used_way    中药使用方式        C6
    prodplac_type       生产地类别          C6
    bas_medn_flag       基本药物标志        C3
    hi_nego_drug_flag   医保谈判药品标志    C3
    chld_medc_flag      儿童用药标志        C3
    etip_flag           外检标志            C3     @etip_flag
    etip_hosp_code      外检医院编码        C30
    dscg_tkdrug_flag    出院带药标志        C3     @dscg_tkdrug_flag
    list_sp_item_flag   目录特项标志        C3
    matn_fee_flag       生育费用标志        C6
    drt_reim_flag       直报标志            C3
    memo                备注                C500
    """
    + _OPERATOR,
    many=True,
    label="费用明细",
)

FEEDETAIL_5205 = node(
    "feedetail",
    """
    feedetl_sn        费用明细流水号    C30
    rx_drord_no       处方/医嘱号       C30
    fixmedins_code    定点医药机构编号  C30
    fixmedins_name    定点医药机构名称  C200
    psn_no            人员编号          C30
    med_type          医疗类别          C6     @med_type
    fee_ocur_time     费用发生时间      DT
    cnt               数量              N16,4
    pric              单价              N16,6
    chrgitm_lv        收费项目等级      C3     @chrgitm_lv
    hilist_code       医保目录编码      C50
    hilist_name       医保目录名称      C200
    list_type         目录类别          C6     @list_type
    med_list_codg     医疗目录编码      C50
    medins_list_codg  医药机构目录编码  C150
    medins_list_name  医药机构目录名称  C100
    med_chrgitm_type  医疗收费项目类别  C6     @med_chrgitm_type
    prodname          商品名            C200
    spec              规格              C200
    dosform_name      剂型名称          C200
    lmt_used_flag     限制使用标志      C3     @lmt_used_flag
    hosp_prep_flag    医院制剂标志      C3
    hosp_appr_flag    医院审批标志      C3     @hosp_appr_flag
    tcmdrug_used_way  中药使用方式      C6
    prodplac_type     生产地类别        C6
    bas_medn_flag     基本药物标志      C3
    hi_nego_drug_flag 医保谈判药品标志  C3
    chld_medc_flag    儿童用药标志      C3
    etip_flag         外检标志          C3     @etip_flag
    etip_hosp_code    外检医院编码      C30
    dscg_tkdrug_flag  出院带药标志      C3     @dscg_tkdrug_flag
    list_sp_item_flag 目录特项标志      C3
    matn_fee_flag     生育费用标志      C6
    memo              备注              C500
    """
    + _OPERATOR,
    many=True,
    label="慢特病用药记录",
)

DATA_PSN_PERIOD = node(
    "data",
    """
    psn_no      人员编号    C30   N
    begntime    开始时间    DT    Y
    endtime     结束时间    DT    Y
    """,
)

_NM = "NeiMengGuYiBaoApp (public Inner Mongolia client) Models/"

SCHEMAS: dict[str, Schema] = {
    "5101": Schema(
        "full",
        response=(
            node(
                "feedetail",
                """
                hosp_dept_codg     医院科室编码      C20   Y
                hosp_dept_name     医院科室名称      C100  Y
                begntime           开始时间          DT    Y
                endtime            结束时间          DT
                itro               简介              C500
                dept_resper_name   科室负责人姓名    C50   Y
                dept_resper_tel    科室负责人电话    C50   Y
                dept_med_serv_scp  科室医疗服务范围  C500
                caty               科别              C6    Y
                dept_estbdat       科室成立日期      DT
                aprv_bed_cnt       批准床位数量      I11
                hi_crtf_bed_cnt    医保认可床位数    I11
                poolarea_no        统筹区编号        C6
                dr_psncnt          医师人数          I5
                phar_psncnt        药师人数          I5
                nurs_psncnt        护士人数          I5
                tecn_psncnt        技师人数          I5
                memo               备注              C500
                """,
                many=True,
                label="科室信息",
            ),
        ),
        source=(
            _NM + "Output/YiBao/Output_5101.cs (numbered spec rows); Input/YiBao/Input_5101.cs carries the "
            "envelope only, and fengzaiqishi11/hsa-his InsureUnifiedBaseBOImpl.java sends an empty input and "
            "reads output.feedetail"
        ),
    ),
    "5102": Schema(
        "full",
        request=(
            node(
                "data",
                """
                prac_psn_type   执业人员分类    C6    Y   # medins_psn_type: 1 医师 2 护士 3 药师 4 医技人员
                psn_cert_type   人员证件类型    C6    N  @psn_cert_type
                certno          证件号码        C50   N
                prac_psn_name   执业人员姓名    C50   N
                prac_psn_code   执业人员代码    C20   N
                """,
            ),
        ),
        response=(
            node(
                "data",
                """
                psn_cert_type   人员证件类型          C6    Y  @psn_cert_type
                certno          证件号码              C50   Y
                prac_psn_no     执业人员自编号        C20
                prac_psn_code   执业人员代码          C20   Y
                prac_psn_name   执业人员姓名          C50   Y
                prac_psn_type   执业人员分类          C6    Y
                prac_psn_cert   执业人员资格证书编码  C30
                prac_cert_no    执业证书编号          C30
                hi_dr_flag      医保医师标志          C3    Y
                begntime        开始时间              DT    Y
                endtime         结束时间              DT
                chg_rea         变更原因              C200
                """,
                many=True,
                label="医执人员信息",
            ),
        ),
        source=(
            _SZ
            + "XXCJ/YZ5102.cs (spec rows: type, length, 代码 and 必填 columns, In5102/Out5102); node names: "
            + _CQ
            + "Input/Input_5102.cs, Output/Output_5102.cs"
        ),
        notes="A lone Y after a length is the 代码 column (psn_cert_type in the request); Y Y is 代码 "
        "and 必填.",
    ),
    "5201": Schema(
        "full",
        request=(
            node(
                "data",
                """
                psn_no    人员编号  C30   Y
                begntime  开始时间  DT    Y
                endtime   结束时间  DT    Y
                med_type  医疗类别  C6    Y  @med_type
                mdtrt_id  就诊ID    C30   N
                """,
            ),
        ),
        response=(MDTRTINFO_5201,),
        source=f"{_REF}; {_SZ}XXCX/JZ5201.cs (output node name mdtrtinfo [U])",
    ),
    "5202": Schema(
        "full",
        request=(
            node(
                "data",
                """
                mdtrt_id  就诊ID    C30   Y
                psn_no    人员编号  C30   Y
                """,
            ),
        ),
        response=(DISEINFO_5202,),
        source=f"{_REF} (output node name diseinfo [U])",
    ),
    "5203": Schema(
        "full",
        request=(
            node(
                "data",
                """
                psn_no    人员编号  C30   Y
                setl_id   结算ID    C30   Y
                mdtrt_id  就诊ID    C30   Y
                """,
            ),
        ),
        response=(SETLINFO_5203, SETLDETAIL),
        source=_REF + " (setlinfo = the 2207 set + query columns)",
    ),
    "5204": Schema(
        "full",
        request=(
            node(
                "data",
                """
                psn_no    人员编号  C30   Y
                setl_id   结算ID    C30   N
                mdtrt_id  就诊ID    C30   Y
                """,
            ),
        ),
        response=(root(FEE_ROW_5204.fields, many=True),),
        source=f"{_REF}; {_SZ}XXCX/FY5204.cs",
        notes="output is a bare list of fee rows",
    ),
    "5205": Schema(
        "full",
        request=(
            node(
                "data",
                """
                psn_no    人员编号  C30   Y
                begntime  开始时间  DT    Y
                endtime   结束时间  DT    N
                """,
            ),
        ),
        response=(FEEDETAIL_5205,),
        source=f"{_REF}; {_SZ}XXCX/MBYY5205.cs",
        notes="output columns after medins_list_codg (the 'catalogue flags') follow the 5204 row [U]",
    ),
    "5206": Schema(
        "full",
        request=(
            node(
                "data",
                """
                psn_no  人员编号  C30   Y
                cum_ym  累计年月  C6    N   # yyyyMM
                """,
            ),
        ),
        response=(
            node(
                "cuminfo",
                """
                insutype        险种类型        C6     @insutype
                year            年度            C4
                cum_ym          累计年月        C6
                cum_type_code   累计类别代码    C10
                cum             累计值          N16,2
                """,
                many=True,
                label="累计信息",
            ),
        ),
        source=_REF,
    ),
    "5301": Schema(
        "full",
        request=(node("data", "psn_no 人员编号 C30 Y"),),
        response=(
            node(
                "feedetail",
                """
                opsp_dise_code  门慢门特病种目录代码  C30
                opsp_dise_name  门慢门特病种名称      C300
                begndate        开始日期              D
                enddate         结束日期              D
                """,
                many=True,
                label="慢特病备案信息",
            ),
        ),
        source=_CQ + "Input/Input_5301.cs, Output/Output_5301.cs",
    ),
    "5302": Schema(
        "full",
        request=(
            node(
                "data",
                """
                psn_no          人员编号      C30   Y
                biz_appy_type   业务申请类型  C3    Y
                """,
            ),
        ),
        response=(
            node(
                "psnfixmedin",
                """
                psn_no          人员编号          C30
                insutype        险种类型          C6     @insutype
                fix_srt_no      定点排序号        C3
                fixmedins_code  定点医药机构编号  C30
                fixmedins_name  定点医药机构名称  C200
                begndate        开始日期          D
                enddate         结束日期          D
                memo            备注              C500
                """,
                many=True,
                label="人员定点信息",
            ),
        ),
        source=_SZ + "XXCX/RY5302.cs",
    ),
    "5303": Schema(
        "full",
        request=(DATA_PSN_PERIOD,),
        response=(
            node(
                "data",
                """
                mdtrt_id      就诊ID          C30
                """
                + _PERSON
                + """
                insutype      险种类型        C6     @insutype
                begndate      开始日期        D
                med_type      医疗类别        C6     @med_type
                ipt_otp_no    住院/门诊号     C30
                out_flag      异地标志        C3     @out_flag
                """,
                many=True,
                label="在院信息",
            ),
        ),
        source=_SZ + "XXCX/ZY5303.cs (output node name data [U])",
    ),
    "5304": Schema(
        "full",
        # endtime: Y in the Shenzhen copy, not in the CQ copy
        request=(extend(DATA_PSN_PERIOD, "endtime 结束时间 DT N", drop=("endtime",)),),
        response=(
            node(
                "refmedin",
                """
                insutype            险种类型            C6     @insutype
                dcla_souc           申报来源            C6
                psn_no              人员编号            C30
                psn_cert_type       人员证件类型        C6     @psn_cert_type
                certno              证件号码            C50
                psn_name            人员姓名            C50
                gend                性别                C6     @gend
                brdy                出生日期            D
                tel                 联系电话            C50
                addr                联系地址            C200
                insu_optins         参保机构医保区划    C6
                emp_name            单位名称            C200
                diag_code           诊断代码            C20
                diag_name           诊断名称            C100
                dise_cond_dscr      疾病病情描述        C2000
                reflin_medins_no    转往定点医药机构编号  C30
                reflin_medins_name  转往医院名称        C200
                out_flag            异地标志            C3     @out_flag
                refl_date           转院日期            D
                refl_rea            转院原因            C100
                begndate            开始日期            D
                enddate             结束日期            D
                hosp_agre_refl_flag 医院同意转院标志    C3
                """
                + _OPERATOR,
                many=True,
                label="转院信息",
            ),
        ),
        source=_SZ + "XXCX/ZY5304.cs",
    ),
}

# 5401/5402 and 5461 (mutual recognition of examinations): registry/schemas/query_mutual.py.
