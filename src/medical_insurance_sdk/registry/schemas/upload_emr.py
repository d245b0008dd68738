"""Field table of the 信息采集上传 category's 4701 电子病历上传: seven nodes, from the admission record
(`adminfo`) to the discharge summary (`dscginfo`).

Source: newtouch-cloud/openhis `WinServiceAPI/YiBaoInterface/Models/Input/Input_4701.cs`, the numbered spec
rows (type, length, 代码 and 必填 columns) transcribed field for field.  Reading rules as in upload_clinical.
Corrections of evident slips there: 体温 `physexm_tprt` is printed 数值型 5,0, typed N5,1 (a temperature has a
decimal); 评估日期时间 `eval_time` is printed 数值型 without a length, typed DT; 麻醉合并症描述 is printed
"1K", read C1000.  The operation times (`oprn_begntime` ...) are C14 `yyyyMMddHHmmss` as printed.
`adminfo` and `diseinfo` are required; the other nodes exist only when the stay had that event.
The upload answers with no output body.  Data only.
"""

from __future__ import annotations

from medical_insurance_sdk.registry.fields import Schema, node

_CQ = "newtouch-cloud/openhis WinServiceAPI/YiBaoInterface/Models/Input/Input_4701.cs"

ADMINFO_4701 = node(
    "adminfo",
    """
    mdtrt_sn                    就医流水号              C30    Y  # 院内唯一号
    mdtrt_id                    就诊ID               C30    N  # 医保病人必填
    psn_no                      人员编号               C30    N  # 医保病人必填
    mdtrtsn                     住院号                C30    Y
    name                        姓名                 C50    Y
    gend                        性别                 C6     Y  @gend
    age                         年龄                 N4,1   N
    adm_rec_no                  入院记录流水号            C18    Y
    wardarea_name               病区名称               C50    Y
    dept_code                   科室代码               C30    Y  # 参照科室代码（de pt）
    dept_name                   科室名称               C50    Y
    bedno                       病床号                C10    Y
    adm_time                    入院时间               DT     Y
    illhis_stte_name            病史陈述者姓名            C50    Y
    illhis_stte_rltl            陈述者与患者关系代码         C2     Y
    stte_rele                   陈述内容是否可靠标识         C1     Y
    chfcomp                     主诉                 C100   Y
    dise_now                    现病史                C100   Y
    hlcon                       健康状况               C3     Y
    dise_his                    疾病史（含外伤）           C100   Y
    ifet                        患者传染性标志            C1     Y
    ifet_his                    传染病史               C1000  Y
    prev_vcnt                   预防接种史              C1000  Y
    oprn_his                    手术史                C1000  Y
    bld_his                     输血史                C1000  Y
    algs_his                    过敏史                C1000  Y
    psn_his                     个人史                C1000  Y
    mrg_his                     婚育史                C1000  Y
    mena_his                    月经史                C1000  Y
    fmhis                       家族史                C1000  Y
    physexm_tprt                体格检查--体温（℃）        N5,1    Y
    physexm_pule                体格检查--脉率（次/min）   I3     Y
    physexm_vent_frqu           体格检查--呼吸频率         C3     Y
    physexm_systolic_pre        体格检查--收缩压（mmHg）    C3     Y
    physexm_dstl_pre            体格检查--舒张压（mmHg）    C3     Y
    physexm_height              体格检查--身高（cm）       N6,1   Y
    physexm_wt                  体格检查--体重（kg）       N7,2   Y
    physexm_ordn_stas           体格检查--一般状况检查结果     C100   Y
    physexm_skin_musl           体格检查--皮肤和黏膜检查结果    C100   Y
    physexm_spef_lymph          体格检查--全身浅表淋巴结检查结果  C100   Y
    physexm_head                体格检查--头部及其器官检查结果   C100   Y
    physexm_neck                体格检查--颈部检查结果       C100   Y
    physexm_chst                体格检查--胸部检查结果       C100   Y
    physexm_abd                 体格检查--腹部检查结果       C100   Y
    physexm_finger_exam         体格检查--肛门指诊检查结果描述   C100   Y
    physexm_genital_area        体格检查--外生殖器检查结果     C100   Y
    physexm_spin                体格检查--脊柱检查结果       C100   Y
    physexm_all_fors            体格检查--四肢检查结果       C100   Y
    nersys                      体格检查--神经系统检查结果     C100   Y
    spcy_info                   专科情况               C100   Y
    asst_exam_rslt              辅助检查结果             C100   Y
    tcm4d_rslt                  中医“四诊”观察结果描述       C100   N
    syddclft                    辨证分型代码             C7     N
    syddclft_name               辩证分型名称             C50    N
    prnp_trt                    治则治法               C100   N
    rec_doc_code                接诊医生编号             C30    Y
    rec_doc_name                接诊医生姓名             C50    Y
    ipdr_code                   住院医师编号             C30    Y
    ipdr_name                   住院医师姓名             C50    Y
    chfdr_code                  主任医师编号             C30    Y
    chfdr_name                  主任医师姓名             C50    Y
    chfpdr_code                 主诊医师代码             C30    Y
    chfpdr_name                 主诊医师姓名             C50    Y
    main_symp                   主要症状               C50    Y
    adm_rea                     入院原因               C1000  Y
    adm_way                     入院途径               C1     Y
    apgr                        评分值(Apgar)         C2     Y
    diet_info                   饮食情况               C1     Y
    growth_deg                  发育程度               C1     Y
    mtl_stas_norm               精神状态正常标志           C1     Y
    slep_info                   睡眠状况               C1000  Y
    sp_info                     特殊情况               C1000  Y
    mind_info                   心理状态               C1     Y
    nurt                        营养状态               C1     Y
    self_ablt                   自理能力               C1     Y
    nurscare_obsv_item_name     护理观察项目名称           C30    Y
    nurscare_obsv_rslt          护理观察结果             C1000  Y
    smoke                       吸烟标志               C1     Y
    stop_smok_days              停止吸烟天数             I5     Y
    smok_info                   吸烟状况               C1     Y
    smok_day                    日吸烟量（支）            C3     Y
    drnk                        饮酒标志               C1     Y
    drnk_frqu                   饮酒频率               C1     Y
    drnk_day                    日饮酒量（mL）           I3     Y
    eval_time                   评估日期时间             DT     Y
    resp_nurs_name              责任护士姓名             C50    Y
    vali_flag                   有效标志               C3     Y  @vali_flag
    """,
    label="入院信息",
)

DISEINFO_4701 = node(
    "diseinfo",
    """
    inout_diag_type             出入院诊断类别            C3     Y  @inout_diag_type
    maindiag_flag               主诊断标志              C3     Y
    diag_seq                    诊断序列号              I2     Y
    diag_time                   诊断时间               DT     Y
    wm_diag_code                西医诊断编码             C20    Y
    wm_diag_name                西医诊断名称             C100   Y
    tcm_dise_code               中医病名代码             C9     N
    tcm_dise_name               中医病名               C100   N
    tcmsymp_code                中医证候代码             C9     N
    tcmsymp                     中医证候               C100   N
    vali_flag                   有效标志               C3     Y  @vali_flag
    """,
    many=True,
    label="诊断信息",
)

COURSRINFO_4701 = node(
    "coursrinfo",
    """
    dept_code                   科室代码               C30    Y
    dept_name                   科室名称               C50    Y
    wardarea_name               病区名称               C50    Y
    bedno                       病床号                C10    Y
    rcd_time                    记录日期时间             DT     N
    chfcomp                     主诉                 C100   Y
    cas_ftur                    病例特点               C200   Y
    tcm4d_rslt                  中医“四诊”观察结果         C1000  N
    dise_evid                   诊断依据               C100   Y
    prel_wm_diag_code           初步诊断-西医诊断编码        C20    Y
    prel_wm_dise_name           初步诊断-西医诊断名称        C100   Y
    prel_tcm_diag_code          初步诊断-中医病名代码        C20    N
    prel_tcm_dise_name          初步诊断-中医病名          C200   N
    prel_tcmsymp_code           初步诊断-中医证候代码        C9     N
    prel_tcmsymp                初步诊断-中医证候          C200   N
    finl_wm_diag_code           鉴别诊断-西医诊断编码        C20    Y
    finl_wm_diag_name           鉴别诊断-西医诊断名称        C100   Y
    finl_tcm_dise_code          鉴别诊断-中医病名代码        C9     N
    finl_tcm_dise_name          鉴别诊断-中医病名          C200   N
    finl_tcmsymp_code           鉴别诊断-中医证候代码        C9     N
    finl_tcmsymp                鉴别诊断-中医证候          C200   N
    dise_plan                   诊疗计划               C2000  Y
    prnp_trt                    治则治法               C100   N
    ipdr_code                   住院医师编号             C30    Y
    ipdr_name                   住院医师姓名             C50    Y
    prnt_doc_name               上级医师姓名             C50    Y
    vali_flag                   有效标志               C3     Y  @vali_flag
    """,
    many=True,
    required=False,
    label="病程记录",
)

OPRNINFO_4701 = node(
    "oprninfo",
    """
    oprn_appy_id                手术申请单号             C30    Y
    oprn_seq                    手术序列号              C16    N
    blotype_abo                 ABO血型代码            C2     N
    oprn_time                   手术日期               D      Y
    oprn_type_code              手术分类代码             C1     Y  # 参照卫健委最新编码标准
    oprn_type_name              手术分类名称             C20    N
    bfpn_diag_code              术前诊断代码             C100   N
    bfpn_oprn_diag_name         术前诊断名称             C500   N
    bfpn_inhosp_ifet            术前是否发生院内感染         C10    N
    afpn_diag_code              术后诊断代码             C100   N
    afpn_diag_name              术后诊断名称             C500   N
    sinc_heal_lv                手术切口愈合等级代码         C5     N
    sinc_heal_lv_code           手术切口愈合等级           C30    N
    back_oprn                   是否重返手术（明确定义）       C2     N
    selv                        是否择期               C2     N
    prev_abtl_medn              是否预防使用抗菌药物         C2     N
    abtl_medn_days              预防使用抗菌药物天数         C10    N
    oprn_oprt_code              手术操作代码             C30    Y
    oprn_oprt_name              手术操作名称             C500   Y
    oprn_lv_code                手术级别代码             C10    N
    oprn_lv_name                手术级别名称             C300   N
    anst_mtd_code               麻醉-方法代码            C5     N
    anst_mtd_name               麻醉-方法名称            C50    N
    anst_lv_code                麻醉分级代码             C10    N
    anst_lv_name                麻醉分级名称             C50    N
    exe_anst_dept_code          麻醉执行科室代码           C30    N  # 参照科室代码（dept）
    exe_anst_dept_name          麻醉执行科室名称           C50    N
    anst_efft                   麻醉效果               C100   N
    oprn_begntime               手术开始时间             C14    Y  # yyyyMMddHHmmss
    oprn_endtime                手术结束时间             C14    Y  # yyyyMMddHHmmss
    oprn_asps                   是否无菌手术             C2     N
    oprn_asps_ifet              无菌手术是否感染           C2     N
    afpn_info                   手术后情况              C500   N
    oprn_merg                   是否手术合并症            C10    N
    oprn_conc                   是否手术并发症            C10    N
    oprn_anst_dept_code         手术执行科室代码           C30    N  # 参照科室代码（dept）
    oprn_anst_dept_name         手术执行科室名称           C50    N
    palg_dise                   病理检查               C500   N
    oth_med_dspo                其他医学处置             C4000  N
    out_std_oprn_time           是否超出标准手术时间         C2     N
    oprn_oper_name              手术者姓名              C50    N
    oprn_asit_name1             助手I姓名              C50    N
    oprn_asit_name2             助手Ⅱ姓名              C50    N
    anst_dr_name                麻醉医师姓名             C50    N
    anst_asa_lv_code            麻醉ASA分级代码          C50    N  # 参照卫健委麻醉ASA分级代码
    anst_asa_lv_name            麻醉ASA分级名称          C100   N
    anst_medn_code              麻醉药物代码             C50    N  # 参照卫健委麻醉药物代码
    anst_medn_name              麻醉药物名称             C100   N
    anst_medn_dos               麻醉药物剂量             C20    N
    anst_dosunt                 计量单位               C10    N
    anst_begntime               麻醉开始时间             C14    N  # yyyyMMddHHmmss
    anst_endtime                麻醉结束时间             C14    N  # yyyyMMddHHmmss
    anst_merg_symp_code         麻醉合并症代码            C10    N  # 参照卫健委麻醉合并症代码
    anst_merg_symp              麻醉合并症名称            C100   N
    anst_merg_symp_dscr         麻醉合并症描述            C1000   N
    pacu_begntime               入复苏室时间             C14    N
    pacu_endtime                出复苏室时间             C14    N
    oprn_selv                   是否择期手术             C1     N
    canc_oprn                   是否择取消手术            C1     N
    vali_flag                   有效标志               C3     Y  @vali_flag
    """,
    many=True,
    required=False,
    label="手术记录",
)

RESCINFO_4701 = node(
    "rescinfo",
    """
    dept                        科室代码               C30    Y  # 参照科室代码（dept）
    dept_name                   科室名称               C50    Y
    wardarea_name               病区名称               C50    Y
    bedno                       病床号                C10    Y
    diag_name                   诊断名称               C100   Y
    diag_code                   诊断代码               C20    Y
    cond_chg                    病情变化情况             C1000  Y
    resc_mes                    抢救措施               C1000  Y
    oprn_oprt_code              手术操作代码             C30    Y
    oprn_oprt_name              手术操作名称             C500   Y
    oprn_oper_part              手术及操作目标部位名称        C50    Y
    itvt_name                   介入物名称              C100   Y
    oprt_mtd                    操作方法               C200   Y
    oprt_cnt                    操作次数               I3     Y
    resc_begntime               抢救开始日期时间           DT     Y
    resc_endtime                抢救结束日期时间           DT     Y
    dise_item_name              检查/检验项目名称          C80    Y
    dise_ccls                   检查/检验结果            C1000  Y
    dise_ccls_qunt              检查/检验定量结果          N18,4  Y
    dise_ccls_code              检查/检验结果代码          C1     Y
    mnan                        注意事项               C1000  Y
    resc_psn_list               参加抢救人员名单           C200   Y
    proftechttl_code            专业技术职务类别代码         C30    Y
    doc_code                    医师编号               C30    Y
    dr_name                     医师姓名               C50    Y
    vali_flag                   有效标志               C3     Y  @vali_flag
    """,
    many=True,
    required=False,
    label="抢救记录",
)

DIEINFO_4701 = node(
    "dieinfo",
    """
    dept                        科室代码               C30    Y
    dept_name                   科室名称               C50    Y
    wardarea_name               病区名称               C50    Y
    bedno                       病床号                C10    Y
    adm_time                    入院时间               DT     Y
    adm_dise                    入院诊断编码             C20    Y
    adm_info                    入院情况               C200   Y
    trt_proc_dscr               诊疗过程描述             C2000  Y
    die_time                    死亡时间               DT     Y
    die_drt_rea                 直接死亡原因名称           C50    Y
    die_drt_rea_code            直接死亡原因编码           C10    Y
    die_dise_name               死亡诊断名称             C50    Y
    die_diag_code               死亡诊断编码             C20    Y
    agre_corp_dset              家属是否同意尸体解剖标志       C1     Y
    ipdr_name                   住院医师姓名             C50    Y
    chfpdr_code                 主诊医师代码             C30    Y
    chfpdr_name                 主诊医师姓名             C50    Y
    chfdr_name                  主任医师姓名             C50    Y
    sign_time                   签字日期时间             DT     Y
    vali_flag                   有效标志               C3     Y  @vali_flag
    """,
    many=True,
    required=False,
    label="死亡记录",
)

DSCGINFO_4701 = node(
    "dscginfo",
    """
    dscg_date                   出院日期               D      N
    adm_diag_dscr               入院诊断描述             C200   N
    dscg_dise_dscr              出院诊断               C1000  N
    adm_info                    入院情况               C2000  N
    trt_proc_rslt_dscr          诊治经过及结果（含手术日期名称及结果） C2000  N
    dscg_info                   出院情况（含治疗效果）        C2000  N
    dscg_drord                  出院医嘱               C1000  N
    caty                        科别                 C6     N
    rec_doc                     记录医师               C80    N
    main_drug_name              主要药品名称             C1500  N
    oth_imp_info                其他重要信息             C1500  N
    vali_flag                   有效标志               C3     Y  @vali_flag
    """,
    many=True,
    required=False,
    label="出院小结",
)

SCHEMAS: dict[str, Schema] = {
    "4701": Schema(
        "full",
        request=(
            ADMINFO_4701,
            DISEINFO_4701,
            COURSRINFO_4701,
            OPRNINFO_4701,
            RESCINFO_4701,
            DIEINFO_4701,
            DSCGINFO_4701,
        ),
        source=_CQ,
    ),
}
