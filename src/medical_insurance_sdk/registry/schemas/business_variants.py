"""Field tables of two 医保业务服务 transactions beside the national 22xx/25xx tables: 2203A, 2507.

- 2203A 药店门诊就诊信息上传: the suffixed variant of 2203 as a public client transcribes it, field for
  field with type, length and 必填 in the comments (newtouch-cloud/openhis
  `WinServiceAPI/YiBaoInterface/Models/Input/Input_2203A.cs`; its outpatient ``diseinfo`` rows, kept there
  in a comment, are 2203's; `Output_2203A.cs` is empty: no output body, as reference §9 says).  It is 2203
  without ``expContent`` and with ``matn_type`` / ``geso_val``.
- 2507 人员意外伤害备案: only the field names are public, in two clients that agree (a Java HIS,
  `com.openhis.yb.dto.PersUnintInj2507Param` "【2507】人员意外伤害备案（输入）", and a hospital platform's
  insure service that sends ``{"data": {...}}`` and reads ``output.result.trt_dcla_detl_sn``).  No copy
  prints lengths or the 必填 column, so the table is ``partial``: each field keeps the type of the same
  field in the published national tables (2501/2503/2505 input, 5304 output, 1101, 1201), a field with no
  published counterpart is unbounded text, 开始/结束日期 take both forms the two clients send, and only
  人员编号 is required (every 25xx filing requires it).
Data only.
"""

from __future__ import annotations

from medical_insurance_sdk.registry.fields import Schema, node
from medical_insurance_sdk.registry.schemas.business import DCLA_RESULT, DISEINFO_2203

MDTRTINFO_2203A = node(
    "mdtrtinfo",
    """
    mdtrt_id          就诊ID                  C30    Y
    psn_no            人员编号                C30    Y
    med_type          医疗类别                C6     Y  @med_type
    begntime          开始时间                DT     Y   # 就诊时间
    main_cond_dscr    主要病情描述            C1000  N
    dise_codg         病种编码                C30    N   # 按病种结算病种目录代码
    dise_name         病种名称                C500   N
    birctrl_type      计划生育手术类别        C6     N  @birctrl_type   # 生育门诊按需录入
    birctrl_matn_date 计划生育手术或生育日期  D      N
    matn_type         生育类别                C6     N  @matn_type
    geso_val          孕周数                  I2     N
    """,
    label="就诊信息",
)

DATA_2507 = node(
    "data",
    """
    dcla_souc         申报来源              C6     N
    insutype          险种类型              C6     N  @insutype
    psn_no            人员编号              C30    Y
    psn_insu_rlts_id  人员参保关系ID        C      N
    psn_cert_type     人员证件类型          C6     N  @psn_cert_type
    certno            证件号码              C50    N
    psn_name          人员姓名              C50    N
    gend              性别                  C6     N  @gend
    naty              民族                  C3     N  @naty
    brdy              出生日期              D      N
    tel               联系电话              C50    N
    addr              联系地址              C200   N
    insu_admdvs       参保所属医保区划      C6     N
    emp_no            单位编号              C      N
    emp_name          单位名称              C200   N
    mdtrtarea_admdvs  就医地医保区划        C6     N
    fixmedins_code    定点医药机构编号      C30    N
    fixmedins_name    定点医药机构名称      C200   N
    hosp_lv           医院等级              C6     N
    adm_time          入院时间              DT     N
    trum_time         受伤时间              DT     N
    trum_site         受伤地点              C      N
    trum_rea          致伤原因              C      N
    chk_pay_flag      审核支付标志          C      N
    agnter_name       代办人姓名            C50    N
    agnter_cert_type  代办人证件类型        C6     N
    agnter_certno     代办人证件号码        C50    N
    agnter_tel        代办人联系方式        C30    N
    agnter_addr       代办人联系地址        C200   N
    agnter_rlts       代办人关系            C3     N
    begndate          开始日期              C19    N   # one client sends yyyy-MM-dd, the other a datetime
    enddate           结束日期              C19    N
    memo              备注                  C500   N
    """,
    label="意外伤害备案信息",
)

SCHEMAS: dict[str, Schema] = {
    "2203A": Schema(
        "full",
        request=(MDTRTINFO_2203A, DISEINFO_2203),
        source=(
            "newtouch-cloud/openhis WinServiceAPI/YiBaoInterface/Models/Input/Input_2203A.cs (spec rows in "
            "comments; diseinfo as 2203), Output/Output_2203A.cs (no output body)"
        ),
    ),
    "2507": Schema(
        "partial",
        request=(DATA_2507,),
        response=(DCLA_RESULT,),
        source=(
            "field names: a Java HIS's PersUnintInj2507Param (com.openhis.yb.dto) and a hospital platform's "
            "insure service (output.result.trt_dcla_detl_sn); types from the same fields of 2501/2503/2505/"
            "5304; no public copy prints lengths or 必填"
        ),
        notes="Answers result.trt_dcla_detl_sn like 2501/2503/2505.",
    ),
}
