"""docs/troubleshooting/README.md: every error code of spec §5.2, what causes it and what the operator does.

    TARGETS = troubleshooting.TARGETS

Name, HTTP status and retry advice come from the error table (`protocol/errors.py`), cause and action from
`protocol/error_guide.py`; nothing here states a fact about a code.  The §11.4 cases (sign-in, unknown
outcomes, reconciliation, catalogue sync) are hand-written in docs/troubleshooting/cases.md.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import groupby

from codegen.docs import HEADER, cell
from medical_insurance_sdk.protocol.error_guide import GUIDE
from medical_insurance_sdk.protocol.errors import ERRORS, HTTP_STATUS_TEXT, ErrorCode

# §5.2's sections, by family
_FAMILY_ZH = {
    "common": "5.2.1 通用错误码（10000–19999）",
    "interface": "5.2.2 接口相关错误码（20000–29999）",
    "data": "5.2.3 数据相关错误码（30000–39999）",
    "file": "5.2.4 文件相关错误码（40000–49999）",
    "business": "5.2.5 业务流程错误码（50000–59999）",
    "system": "5.2.6 系统相关错误码（60000–69999）",
}


def retry_text(e: ErrorCode) -> str:
    """The table's retry advice in words: whether, after how long, how often."""
    if not e.retry:
        return "否"
    parts = ["是"]
    if e.retry_after is not None:
        parts.append(f"{e.retry_after} 秒后")
    if e.max_retry is not None:
        parts.append(f"最多 {e.max_retry} 次")
    return "，".join(parts)


def render_troubleshooting() -> str:
    out = [HEADER, "\n# 故障排除：错误码 / Troubleshooting: error codes\n\n"]
    out.append(
        f"平台报出的每个错误都带规范 §5.2 的一个错误码，共 {len(ERRORS)} 个。应答中 `code` 是错误码，"
        "`message` 是说明；`retry` 为真表示原样再发一次是安全的，`retry_after` 是建议的等待秒数"
        "（网关同时给出 `Retry-After` 头）。\n\n"
        "- “可重试”只对该应答本身而言：写入/资金类交易的结果未知时（`OutcomeUnknownError`），**不要重发**，"
        "见 [常见问题](cases.md#结果未知)。\n"
        "- 常见问题（签到失败、结果未知、对账不平、目录同步中断）：[cases.md](cases.md)。\n"
        "- 各交易的字段、权限与超时：[接口文档](../api/README.md)。\n"
    )
    for family, codes in groupby(ERRORS.values(), key=lambda e: e.family):
        out.append(f"\n## {_FAMILY_ZH[family]}\n\n")
        out.append("| 错误码 | 名称 | HTTP | 可重试 | 原因 | 处理 |\n|---|---|---|---|---|---|\n")
        for e in codes:
            guide = GUIDE[e.code]
            out.append(
                f"| {e.code} | {cell(e.message)} | {e.http_status} {HTTP_STATUS_TEXT[e.http_status]} "
                f"| {retry_text(e)} | {cell(guide.cause)} | {cell(guide.action)} |\n"
            )
    return "".join(out)


TARGETS: tuple[tuple[str, Callable[[], str]], ...] = (
    ("docs/troubleshooting/README.md", render_troubleshooting),
)
