"""Field tables of the 信息采集上传 category, clinical reports: 4501-4506 uploads and the 4507-4512 queries
that read them back.

Sources (numbered spec rows with type, length, 代码 and 必填 columns, transcribed field for field):
- 4501, 4502, 4505: newtouch-cloud/openhis `WinServiceAPI/YiBaoInterface/Models/Input/`
  `Input_{4501,4502,4505}.cs`
  (4502's `imageinfo` class there copies 4501's and is left out: it passes through unchecked).
- 4503, 4504: the Inner Mongolia client in the same repository, `WinServiceAPI/NeiMengGuYiBaoApp/Models/Input/
  YiBao/Input_{4503,4504}.cs` (same row format); `germ_code`/`germ_name` are printed 日期型 without a length,
  an evident slip: text, unbounded.
- 4506: names only (the same client's `Input_4506`, and fengzaiqishi11/hsa-his
  `InsureUnifiedClinicalBOImpl.java`, which sends 4503-4506 as a `data` list): partial.
- 4507-4512 are the spec's six report queries; their codes follow the spec's order (catalog notes) and no
  bureau table exists for them.  Their request names the visit (`mdtrt_sn`, `mdtrt_id`, `psn_no`,
  `rpotc_no`), their answer lists what the matching upload recorded (registry `answers_from`): partial.
Reading rules as in upload_clinical.  The uploads answer with no output body.  Data only.
"""

from __future__ import annotations

from dataclasses import replace

from medical_insurance_sdk.registry.fields import Node, Schema, node

_CQ = "newtouch-cloud/openhis WinServiceAPI/YiBaoInterface/Models/Input/"
_NM = "newtouch-cloud/openhis WinServiceAPI/NeiMengGuYiBaoApp/Models/Input/YiBao/"
_HN = "fengzaiqishi11/hsa-his InsureUnifiedClinicalBOImpl.java"

# --- 4501 临床检查 / 4502 临床检验 -----------------------------------------------------------------------

EXAMINFO_4501 = node(
    "examinfo",
    """
    mdtrt_sn                    就医流水号              C30    Y  # 院内唯一号
    mdtrt_id                    就诊ID               C30    N  # 医保病人必填
    psn_no                      人员编号               C30    N  # 医保病人必填
    appy_no                     申请单号               C50    N
    appy_doc_name               申请单据名称             C50    N
    rpotc_no                    报告单号               C30    N
    rpotc_type_code             报告单类别代码            C30    N
    exam_rpotc_name             检查报告单名称            C50    N
    exam_date                   检查日期               D      N
    rpt_date                    报告日期               D      N
    cma_date                    送检日期               D      N
    sapl_date                   采样日期               D      N
    spcm_no                     标本号                C30    N
    spcm_name                   标本名称               C30    N
    exam_type_code              检查类别代码             C10    N
    exam_item_code              检查-项目代码            C30    N
    exam_type_name              检查-类别名称            C100   N
    exam_item_name              检查-项目名称            C300   N
    inhosp_exam_item_code       院内检查-项目代码          C30    N
    inhosp_exam_item_name       院内检查-项目名称          C300   N
    exam_part                   检查部位               C500   N
    exam_rslt_poit_flag         检查结果阳性标志           C2     N
    exam_rslt_abn               检查/检验结果异常标志        C10    N
    exam_ccls                   检查结论               C1000  N
    appy_org_name               申请机构名称             C50    N
    appy_dept_code              申请科室代码             C30    N  # 参照科室代码（dept）
    exam_dept_code              检查科室代码             C30    N  # 参照科室代码（dept）
    ipt_dept_code               住院科室代码             C30    N  # 参照科室代码（dept）
    ipt_dept_name               住院科室名称             C50    N
    bilg_dr_codg                开单医生代码             C30    N
    bilg_dr_name                开单医生姓名             C30    N
    exe_org_name                执行机构名称             C200   N
    vali_flag                   有效标志               C3     Y  @vali_flag
    """,
    label="检查记录",
)

ITEMINFO_4501 = node(
    "iteminfo",
    """
    appy_no                     申请单号               C50    N
    rpotc_no                    报告单号               C30    N
    exam_item_code              检查-项目代码            C30    N
    exam_item_name              检查-项目名称            C300   N
    inhosp_exam_item_code       院内检查-项目代码          C30    N
    inhosp_exam_item_name       院内检查-项目名称          C300   N
    exam_charge                 检查费用               N16,2  N
    """,
    many=True,
    label="检查项目信息",
)

SAMPLEINFO_4501 = node(
    "sampleinfo",
    """
    rpotc_no                    报告单号               C30    N
    appy_no                     申请单号               C50    N
    sapl_date                   采样日期               D      N
    spcm_no                     标本号                C30    N
    spcm_name                   标本名称               C30    N
    """,
    many=True,
    required=False,
    label="检查标本信息",
)

IMAGEINFO_4501 = node(
    "imageinfo",
    """
    rpotc_no                    报告单号               C30    Y
    study_uid                   全局唯一号              C200   Y  # 图像中的study_u id
    patient_id                  检查号                C30    N
    patient_name                患者姓名               C30    N  # 图像中的患者姓名
    acession_no                 图像流水号              C30    N  # 图像中的Accessi onNumbe r
    study_time                  检查时间               DT     N
    modality                    检查类型               C20    N
    store_path                  存储路径               C300   N
    series_count                序列数量               I8     N
    image_count                 图像数量               I8     N
    """,
    many=True,
    required=False,
    label="检查影像信息",
)

LABINFO_4502 = node(
    "labinfo",
    """
    mdtrt_sn                    就医流水号              C30    Y  # 院内唯一号
    mdtrt_id                    就诊ID               C30    N  # 医保病人必填
    psn_no                      人员编号               C30    N  # 医保病人必填
    appy_no                     申请单号               C50    N
    appy_org_code               申请机构代码             C50    N
    appy_org_name               申请机构名称             C50    N
    bilg_dr_codg                开单医生代码             C30    N
    bilg_dr_name                开单医生姓名             C30    N
    exam_org_code               检验机构代码             C50    N
    exam_org_name               检验机构名称             C100   N
    appy_dept_code              申请科室代码             C30    N  # 参照科室代码（dept）
    exam_dept_code              检查科室代码             C30    N  # 参照科室代码（dept）
    exam_mtd                    检验方法               C50    N
    rpotc_no                    报告单号               C30    N
    exam_item_code              检验-项目代码            C30    N
    exam_item_name              检验-项目名称            C300   N
    inhosp_exam_item_code       院内检验-项目代码          C30    N
    inhosp_exam_item_name       院内检验-项目名称          C300   N
    rpt_date                    报告日期               D      N
    rpot_doc                    报告医师               C50    N
    exam_charge                 检查费用               N16,2  N
    vali_flag                   有效标志               C3     Y
    """,
    label="检验记录",
)

ITEMINFO_4502 = node(
    "iteminfo",
    """
    rpotc_no                    报告单号               C30    N
    appy_no                     申请单号               C50    N
    exam_mtd                    检验方法               C50    N
    ref_val                     参考值                C20    N
    exam_unt                    检验-计量单位            C200   N
    exam_rslt_val               检验-结果(数值)          I11    N
    exam_rslt_dicm              检验-结果(定性)          C2000  N
    exam_item_detl_code         检验-项目明细代码          C30    N
    exam_item_detl_name         检验-项目明细名称          C300   N
    exam_rslt_abn               检查/检验结果异常标识        C10    N
    """,
    many=True,
    label="检验明细",
)

SAMPLEINFO_4502 = node(
    "sampleinfo",
    """
    rpotc_no                    报告单号               C30    N
    appy_no                     申请单号               C50    N
    sapl_date                   采样日期               D      N
    spcm_no                     标本号                C30    N
    spcm_name                   标本名称               C30    N
    """,
    many=True,
    required=False,
    label="检验标本信息",
)

# --- 4503 细菌培养 / 4504 药敏 / 4505 病理 / 4506 非结构化 -----------------------------------------------

_REPORT_HEAD = """
    mdtrt_sn            就医流水号            C30    Y  # 院内唯一号
    mdtrt_id            就诊ID                C30    N  # 医保病人必填
    psn_no              人员编号              C30    N  # 医保病人必填
    appy_no             申请单号              C18    Y
    rpotc_no            报告单号              C50    Y
    germ_code           细菌代号              C      Y
    germ_name           细菌名称              C      Y
"""

DATA_4503 = node(
    "data",
    _REPORT_HEAD
    + """
    coly_cntg           菌落计数              C200   Y
    clte_medm           培养基                C1000  Y
    clte_time           培养时间              C1000  Y
    clte_cond           培养条件              C1000  Y
    exam_rslt           检验结果              C4000  Y
    fnd_way             发现方式              C50    Y
    exam_org_name       检验机构名称          C50    Y
    vali_flag           有效标志              C3     Y  @vali_flag
    """,
    label="细菌培养报告",
)

DATA_4504 = node(
    "data",
    _REPORT_HEAD
    + """
    sstb_code           药敏代码              C200   Y
    sstb_name           药敏名称              C1000  Y
    reta_rslt_code      抗药结果代码          C1000  Y
    reta_rslt_name      抗药结果              C1000  Y
    ref_val             参考值                C4000  Y
    exam_mtd            检验方法              C50    Y
    exam_rslt           检验结果              C50    Y
    exam_org_name       检验机构名称          C50    Y
    vali_flag           有效标志              C3     Y  @vali_flag
    """,
    label="药敏报告",
)

DATA_4505 = node(
    "data",
    """
    mdtrt_sn                    就医流水号              C30    Y  # 院内唯一号
    mdtrt_id                    就诊ID               C30    N  # 医保病人必填
    psn_no                      人员编号               C30    N  # 医保病人必填
    palg_no                     病理号                C18    Y
    frozen_no                   冰冻号                C50    Y
    cma_date                    送检日期               D      Y
    rpot_date                   报告日期               D      Y
    cma_matl                    送检材料               C200   Y
    clnc_dise                   临床诊断               C1000  Y
    exam_fnd                    检查所见               C1000  Y
    sabc                        免疫组化               C1000  Y
    palg_diag                   病理诊断               C4000  Y
    rpot_doc                    报告医师               C50    Y
    vali_flag                   有效标志               C3     Y  @vali_flag
    """,
    label="病理检查报告",
)

DATA_4506 = node(
    "data",
    """
    mdtrt_sn            就医流水号            C      N
    mdtrt_id            就诊ID                C      N
    psn_no              人员编号              C      N
    otp_ipt_flag        门诊/住院标志         C      N
    exam_test_flag      检查/检验标志         C      N
    appy_no             申请号                C      N
    file_name           文件名                C      N
    file_formate        文件格式类型          C      N
    exam_test_rpot      检查/检验报告         C      N  # base64
    vali_flag           有效标志              C      N
    """,
    many=True,
    label="非结构化报告",
)

# --- 4507-4512: the queries read back what 4501-4506 recorded ------------------------------------------

_QUERY = node(
    "data",
    """
    mdtrt_sn            就医流水号            C30    N
    mdtrt_id            就诊ID                C30    N
    psn_no              人员编号              C30    N
    rpotc_no            报告单号              C50    N
    """,
    label="查询条件",
)


def _answer(upload: Node) -> Node:
    """The answer rows of a report query: the fields of the upload's main record, all optional."""
    rows = tuple(replace(f, required=False) for f in upload.fields)
    return node("data", rows, many=True, required=False, label=upload.label)


_QUERIES = {
    "4507": EXAMINFO_4501,
    "4508": LABINFO_4502,
    "4509": DATA_4503,
    "4510": DATA_4504,
    "4511": DATA_4505,
    "4512": DATA_4506,
}

SCHEMAS: dict[str, Schema] = {
    "4501": Schema(
        "full",
        request=(EXAMINFO_4501, ITEMINFO_4501, SAMPLEINFO_4501, IMAGEINFO_4501),
        source=_CQ + "Input_4501.cs",
    ),
    "4502": Schema(
        "full", request=(LABINFO_4502, ITEMINFO_4502, SAMPLEINFO_4502), source=_CQ + "Input_4502.cs"
    ),
    "4503": Schema("full", request=(DATA_4503,), source=_NM + "Input_4503.cs; " + _HN),
    "4504": Schema("full", request=(DATA_4504,), source=_NM + "Input_4504.cs; " + _HN),
    "4505": Schema("full", request=(DATA_4505,), source=_CQ + "Input_4505.cs"),
    "4506": Schema("partial", request=(DATA_4506,), source=_NM + "Input_4506.cs (names only); " + _HN),
    **{
        infno: Schema(
            "partial",
            request=(_QUERY,),
            response=(_answer(upload),),
            source="answer: the fields of the upload it reads back; request: the visit's keys",
        )
        for infno, upload in _QUERIES.items()
    },
}
