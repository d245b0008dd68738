"""Field tables of the 电子处方服务 category: 7101 上传预核验 (camelCase, national edition).

Source: reference §3 "Electronic prescription" (names only [1/L]): `partial`, strings without lengths,
nested nodes as JSON, nothing required.  The other 71xx/72xx transactions stay generic: editions and
numbering differ between provinces.  Data only.
"""

from __future__ import annotations

from medical_insurance_sdk.registry.fields import Schema, node

SCHEMAS: dict[str, Schema] = {
    "7101": Schema(
        "partial",
        request=(
            node(
                "data",
                """
                mdtrtCertType   就诊凭证类型        C
                mdtrtCertNo     就诊凭证编号        C
                cardSn          卡识别码            C
                bizTypeCode     业务类型代码        C
                rxExraAttrCode  处方附加属性代码    C
                ecToken         电子凭证令牌        C
                authNo          授权编号            C
                insuPlcNo       参保地编号          C
                mdtrtareaNo     就医地编号          C
                hospRxno        定点机构处方编号    C
                initRxno        续方的原处方编号    C
                rxTypeCode      处方类别代码        C
                prscTime        开方时间            C
                rxDrugCnt       药品类目数          C
                rxUsedWayCodg   处方整剂用法编号    C
                rxUsedWayName   处方整剂用法名称    C
                rxFrquCodg      处方整剂频次编号    C
                rxFrquName      处方整剂频次名称    C
                rxDosunt        处方整剂剂量单位    C
                rxDoscnt        处方整剂单次剂量数  C
                rxDrordDscr     处方整剂医嘱说明    C
                valiDays        处方有效天数        C
                valiEndTime     有效截止时间        C
                reptFlag        复用标志            C
                maxReptCnt      最大使用次数        C
                minInrvDays     使用最小间隔        C
                rxCotnFlag      续方标志            C
                longRxFlag      长期处方标志        C
                rxdrugdetail    处方明细信息        J
                mdtrtinfo       就诊信息            J
                diseinfo        诊断信息            J
                """,
            ),
        ),
        response=(
            node(
                "data",
                """
                hiRxno        医保处方编号  C
                rxTraceCode   处方追溯码    C
                """,
            ),
        ),
        source="reference §3 electronic prescription 7101",
    ),
}
