"""Field tables of the 医药机构管理 category: 3101-3103 事前事中 review (data only).

3101 明细审核事前分析服务 and 3102 明细审核事中分析服务 send one ``data`` node to the bureau's rule engine
(医保智能监管 事前事中 接口规范); the patients, their visits, diagnoses, orders and operations nest inside it:

    data.patient_dtos[] -> fsi_encounter_dtos[] -> fsi_diagnose_dtos[], fsi_order_dtos[], fsi_operation_dtos[]

Each nested collection is a ``J`` line of its parent's table with its own table attached (``rows=``), so
every row is validated before sending, errors at full paths (``data.patient_dtos[0].fsi_encounter_dtos[0]
.fsi_order_dtos[2].hilist_code``).  The answer is ``result``: one row per violation (jr_id, rule_id,
vola_cont, vola_bhvr_type ...), each with its judge_result_detail_dtos (JUDGE_DETAIL_DTOS).  3103 reports
how the doctor handled the warnings: ``data.warns[]`` (WARNS), each naming a jr_id as warn_rslt_id.

Sources: binzhe12123/Medical `SY.Com.Medical.Model/SYB/YYJGFW/SQMX3101.cs` (spec rows with types, lengths
and required flags, input and output), newtouch-cloud/openhis
`WinServiceAPI/YiBaoInterface/Models/Input/Input_{3101,3102}.cs` (the nesting and the 3102 copy of the same
table), the 3103 rows in the CJB-CNIT openhis `FsiFeedback3103DataParam` / `FsiFeedback3103WarnsParam`
(warn_type, warns, warn_rslt_id, dspo_way, dspo_way_rea), and a public HIS client that calls both
(`warn_rslt_id` 取自 jr_id; dspo_way 1 继续执行医嘱 / 2 返回修改医嘱; dspo_way_rea required with 1).
Where real traffic differs from the table it is said on the line.
"""

from __future__ import annotations

from medical_insurance_sdk.registry.fields import Schema, node

_SZ = "binzhe12123/Medical SY.Com.Medical.Model/SYB/YYJGFW/SQMX3101.cs"
_CQ = "newtouch-cloud/openhis WinServiceAPI/YiBaoInterface/Models/Input/"
_FB = "CJB-CNIT openhis com.openhis.vo.FsiFeedback3103WarnsParam / yb.dto.FsiFeedback3103DataParam"

DIAGNOSE_DTOS = node(
    "fsi_diagnose_dtos",
    """
    dise_id          诊断标识        C50    Y
    inout_dise_type  出入诊断类别    C3     Y   # 1 入院诊断 2 出院诊断
    maindise_flag    主诊断标志      C3     Y
    dias_srt_no      诊断排序号      C2     Y
    dise_codg        诊断(疾病)编码  C30    Y
    dise_name        诊断(疾病)名称  C200   Y
    dise_date        诊断日期        DT     Y
    """,
    many=True,
    label="诊断信息",
)

ORDER_DTOS = node(
    "fsi_order_dtos",
    """
    rx_id               处方(医嘱)标识          C50    Y
    rxno                处方号                  C20    Y
    grpno               组编号                  C20    N
    long_drord_flag     是否为长期医嘱          C3     Y   # 1 是 0 否
    hilist_type         目录类别                C3     Y
    chrg_type           收费类别                C3     Y
    drord_bhvr          医嘱行为                C3     Y
    hilist_code         医保目录代码            C50    Y   # C20 in the table; national codes are longer
    hilist_name         医保目录名称            C200   Y   # C50 in the table; catalogue names are longer
    hilist_dosform      医保目录(药品)剂型      C50    N
    hilist_lv           医保目录等级            C3     Y
    hilist_pric         医保目录价格            N16,2  Y
    lv1_hosp_item_pric  一级医院目录价格        N16,2  N
    lv2_hosp_item_pric  二级医院目录价格        N16,2  N
    lv3_hosp_item_pric  三级医院目录价格        N16,2  N
    hilist_memo         医保目录备注            C200   N
    hosplist_code       医院目录代码            C30    Y   # C20 in the table
    hosplist_name       医院目录名称            C200   Y   # C50 in the table
    hosplist_dosform    医院目录(药品)剂型      C20    N
    cnt                 数量                    N6,2   Y
    pric                单价                    N16,2  Y
    sumamt              总费用                  N16,2  Y
    ownpay_amt          自费金额                N16,2  Y
    selfpay_amt         自付金额                N16,2  Y
    spec                规格                    C100   Y
    spec_unt            数量单位                C20    Y
    drord_begn_date     医嘱开始日期            DT     Y
    drord_stop_date     医嘱停止日期            DT     N
    drord_dept_codg     下达医嘱的科室标识      C30    Y
    drord_dept_name     下达医嘱科室名称        C50    Y
    drord_dr_codg       开处方(医嘱)医生标识    C30    Y
    drord_dr_name       开处方(医嘱)医生姓名    C30    Y
    drord_dr_profttl    开处方(医嘱)医职称      C3     Y
    curr_drord_flag     是否当前处方(医嘱)      C3     Y   # 1 本次处方(医嘱)
    """,
    many=True,
    label="处方(医嘱)信息",
)

OPERATION_DTOS = node(
    "fsi_operation_dtos",
    """
    setl_list_oprn_id  手术操作ID      C30    Y
    oprn_code          手术操作代码    C30    N
    oprn_name          手术操作名称    C500   N
    main_oprn_flag     主手术操作标志  C3     Y
    oprn_date          手术操作日期    DT     N
    anst_way           麻醉方式        C30    N
    oper_dr_name       术者医师姓名    C50    N
    oper_dr_code       术者医师代码    C30    N
    anst_dr_name       麻醉医师姓名    C50    N
    anst_dr_code       麻醉医师代码    C30    N
    """,
    many=True,
    label="手术操作信息",
)

ENCOUNTER_DTOS = node(
    "fsi_encounter_dtos",
    """
    mdtrt_id             就诊标识              C50    Y
    medins_id            医疗服务机构标识      C50    Y
    medins_name          医疗机构名称          C200   Y
    medins_admdvs        医疗机构行政区划编码  C6     Y
    medins_type          医疗服务机构类型      C3     Y
    medins_lv            医疗机构等级          C3     Y
    wardarea_codg        病区标识              C20    N
    wardno               病房号                C20    N
    bedno                病床号                C20    N
    adm_date             入院日期              DT     Y
    dscg_date            出院日期              DT     Y
    dscg_main_dise_codg  主诊断编码            C20    Y
    dscg_main_dise_name  主诊断名称            C50    Y
    fsi_diagnose_dtos    诊断信息集合          J      Y
    dr_codg              医师标识              C20    Y
    adm_dept_codg        入院科室标识          C20    Y
    adm_dept_name        入院科室名称          C50    Y
    dscg_dept_codg       出院科室标识          C20    Y
    dscg_dept_name       出院科室名称          C50    Y
    med_mdtrt_type       就诊类型              C3     Y   # 1 门诊 2 住院 3 购药 4 其他
    med_type             医疗类别              C6     Y  @med_type
    fsi_order_dtos       处方(医嘱)信息        J      Y
    matn_stas            生育状态              C3     Y
    medfee_sumamt        总费用                N16,2  Y
    ownpay_amt           自费金额              N16,2  Y
    selfpay_amt          自付金额              N16,2  Y
    acct_payamt          个人账户支付金额      N16,2  N
    ma_amt               救助金支付金额        N16,2  N
    hifp_payamt          统筹金支付金额        N16,2  N
    setl_totlnum         结算总次数            I4     Y
    insutype             险种                  C6     Y  @insutype
    reim_flag            报销标志              C3     Y
    out_setl_flag        异地结算标志          C3     Y
    fsi_operation_dtos   手术操作集合          J      N
    """,
    rows=(DIAGNOSE_DTOS, ORDER_DTOS, OPERATION_DTOS),
    many=True,
    label="就诊信息",
)

PATIENT_DTOS = node(
    "patient_dtos",
    """
    patn_id             参保人标识      C50   Y   # 参保人唯一ID
    patn_name           姓名            C50   Y
    gend                性别            C3    Y  @gend
    brdy                出生日期        D     Y
    poolarea            统筹区编码      C10   Y
    curr_mdtrt_id       当前就诊标识    C50   Y   # 本次就诊记录唯一ID
    fsi_encounter_dtos  就诊信息集合    J     Y
    fsi_his_data_dto    医院信息集合    J     N
    """,
    rows=(ENCOUNTER_DTOS,),
    many=True,
    label="参保人信息",
)

DATA_3101 = node(
    "data",
    """
    syscode        系统编码        C10   C   # Y in the table; a public client that calls the bureau omits it
    task_id        任务ID          C50   N   # 每次请求的唯一标识
    trig_scen      触发场景        C3    C   # 与 rule_ids 指定其一即可, 优先指定此值
    rule_ids       规则标识集合    J     C
    patient_dtos   参保人信息集合  J     Y
    """,
    rows=(PATIENT_DTOS,),
    label="规则分析信息",
)

JUDGE_DETAIL_DTOS = node(
    "judge_result_detail_dtos",
    """
    jrd_id          违规明细标识  C50
    patn_id         参保人标识    C50
    mdtrt_id        就诊标识      C50
    rx_id           处方(医嘱)标识  C50
    vola_item_type  违规明细类型  C3
    vola_amt        违规金额      N16,2
    """,
    many=True,
    label="违规明细",
)

RESULT = node(
    "result",
    """
    jr_id                     违规标识          C50
    rule_id                   规则ID            C50
    rule_name                 规则名称          C200
    vola_cont                 违规内容          C500
    patn_id                   参保人ID          C50
    mdtrt_id                  就诊ID            C50
    judge_result_detail_dtos  违规明细          J
    vola_amt                  违规金额          N16,2
    vola_amt_stas             违规金额计算状态  C3
    sev_deg                   严重程度          C3
    vola_evid                 违规依据          C500
    vola_bhvr_type            违规行为分类      C3
    task_id                   任务ID            C50
    """,
    rows=(JUDGE_DETAIL_DTOS,),
    many=True,
    required=False,
    label="违规信息",
)

WARNS = node(
    "warns",
    """
    warn_rslt_id  违规标识  C50   Y   # 取自 3101/3102 的 jr_id
    dspo_way      处理方式  C3    Y   # 1 继续执行医嘱 2 返回修改医嘱
    dspo_way_rea  处理原因  C500  C   # dspo_way 为 1 时必填
    """,
    many=True,
    label="处理数据",
)

DATA_3103 = node(
    "data",
    """
    warn_type  反馈类型      C3   Y   # 1 事前 2 事中
    warns      处理数据集合  J    Y
    """,
    rows=(WARNS,),
    label="反馈信息",
)

SCHEMAS: dict[str, Schema] = {
    "3101": Schema("full", request=(DATA_3101,), response=(RESULT,), source=f"{_SZ}; {_CQ}Input_3101.cs"),
    "3102": Schema(
        "full",
        request=(DATA_3101,),
        response=(RESULT,),
        source=f"{_SZ} (same table); {_CQ}Input_3102.cs",
    ),
    "3103": Schema("full", request=(DATA_3103,), source=_FB),
}

# Transactions of this module for which no public field table was found: infno -> what was searched.
UNPUBLISHED: dict[str, str] = {}
