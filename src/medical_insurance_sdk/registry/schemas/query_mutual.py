"""Field tables of the 信息查询服务 category, mutual recognition of examinations: 5401 项目互认信息查询,
5402 报告明细信息查询 (5461: see UNPUBLISHED).

Sources: the Inner Mongolia client of newtouch-cloud/openhis, `WinServiceAPI/NeiMengGuYiBaoApp/Models/
{Input,Output}/YiBao/*_540x.cs` (lengths and 必填 in the comments), checked against a public Guangzhou
client (API.GZSI `RequestGzsiModel540x` / `ResponseGzsiModel5401`) and a public DHC client
(`dhcinsu.rptdetailinfo.js`) for node and key names; the answers keep the camelCase keys those clients
read (`examCcls`, `bilgDrName`).  Data only.
"""

from __future__ import annotations

from medical_insurance_sdk.registry.fields import Schema, node

SCHEMAS: dict[str, Schema] = {
    "5401": Schema(
        "full",
        request=(
            node(
                "bilgiteminfo",
                """
                psn_no          人员编号          C30   Y
                exam_org_code   检查机构代码      C50   N
                exam_org_name   检查机构名称      C50   N
                exam_item_code  检查项目代码      C30   N
                exam_item_name  检查项目名称      C300  N
                """,
                label="项目信息",
            ),
        ),
        response=(
            node(
                "bilgiteminfo",
                """
                psn_no               人员编号              C30    Y
                rpotc_no             报告单号              C30    Y
                rpt_date             报告日期              D
                rpotc_type_code      报告单类别代码        C30
                fixmedins_code       机构编号              C20
                exam_rpotc_name      检查报告单名称        C50
                exam_rslt_poit_flag  检查结果阳性标志      C2
                exam_rslt_abn        检查/检验结果异常标志 C10
                examCcls             检查结论              C1000
                """,
                many=True,
                label="互认项目",
            ),
        ),
        source=(
            "newtouch-cloud/openhis WinServiceAPI/NeiMengGuYiBaoApp/Models/Input/YiBao/Input_5401.cs, "
            "Output/YiBao/Output_5401.cs (必填 and lengths in the comments); "
            "node names and examCcls as a public Guangzhou client (API.GZSI RequestGzsiModel5401, "
            "ResponseGzsiModel5401) and hsa-his read them"
        ),
        notes="fengzaiqishi11/hsa-his sends the request under `data`; three other clients send "
        "`bilgiteminfo`, followed here.",
    ),
    "5402": Schema(
        "full",
        request=(
            node(
                "rptdetailinfo",
                """
                psn_no          人员编号  C30   Y
                rpotc_no        报告单号  C30   Y
                fixmedins_code  机构编号  C30   Y   # printed 20; the national length 30 is kept
                """,
                label="报告查询条件",
            ),
        ),
        response=(
            node(
                "checkReportDetails",
                """
                psn_no               人员编号          C30    Y
                rpotc_no             报告单号          C30    Y
                rpt_date             报告日期          D
                rpotc_type_code      报告单类别代码    C30
                exam_rpotc_name      检查报告单名称    C50
                exam_rslt_poit_flag  检查结果阳性标志  C2
                exam_rslt_abn        检查异常标志      C10
                exam_ccls            检查结论          C1000
                bilgDrName           报告医师          C50
                """,
                many=True,
                label="检查报告明细",
            ),
            node(
                "inspectionReportInformation",
                """
                psn_no          人员编号        C30    Y
                rpotc_no        报告单号        C30
                exam_item_code  检验-项目代码   C30
                exam_item_name  检验-项目名称   C300
                rpt_date        报告日期        D
                rpot_doc        报告医师        C50
                """,
                many=True,
                label="检验报告信息",
            ),
            node(
                "inspectionDetails",
                """
                rpotc_no             报告单号              C30
                exam_mtd             检验方法              C50
                ref_val              参考值                C20
                exam_unt             检验-计量单位         C200
                exam_rslt_val        检验-结果(数值)       N11,4  # printed 数值型 11 without a scale
                exam_rslt_qual       检验-结果(定性)       C2000
                exam_item_detl_code  检验-项目明细代码     C30
                exam_item_detl_name  检验-项目明细名称     C300
                exam_rslt_abn        检查/检验结果异常标识 C10
                """,
                many=True,
                label="检验明细",
            ),
        ),
        source=(
            "newtouch-cloud/openhis WinServiceAPI/NeiMengGuYiBaoApp/Models/Input/YiBao/Input_5402.cs, "
            "Output/YiBao/Output_5402.cs (必填 and lengths in the comments); the request node and its three "
            "required keys agree with a public Guangzhou client (API.GZSI RequestGzsiModel5402); the "
            "answer's node names and bilgDrName as a public DHC client reads them (dhcinsu.rptdetailinfo.js)"
        ),
        notes="The Inner Mongolia copy spells the third answer node `inspectiondetails`; the DHC client's "
        "`inspectionDetails` is kept.",
    ),
}

# Transactions of this module for which no public field table was found: infno -> what was searched.
UNPUBLISHED: dict[str, str] = {
    "5461": (
        "Our code (open questions: upper end of 5401-5461); searched the code corpus for "
        "检查检验结果互认查询授权 and 5461 with psn_no/fixmedins_code, openhis, "
        "binzhe12123/Medical and hsa-his: nothing found; second round: the Inner Mongolia models of openhis "
        "(5401/5402 only) and a public Guangzhou client (5401/5402 only)."
    ),
}
