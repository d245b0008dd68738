"""Field tables of the 其他功能 category: 9001/9002 sign-in and sign-out, 9101/9102 file transfer.

Source: reference §3 (nhsa-protocol.md) "9001 签到 / 9002 签退" and "9101 文件上传 / 9102 文件下载".
Data only.
"""

from __future__ import annotations

from medical_insurance_sdk.registry.fields import Schema, node, parse_fields, root

_REF = "reference §3"

# 9101 answers with root-level fields (no node).
UPLOAD_RESULT_FIELDS = parse_fields(
    """
    file_qury_no    文件查询号      C30   Y
    filename        文件名          C200  Y
    fixmedins_code  医药机构编号    C30
    dld_endtime     下载截止时间    C30
    """
)

SCHEMAS: dict[str, Schema] = {
    "9001": Schema(
        "full",
        request=(
            node(
                "signIn",
                """
                opter_no  操作员编号    C20   Y
                mac       签到MAC地址   C20   N   # Y in the Shenzhen copy, blank in the CQ copy
                ip        签到IP地址    C20   Y
                """,
            ),
        ),
        response=(
            node(
                "signinoutb",
                """
                sign_time   签到时间        DT
                sign_no     签到编号        C30   # reuse it as the envelope sign_no
                """,
                label="签到信息",
            ),
        ),
        source=_REF + " 9001",
    ),
    "9002": Schema(
        "full",
        request=(
            node(
                "signOut",
                """
                sign_no   签到编号      C30   N
                opter_no  操作员编号    C20   Y
                """,
            ),
        ),
        response=(node("signoutoutb", "sign_time 签退时间 DT", label="签退信息"),),
        source=_REF + " 9002",
    ),
    "9101": Schema(
        "full",
        request=(
            node(
                "fsUploadIn",
                """
                in              文件数据        J     Y   # Base64 of the zip bytes (or a byte array)
                filename        文件名          C200  Y
                fixmedins_code  医药机构编号    C30   Y
                """,
            ),
        ),
        response=(root(UPLOAD_RESULT_FIELDS),),
        source=_REF + " 9101",
    ),
    "9102": Schema(
        "full",
        request=(
            node(
                "fsDownloadIn",
                """
                file_qury_no    文件查询号      C30   Y
                filename        文件名          C200  Y
                fixmedins_code  医药机构编号    C30   Y   # "plc" for 13xx catalogue files (working client)
                """,
            ),
        ),
        source=_REF + " 9102",
        notes="the answer is the file itself (application/octet-stream zip); no JSON output node",
    ),
}
