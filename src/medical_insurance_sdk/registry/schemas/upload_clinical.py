"""Field tables of the 信息采集上传 category, clinical records: 4301/4302 outpatient and emergency,
4401/4402 inpatient, 4601/4602 care management (4402A: see UNPUBLISHED).

Sources (numbered spec rows with type, length, 代码 and 必填 columns, transcribed field for field):
- 4301, 4302, 4601, 4602: binzhe12123/Medical `SY.Com.Medical.Model/SYB/XXCJ/`
  `{MJZ4301,LG4302,SY4601,HL4602}.cs`.
  Node names of 4301 as sent by fengzaiqishi11/hsa-his (`rgstinfo`, `caseinfo`, `diseinfo`, `rxinfo`); the
  binzhe model's `Ymdtrt_sn`/`Ymdtrt_id`/`Ypsn_no` (4302) are read as mdtrt_sn/mdtrt_id/psn_no.
- 4401, 4402: newtouch-cloud/openhis `WinServiceAPI/YiBaoInterface/Models/Input/Input_{4401,4402}.cs`.
Reading rules: "医保病人必填" fields are conditional (optional here); a 日期型 field whose label says 时间 is
typed DT (a bare date is still accepted); 数值型 p,0 is an integer.  Corrections: 4401 `fixmedins_code` is
printed C3, taken as C30 (reference §7: the larger length); openhis's `Refldept_caty_name` is
`refldept_caty_name`; 4301 `drug_used_sdose` is printed 数值型 30, typed as its 4402 twin N16,4.
The uploads answer with no output body.  Data only.
"""

from __future__ import annotations

from medical_insurance_sdk.registry.fields import Schema, node

_SZ = "binzhe12123/Medical SY.Com.Medical.Model/SYB/XXCJ/"
_CQ = "newtouch-cloud/openhis WinServiceAPI/YiBaoInterface/Models/Input/"

# --- 4301 门急诊诊疗记录 ---------------------------------------------------------------------------------

RGSTINFO_4301 = node(
    "rgstinfo",
    """
    mdtrt_sn            就医流水号            C30    Y  # 院内唯一号
    mdtrt_id            就诊ID                C30    N  # 医保病人必填
    psn_no              人员编号              C30    N  # 医保病人必填
    rgst_type_code      挂号类别代码          C6     N
    rgst_way_code       挂号方式代码          C6     N
    rgst_serv_fee       挂号费/医事服务费     N16,2  N
    ordr_way_code       预约途径代码          C30    N
    retnr_flag          退号标志              C3     N  # 0-否、1-是
    fstdiag_flag        初诊标志              C3     N  # 0-否、1-是
    mdtrt_flag          就诊标志              C3     N  # 0-否、1-是
    rgst_retnr_time     挂号/退号时间         DT     N
    medfee_paymtd_code  医疗费用支付方式代码  C3     N
    vali_flag           有效标志              C3     Y  @vali_flag
    """,
    label="挂号信息",
)

CASEINFO_4301 = node(
    "caseinfo",
    """
    mdtrt_date          就诊日期              D      N
    chfcomp             主诉                  C2000  N
    attk_date_time      发病日期时间          DT     N
    mdtrt_rea           就诊原因              C200   N
    illhis              病史                  C2000  N
    algs                过敏史                C2000  N
    aise_code           过敏源代码            C30    N
    phex                查体                  C2000  N
    disa_info_code      残疾情况代码          C30    N
    symp_name           症状名称              C1000  N
    symp_code           症状代码              C50    N  # 最多五个症状
    dspo_opnn           处置意见              C1000  N
    dept_code           科室代码              C30    N
    dept_name           科室名称              C50    N
    vali_flag           有效标志              C3     Y  @vali_flag
    """,
    many=True,
    label="门诊病历信息",
)

DISEINFO_4301 = node(
    "diseinfo",
    """
    tcm_diag_flag       中医诊断标志          C30    N
    maindiag_flag       主诊断标志            C30    N
    diag_code           诊断代码              C20    N
    diag_name           诊断名称              C100   N
    tcm_dise_code       中医病名代码          C20    N
    tcm_dise_name       中医病名名称          C300   N
    tcmsymp_code        中医证候代码          C20    N
    tcmsymp             中医证候              C300   N
    vali_flag           有效标志              C3     Y  @vali_flag
    """,
    many=True,
    label="诊断信息",
)

RXINFO_4301 = node(
    "rxinfo",
    """
    rxno                处方号                C30    N
    rx_prsc_time        处方开方时间          DT     N
    rx_type_code        处方类别代码          C30    N
    rx_item_type_code   处方项目分类代码      C30    N
    rx_item_type_name   处方项目分类名称      C100   N
    rx_detl_id          处方明细代码          C30    N  # 医院内部药品编码
    rx_detl_name        处方明细名称          C100   N  # 医院内部药品名称
    tcmdrug_type_name   中药类别名称          C20    N
    tcmdrug_type_code   中药类别代码          C30    N
    tcmherb_foote       草药脚注              C200   N
    medn_type_code      药物类型代码          C100   N
    medn_type_name      药物类型              C100   N
    drug_dosform        药品剂型              C30    N  # 【dosform】代码
    drug_dosform_name   药品剂型名称          C200   N
    drug_spec           药品规格              C255   N
    drug_used_frqu      药物使用-频率         C30    N
    drug_used_idose     药物使用-总剂量       N16,4  N
    drug_used_sdose     药物使用-次剂量       N16,4  N
    drug_used_dosunt    药物使用-剂量单位     C30    N
    drug_used_way_code  药物使用-途径代码     C30    N
    drug_medc_way       药物使用-途径         C100   N
    skintst_dicm        皮试判别              C30    N
    medc_begntime       用药开始时间          DT     N
    medc_endtime        用药停止日期时间      DT     N
    medc_days           用药天数              I5     N
    main_medc_flag      主要用药标志          C30    N
    urgt_flag           加急标志              C30    N
    unif_purc_drug      统一采购药品          C30    N
    drug_purc_code      药品采购代码          C30    N
    drug_mgt_plaf_code  药品管理平台代码      C50    N
    bas_medn_flag       基本药物标志          C3     N
    vali_flag           有效标志              C3     Y  @vali_flag
    """,
    many=True,
    required=False,
    label="处方信息",
)

# --- 4302 急诊留观手术及抢救 -----------------------------------------------------------------------------

OPRNINFO_4302 = node(
    "oprninfo",
    """
    mdtrt_sn                  就医流水号            C30    Y  # 院内唯一号
    mdtrt_id                  就诊ID                C30    N  # 医保病人必填
    psn_no                    人员编号              C30    N  # 医保病人必填
    medrcdno                  病历号                C30    N
    oprn_oprt_sn              手术操作序号          I2     Y
    oprn_oprt_code            手术操作代码          C30    Y
    oprn_oprt_name            手术操作名称          C500   Y
    oprn_oprt_tagt_part_name  手术操作目标部位名称  C50    Y
    itvt_name                 介入物名称            C100   Y
    oprn_oprt_mtd_dscr        手术及操作方法描述    C200   Y
    oprn_oprt_cnt             手术及操作次数        I3     Y
    oprn_oprt_time            手术及操作时间        DT     Y
    vali_flag                 有效标志              C3     Y  @vali_flag
    """,
    label="手术操作信息",
)

RESCINFO_4302 = node(
    "rescinfo",
    """
    resc_begntime       抢救开始时间          DT     Y
    resc_endtime        抢救结束时间          DT     Y
    er_resc_rec         急诊抢救记录          C2000  Y
    resc_psn_list       参加抢救人员名单      C500   Y  # 人员使用全角“，”分隔
    vali_flag           有效标志              C3     Y  @vali_flag
    """,
    required=False,
    label="抢救信息",
)

# --- 4401 住院病案首页 / 4402 住院医嘱 -------------------------------------------------------------------

BASEINFO_4401 = node(
    "baseinfo",
    """
    mdtrt_sn                    就医流水号              C30    Y  # 定点医药机构编号+院内唯一流水号
    mdtrt_id                    就诊ID               C30    N  # 医保病人必填
    psn_no                      人员编号               C30    N  # 医保病人必填
    patn_ipt_cnt                患者住院次数             C5     N
    ipt_no                      住院号                C30    N
    medcasno                    病案号                C40    Y
    psn_name                    人员姓名               C50    Y
    gend                        性别                 C6     N  @gend
    brdy                        出生日期               D      N
    ntly                        国籍                 C6     N
    ntly_name                   国籍名称               C70    N
    nwb_bir_wt                  新生儿出生体重            N6,2   N
    nwb_adm_wt                  新生儿入院体重            N6,2   N
    birplc                      出生地                C200   N
    napl                        籍贯                 C100   N
    naty_name                   民族名称               C100   N
    naty                        民族                 C3     N  @naty
    certno                      证件号码               C50    N
    prfs                        职业                 C6     N
    mrg_stas                    婚姻状态               C3     N
    curr_addr_poscode           现住址-邮政编码           C6     N
    curr_addr                   现住址                C200   N
    psn_tel                     个人联系电话             C70    N
    resd_addr_prov              户口地址-省（自治区、直辖市）    C30    N
    resd_addr_city              户口地址-市（地区）         C500   N
    resd_addr_coty              户口地址-县（区）          C500   N
    resd_addr_subd              户口地址-乡（镇、街道办事处）    C500   N
    resd_addr_vil               户口地址-村（街、路、弄等）     C500   N
    resd_addr_housnum           户口地址-门牌号码          C200   N
    resd_addr_poscode           户口地址-邮政编码          C30    N
    resd_addr                   户口地址               C200   N
    empr_tel                    工作单位联系电话           C20    N
    empr_poscode                工作单位-邮政编码          C6     N
    empr_addr                   工作单位及地址            C200   N
    coner_tel                   联系人电话              C50    N
    coner_name                  联系人姓名              C50    N
    coner_addr                  联系人地址              C200   N
    coner_rlts_code             与联系人关系代码           C20    N  # 参照“与患者关系patn_rlts”
    adm_way_name                入院途径名称             C300   N
    adm_way_code                入院途径代码             C3     N
    trt_type_name               治疗类别名称             C300   N
    trt_type                    治疗类别               C3     N
    adm_caty                    入院科别               C6     N  # dept
    adm_ward                    入院病房               C50    N
    adm_date                    入院日期               D      N
    dscg_date                   出院日期               D      N
    dscg_caty                   出院科别               C6     N  # dept
    refldept_caty_name          转科科别名称             C50    N
    dscg_ward                   出院病房               C50    N
    ipt_days                    住院天数               I4     N
    drug_dicm_flag              药物过敏标志             C30    N
    dicm_drug_name              过敏药物名称             C200   N
    die_autp_flag               死亡患者尸检标志           C30    N
    abo_code                    ABO血型代码            C30    N
    abo_name                    ABO血型名称            C30    N
    rh_code                     Rh血型代码             C30    N
    rh_name                     RH血型               C30    N
    die_flag                    死亡标志               C3     N
    deptdrt_name                科主任姓名              C50    N
    chfdr_name                  主任(副主任)医师姓名        C50    N
    atddr_name                  主治医生姓名             C50    N
    chfpdr_name                 主诊医师姓名             C50    N
    ipt_dr_name                 住院医师姓名             C50    N
    resp_nurs_name              责任护士姓名             C50    N
    train_dr_name               进修医师姓名             C50    N
    intn_dr_name                实习医师姓名             C50    N
    codr_name                   编码员姓名              C50    N
    qltctrl_dr_name             质控医师姓名             C50    N
    qltctrl_nurs_name           质控护士姓名             C50    N
    medcas_qlt_name             病案质量名称             C100   N
    medcas_qlt_code             病案质量代码             C30    N
    qltctrl_date                质控日期               D      N
    dscg_way_name               离院方式名称             C200   N
    dscg_way                    离院方式               C3     N  @dscg_way
    acp_medins_code             拟接收医疗机构代码          C50    N
    acp_medins_name             拟接收医疗机构名称          C500   N
    dscg_31days_rinp_flag       出院31天内再住院计划标志      C3     N
    dscg_31days_rinp_pup        出院31天内再住院目的        C200   N
    damg_intx_ext_rea           损伤、中毒的外部原因         C1000  N
    damg_intx_ext_rea_disecode  损伤、中毒的外部原因疾病编码     C30    N
    brn_damg_bfadm_coma_dura    颅脑损伤患者入院前昏迷时长      C10    N  # 天数/小时数/分钟数，如 1/13/24
    brn_damg_afadm_coma_dura    颅脑损伤患者入院后昏迷时长      C10    N  # 天数/小时数/分钟数，如 1/13/24
    vent_used_dura              呼吸机使用时长            C10    N  # 格式：天
    cnfm_date                   确诊日期               D      N
    patn_dise_diag_crsp         患者疾病诊断对照           C20    N
    patn_dise_diag_crsp_code    住院患者疾病诊断对照代码       C3     N
    ipt_patn_diag_inscp         住院患者诊断符合情况         C20    N
    ipt_patn_diag_inscp_code    住院患者诊断符合情况代码       C1     N
    dscg_trt_rslt               出院治疗结果             C4     N
    dscg_trt_rslt_code          出院治疗结果代码           C30    N
    medins_orgcode              医疗机构组织机构代码         C50    N
    age                         年龄                 N4,1   N
    aise                        过敏源                C30    N
    pote_intn_dr_name           研究生实习医师姓名          C50    N
    hbsag                       乙肝表面抗原（HBsAg）      C30    N
    hcv_ab                      丙型肝炎抗体（HCV-Ab）     C30    N
    hiv_ab                      艾滋病毒抗体（hiv-ab）     C30    N
    resc_cnt                    抢救次数               I3     N
    resc_succ_cnt               抢救成功次数             I3     N
    hosp_dise_fsttime           手术、治疗、检查、诊断为本院第一例  C30    N
    hif_pay_way_name            医保基金付费方式名称         C20    N
    hif_pay_way_code            医保基金付费方式代码         C2     N
    med_fee_paymtd_name         医疗费用支付方式名称         C200   N
    medfee_paymtd_code          医疗费用支付方式代码         C3     N
    selfpay_amt                 自付金额               N16,2  N
    medfee_sumamt               医疗费总额              N16,2  Y
    ordn_med_servfee            一般医疗服务费            N16,2  N
    ordn_trt_oprt_fee           一般治疗操作费            N16,2  N
    nurs_fee                    护理费                N16,2  N
    com_med_serv_oth_fee        综合医疗服务类其他费用        N16,2  N
    palg_diag_fee               病理诊断费              N16,2  N
    lab_diag_fee                实验室诊断费             N16,2  N
    rdhy_diag_fee               影像学诊断费             N16,2  N
    clnc_dise_fee               临床诊断项目费            N16,2  N
    nsrgtrt_item_fee            非手术治疗项目费           N16,2  N
    clnc_phys_trt_fee           临床物理治疗费            N16,2  N
    rgtrt_trt_fee               手术治疗费              N16,2  N
    anst_fee                    麻醉费                N16,2  N
    rgtrt_fee                   手术费                N16,2  N
    rhab_fee                    康复费                N16,2  N
    tcm_trt_fee                 中医治疗费              N16,2  N
    wm_fee                      西药费                N16,2  N
    abtl_medn_fee               抗菌药物费用             N16,2  N
    tcmpat_fee                  中成药费               N16,2  N
    tcmherb_fee                 中药饮片费              N16,2  N
    blo_fee                     血费                 N16,2  N
    albu_fee                    白蛋白类制品费            N16,2  N
    glon_fee                    球蛋白类制品费            N16,2  N
    clotfac_fee                 凝血因子类制品费           N16,2  N
    cyki_fee                    细胞因子类制品费           N16,2  N
    exam_dspo_matl_fee          检查用一次性医用材料费        N16,2  N
    trt_dspo_matl_fee           治疗用一次性医用材料费        N16,2  N
    oprn_dspo_matl_fee          手术用一次性医用材料费        N16,2  N
    oth_fee                     其他费                N16,2  N
    vali_flag                   有效标志               C3     Y  @vali_flag
    fixmedins_code              定点医药机构编号           C30    Y  # printed C3 (reference §7)
    """,
    label="病案首页基本信息",
)

DISEINFO_4401 = node(
    "diseinfo",
    """
    palg_no                     病理号                C30    N
    ipt_patn_disediag_type_code 住院患者疾病诊断类型代码       C30    N
    disediag_type               疾病诊断类型             C100   N
    maindiag_flag               主诊断标志              C3     N  @maindiag_flag
    diag_code                   诊断代码               C20    N
    diag_name                   诊断名称               C100   N
    inhosp_diag_code            院内诊断代码             C20    N
    inhosp_diag_name            院内诊断名称             C100   N
    adm_dise_cond_name          入院疾病病情名称           C300   N
    adm_dise_cond_code          入院疾病病情代码           C20    N
    adm_cond                    入院病情               C500   N
    adm_cond_code               入院时病情代码            C3     N
    high_diag_evid              最高诊断依据             C30    N
    bkup_deg                    分化程度               C16    N
    bkup_deg_code               分化程度代码             C30    N
    vali_flag                   有效标志               C3     Y  @vali_flag
    ipt_medcas_hmpg_sn          住院病案首页流水号          C30    Y  # 主键
    mdtrt_sn                    就医流水号              C30    Y  # 定点医药机构编号+院内唯一流水号
    """,
    many=True,
    label="诊断信息",
)

OPRNINFO_4401 = node(
    "oprninfo",
    """
    oprn_oprt_date              手术操作日期             D      N
    oprn_oprt_name              手术操作名称             C500   N
    oprn_oprt_code              手术操作代码             C30    N
    oprn_oprt_sn                手术操作序列号            C16    N
    oprn_lv_code                手术级别代码             C50    N
    oprn_lv_name                手术级别名称             C300   N
    oper_name                   手术者姓名              C50    N
    asit_1_name                 助手Ⅰ姓名              C50    N
    asit_name2                  助手Ⅱ姓名              C50    N
    sinc_heal_lv                手术切口愈合等级           C30    N
    sinc_heal_lv_code           手术切口愈合等级代码         C5     N
    anst_mtd_name               麻醉-方法名称            C50    N
    anst_mtd_code               麻醉-方法代码            C5     N
    anst_dr_name                麻醉医师姓名             C50    N
    oprn_oper_part              手术操作部位             C10    N
    oprn_oper_part_code         手术操作部位代码           C30    N
    oprn_con_time               手术持续时间             C3     N  # 分钟
    anst_lv_name                麻醉分级名称             C50    N
    anst_lv_code                麻醉分级代码             C30    N
    oprn_patn_type              手术患者类型             C100   N
    oprn_patn_type_code         手术患者类型代码           C30    N
    main_oprn_flag              主要手术标志             C30    N
    anst_asa_lv_code            麻醉ASA分级代码          C50    N  # 参照卫健委麻醉ASA分级代码
    anst_asa_lv_name            麻醉ASA分级名称          C100   N
    anst_medn_code              麻醉药物代码             C50    N  # 参照卫健委麻醉药物代码
    anst_medn_name              麻醉药物名称             C100   N
    anst_medn_dos               麻醉药物剂量             C20    N
    unt                         计量单位               C10    N
    anst_begntime               麻醉开始时间             DT     N
    anst_endtime                麻醉结束时间             DT     N
    anst_copn_code              麻醉合并症代码            C30    N  # 参照卫健委麻醉合并症代码
    anst_copn_name              麻醉合并症名称            C100   N
    anst_copn_dscr              麻醉合并症描述            C1000  N
    pacu_begntime               复苏室开始时间            DT     N
    pacu_endtime                复苏室结束时间            DT     N
    canc_oprn_flag              取消手术标志             C3     N
    vali_flag                   有效标志               C3     Y  @vali_flag
    ipt_medcas_hmpg_sn          住院病案首页流水号          C30    Y  # 主键
    mdtrt_sn                    就医流水号              C30    Y  # 定点医药机构编号+院内唯一流水号
    """,
    many=True,
    required=False,
    label="手术信息",
)

ICUINFO_4401 = node(
    "icuinfo",
    """
    icu_codeid                  重症监护室代码            C10    N  # 院内重症监护室代码
    inpool_icu_time             进入监护室时间            DT     N
    out_icu_time                退出监护室时间            DT     N
    medins_orgcode              医疗机构组织机构代码         C50    N  # 参照医院组织机构代码
    nurscare_lv_code            护理等级代码             C30    N
    nurscare_lv_name            护理等级名称             C10    N
    nurscare_days               护理天数               I3     N
    back_icu                    重返重症监护室标志          C30    N
    vali_flag                   有效标志               C3     Y  @vali_flag
    ipt_medcas_hmpg_sn          住院病案首页流水号          C30    Y  # 主键
    mdtrt_sn                    就医流水号              C30    Y  # 定点医药机构编号+院内唯一流水号
    """,
    many=True,
    required=False,
    label="重症监护信息",
)

DATA_4402 = node(
    "data",
    """
    mdtrt_sn                    就医流水号              C30    Y  # 院内唯一号
    mdtrt_id                    就诊ID               C30    N  # 医保病人必填
    psn_no                      人员编号               C30    N  # 医保病人必填
    ipt_bedno                   住院床号               C30    N
    drord_no                    医嘱号                C30    N
    isu_dept_code               下达科室代码             C30    N  # 参照科室代码（dept）
    drord_isu_no                医嘱下达时间             DT     N
    exe_dept_code               执行科室代码             C30    N  # 参照科室代码（dept）
    exedept_name                执行科室名称             C50    N
    drord_chker_name            医嘱审核人姓名            C50    N
    drord_ptr_name              医嘱执行人姓名            C50    N
    drord_grpno                 医嘱组号               C30    N
    drord_type                  医嘱类别               C3     N
    drord_item_type             医嘱项目分类代码           C30    N
    drord_item_name             医嘱项目分类名称           C100   N
    drord_detl_code             医嘱明细代码             C30    N  # 院内医嘱明细编码
    drord_detl_name             医嘱明细名称             C100   N  # 院内医嘱明细名称
    medn_type_code              药物类型代码             C100   N
    medn_type_name              药物类型名称             C100   N
    drug_dosform                药品剂型               C30    N  # 【dosform】代码
    drug_dosform_name           药品剂型名称             C110   N
    drug_spec                   药品规格               C50    N
    dismed_cnt                  发药数量               N5,2   N
    dismed_cnt_unt              发药数量单位             C30    N
    medn_use_frqu               药物使用-频率            C20    N
    medn_used_dosunt            药物使用-剂量单位          C10    N
    drug_used_sdose             药物使用-次剂量           N16,4  N
    drug_used_idose             药物使用-总剂量           N16,4  N
    drug_used_way_code          药物使用-途径代码          C30    N
    drug_used_way               药物使用-途径            C100   N
    medc_days                   用药天数               I5     N
    medc_begntime               用药开始时间             DT     N
    medc_endtime                用药停止时间             DT     N
    skintst_dicm                皮试判别               C10    N
    tcmherb_foote               草药脚注               C200   N
    drord_endtime               医嘱结束时间             DT     N
    ipt_dept_code               住院科室代码             C30    N
    medins_orgcode              医疗机构组织机构代码         C50    N
    unif_purc_drug_flag         统一采购药品标志           C3     N
    drug_mgt_plaf_code          药品管理平台代码           C50    N
    drug_purc_code              药品采购代码             C20    N
    bas_medn_flag               基本药物标志             C3     N
    vali_flag                   有效标志               C3     Y  @vali_flag
    medcas_drord_detl_id        病案医嘱明细id           C30    Y  # 主键
    """,
    many=True,
    label="住院医嘱记录",
)

# --- 4601 输血 / 4602 护理操作生命体征 ----------------------------------------------------------------

DATA_4601 = node(
    "data",
    """
    mdtrt_sn            就医流水号            C30    Y  # 院内唯一号
    mdtrt_id            就诊ID                C30    N  # 医保病人必填
    psn_no              人员编号              C30    N  # 医保病人必填
    abo_code            ABO血型代码           C2     N
    rh_code             Rh血型代码            C1     N
    bld_natu_code       输血性质代码          C2     N
    bld_abo_code        输血ABO血型代码       C3     N  # 参照 blotype_abo
    bld_rh_code         输血Rh血型代码        C3     N
    bld_cat_code        输血品种代码          C2     N
    bld_amt             输血量                I7     N
    bld_amt_unt         输血量计量单位        C10    N
    bld_defs_type_code  输血反应类型代码      C1     N
    bld_cnt             输血次数              I2     N
    bld_time            输血时间              DT     N
    bld_rea             输血原因              C100   N
    vali_flag           有效标志              C3     Y  @vali_flag
    """,
    label="输血信息",
)

DATA_4602 = node(
    "data",
    """
    mdtrt_sn                 就医流水号            C30    Y  # 院内唯一号
    mdtrt_id                 就诊ID                C30    N  # 医保病人必填
    psn_no                   人员编号              C30    N  # 医保病人必填
    dept_code                科室代码              C30    Y  # 参照科室代码（dept）
    dept_name                科室名称              C50    Y
    wardarea_name            病区名称              C50    Y
    bedno                    病床号                C10    Y
    diag_code                诊断代码              C20    Y
    adm_time                 入院时间              DT     Y
    act_ipt_days             实际住院天数          I3     Y
    afpn_days                手术后天数            I5     Y
    rcd_time                 记录日期时间          DT     Y  # printed 日期型
    vent_frqu                呼吸频率（次/min）    I3     Y
    use_vent_flag            使用呼吸机标志        C1     Y
    pule                     脉率（次/min）        I3     Y
    pat_heart_rate           起搏器心率（次/min）  I3     Y
    tprt                     体温（℃）             N5,1   Y
    systolic_pre             收缩压（mmHg）        C3     Y
    dstl_pre                 舒张压（mmHg）        C3     Y
    wt                       体重（kg）            N7,1   Y
    abde                     腹围（cm）            N6,1   Y
    nurscare_obsv_item_name  护理观察项目名称      C30    Y
    nurscare_obsv_rslt       护理观察结果          C1000  Y
    nurs_name                护士姓名              C50    Y
    sign_time                签字时间              DT     Y
    vali_flag                有效标志              C3     Y  @vali_flag
    """,
    label="护理操作生命体征测量记录",
)

SCHEMAS: dict[str, Schema] = {
    "4301": Schema(
        "full",
        request=(RGSTINFO_4301, CASEINFO_4301, DISEINFO_4301, RXINFO_4301),
        source=_SZ + "MJZ4301.cs; node names: fengzaiqishi11/hsa-his",
    ),
    "4302": Schema("full", request=(OPRNINFO_4302, RESCINFO_4302), source=_SZ + "LG4302.cs"),
    "4401": Schema(
        "full",
        request=(BASEINFO_4401, DISEINFO_4401, OPRNINFO_4401, ICUINFO_4401),
        source=_CQ + "Input_4401.cs",
    ),
    "4402": Schema("full", request=(DATA_4402,), source=_CQ + "Input_4402.cs"),
    "4601": Schema("full", request=(DATA_4601,), source=_SZ + "SY4601.cs"),
    "4602": Schema("full", request=(DATA_4602,), source=_SZ + "HL4602.cs"),
}

# Transactions of this module for which no public field table was found: infno -> what was searched.
UNPUBLISHED: dict[str, str] = {
    "4402A": (
        "住院医嘱记录上传（包含医生信息）: no public field table found (searched the code corpus for "
        "4402A and 4402's doctor fields, the pages corpus for 4402A 住院医嘱 医生信息, and the models of "
        "newtouch-cloud/openhis (both clients) and binzhe12123/Medical); 4402's table without the doctor "
        "fields would be a guess.  Second round: exact-string search of the whole index for 4402A and the "
        "Inner Mongolia models of openhis (4402 only): nothing."
    ),
}
