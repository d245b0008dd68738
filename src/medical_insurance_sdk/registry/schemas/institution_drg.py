"""Field tables of the 医药机构管理 category: 3601-3611 DRG/DIP and 3701-3704 appeals (data only).

3607 结算清单质控结果查询 is partial: the Inner Mongolia client of newtouch-cloud/openhis types its answer
(`WinServiceAPI/NeiMengGuYiBaoApp/Models/Output/YiBao/Output_3607.cs`: label, type, length, 必填 in the
comments; the fields sit directly in `output`, the details in the `detl_list` list) but names its request
keys only (`Input/YiBao/Input_3607.cs`: setl_ym 以 yyyymm, setl_id, page_num, page_size), so the request
keeps the lengths of the same fields in the answer and nothing is required.  The others: UNPUBLISHED.
"""

from __future__ import annotations

from medical_insurance_sdk.registry.fields import Schema, node, root

_NM = "newtouch-cloud/openhis WinServiceAPI/NeiMengGuYiBaoApp/Models/"

SCHEMAS: dict[str, Schema] = {
    "3607": Schema(
        "partial",
        request=(
            node(
                "data",
                """
                setl_ym     结算年月    C6    N   # yyyymm
                setl_id     结算ID      C30   N
                page_num    当前页数    I10   N
                page_size   本页数据量  I10   N
                """,
                label="查询条件",
            ),
        ),
        response=(
            root(
                """
                fixmedins_code  定点医药机构编号  C30   Y
                fixmedins_name  定点医药机构名称  C255
                setl_ym         结算年月          C6    Y
                setl_id         结算ID            C30   Y
                psn_no          人员编号          C30   Y
                psn_name        人员姓名          C50   Y
                psn_cert_type   人员证件类型      C6    @psn_cert_type
                cert_no         证件号码          C30
                qltctrl_rslt    质控结果          C6    Y
                err_lv          错误等级          C6
                retn_flag       回退标志          C3
                qltctrl_ver     质控版本号        C60
                grp_stas        分组状态          C6
                """
            ),
            node(
                "detl_list",
                """
                exam_data_fld    检查数据字段  C100  Y
                qltctrl_chkrslt  质控校验结果  C100  Y
                err_lv           错误等级      C3    Y
                retn_flag        回退标志      C3    Y
                init_val         初始值        C60
                """,
                many=True,
                required=False,
                label="质控结算清单结果详情",
            ),
        ),
        source=f"{_NM}Output/YiBao/Output_3607.cs (typed answer); {_NM}Input/YiBao/Input_3607.cs (request "
        "names only)",
    ),
}

# Transactions of this module for which no public field table was found: infno -> what was searched.
_DRG = (
    "Codes chosen by us in the spec's order (open questions); searched the code and pages corpora "
    "for the path name with DRG/DIP 接口, 退出申请, 分组结果, the infno with psn_no/mdtrt_id, "
    "openhis and binzhe12123/Medical: no public client or 接口规范 excerpt describes it.  Second round: "
    "exact-string search of the whole index (DRG退出, appy_stas, dip_grp), the Inner Mongolia models of "
    "openhis (only 3607 among 36xx) and the docs corpus: nothing."
)
_APPEAL = (
    "Codes chosen by us in the spec's order (open questions); searched the code and pages corpora "
    "for 申诉提交, 合议, 扣款节点, 审核申诉 with the infno and psn_no/setl_id, openhis and "
    "binzhe12123/Medical: no national table (one Hunan client uses 3701-3704 for local queries).  Second "
    "round: the Inner Mongolia models of openhis (no 37xx) and the docs corpus: nothing."
)
UNPUBLISHED: dict[str, str] = {
    "3601": _DRG,
    "3602": _DRG,
    "3603": _DRG,
    "3604": _DRG,
    "3605": _DRG,
    "3606": _DRG,
    "3608": _DRG,
    "3609": _DRG,
    "3610": _DRG,
    "3611": _DRG,
    "3701": _APPEAL,
    "3702": _APPEAL,
    "3703": _APPEAL,
    "3704": _APPEAL,
}
