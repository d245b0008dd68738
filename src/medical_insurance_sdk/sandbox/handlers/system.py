"""System transactions of the sandbox bureau: 9001 签到, 9002 签退, 9101 文件上传, 9102 文件下载.

    9001 {"signIn": {"opter_no": "001", "ip": "10.0.0.10"}}  →  {"signinoutb": {"sign_no": "40281733", …}}
    9102 {"fsDownloadIn": {"file_qury_no": …, "filename": …, "fixmedins_code": "plc"}}  →  the zip itself

A sign_no is 8 random digits, unique among the sign-ins held; business messages must carry one of their
institution until 9002 ends it.  9101 takes `in` as Base64 text (or a JSON array of bytes, as a Java byte[]
serialises).  9102 answers the file as application/octet-stream; catalogue files (fixmedins_code "plc" in
the store) are released when the request names "plc" in fixmedins_code or in filename (reference §7 item 2),
other files only to the institution that owns them.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from typing import Any

from medical_insurance_sdk.sandbox.files import PLATFORM, FileBody
from medical_insurance_sdk.sandbox.handlers.base import Context, handles
from medical_insurance_sdk.sandbox.state import SignIn

MAX_UPLOAD = 50 << 20  # bytes; larger uploads are refused like the platform's size limit


def _time(ctx: Context) -> str:
    return f"{ctx.now:%Y-%m-%d %H:%M:%S}"


@handles("9001")
def sign_in(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """9001: open a sign-in for the envelope's institution and the operator in signIn.opter_no."""
    sign_no = _new_sign_no(ctx)
    ctx.session.add(
        SignIn(
            sign_no=sign_no,
            fixmedins_code=ctx.fixmedins_code,
            opter_no=str(data["signIn"]["opter_no"]),
            sign_time=ctx.now,
            signed_out=None,
        )
    )
    return {"signinoutb": {"sign_time": _time(ctx), "sign_no": sign_no}}


def _new_sign_no(ctx: Context) -> str:
    while True:
        candidate = str(10_000_000 + secrets.randbelow(90_000_000))
        if ctx.session.get(SignIn, candidate) is None:
            return candidate


@handles("9002")
def sign_out(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """9002: end the sign-in named in signOut.sign_no (or, if blank, the envelope's sign_no)."""
    sign_no = str(data["signOut"].get("sign_no") or ctx.envelope.get("sign_no") or "")
    row = ctx.session.get(SignIn, sign_no) if sign_no else None
    if row is None or row.fixmedins_code != ctx.fixmedins_code:
        ctx.refuse(f"签到流水号[{sign_no}]不存在")
    if row.signed_out is not None:
        ctx.refuse(f"签到流水号[{sign_no}]已签退")
    row.signed_out = ctx.now
    return {"signoutoutb": {"sign_time": _time(ctx)}}


@handles("9101")
def upload_file(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """9101: keep the uploaded bytes and answer the file_qury_no that 3202 and 9102 refer to."""
    node = data["fsUploadIn"]
    content = _file_bytes(ctx, node["in"])
    stored = ctx.services["files"].put_bytes(
        ctx.session, content, filename=node["filename"], fixmedins_code=node["fixmedins_code"], now=ctx.now
    )
    return {
        "file_qury_no": stored.file_qury_no,
        "filename": stored.filename,
        "fixmedins_code": stored.fixmedins_code,
        "dld_endtime": f"{stored.dld_end_time:%Y-%m-%d %H:%M:%S}",
    }


def _file_bytes(ctx: Context, value: Any) -> bytes:
    if isinstance(value, str):
        try:
            content = base64.b64decode("".join(value.split()), validate=True)
        except (binascii.Error, ValueError):
            ctx.refuse("文件数据(in)不是有效的Base64编码")
    elif isinstance(value, list) and all(isinstance(b, int) and -128 <= b <= 255 for b in value):
        content = bytes(b & 0xFF for b in value)  # Java bytes are signed
    else:
        ctx.refuse("文件数据(in)应为Base64字符串或字节数组")
    if not content:
        ctx.refuse("文件内容为空")
    if len(content) > MAX_UPLOAD:
        ctx.refuse(f"文件大小超过限制（{MAX_UPLOAD >> 20}MB）")
    return content


@handles("9102")  # type: ignore[arg-type]  # a file, not JSON: the dispatcher answers FileBody as bytes
def download_file(ctx: Context, data: dict[str, Any]) -> FileBody:
    """9102: the stored file's bytes, if the request may have them."""
    node = data["fsDownloadIn"]
    files = ctx.services["files"]
    stored = files.find(ctx.session, node["file_qury_no"], ctx.now)
    if stored.fixmedins_code == PLATFORM:
        if PLATFORM not in (node["fixmedins_code"], node["filename"]):
            ctx.refuse("目录文件下载时定点医药机构编号(fixmedins_code)应填写plc")
    elif node["fixmedins_code"] != stored.fixmedins_code:
        ctx.refuse(f"文件查询号[{stored.file_qury_no}]不属于定点医药机构[{node['fixmedins_code']}]")
    return files.body(stored)
