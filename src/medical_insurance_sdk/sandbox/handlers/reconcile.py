"""Reconciliation of the sandbox bureau: 3201 对总账 and 3202 对明细账, against its own settlement rows.

The bureau side of a period is every settlement row of the asking institution whose setl_time falls on a
day in [stmt_begndate, stmt_enddate], whose clr_optins (the person's insuplc_admdvs) is setl_optins, and
which 2601 did not undo: originals (cancelled or not) and the negative rows of 2208/2305/2103.

3201 → stmtinfo{setl_optins, stmt_rslt "0" 平 / "1" 不平, stmt_rslt_dscr}, for one insutype + clr_type.
  Amounts are summed with their signs, so a settlement and its cancellation net to zero; the count is
  originals minus cancellations (net).  With refd_setl_flag "0" only originals are counted, with "1" only
  cancellations (then the count is the number of rows).  Compared: medfee_sumamt, fund_pay_sumamt,
  acct_pay, fixmedins_setl_cnt.

3202 → fileinfo{file_qury_no, filename, dld_endtime} of a result zip (`result.txt`, layout "3202_result",
  10 columns) built from the institution's detail file (uploaded with 9101, layout "3202_upload", 7 columns),
  compared row by row on setl_id.  stmt_rslt of a result row:
    "0" 平          the bureau has the row, same medfee_sumamt / fund_pay_sumamt / acct_pay / refd_setl_flag
                    (memo "平")
    "1" 不平        the bureau has the row, something differs (memo names each difference, bureau values in
                    the amount columns); also a setl_id listed twice in the file (memo "机构文件中结算ID重复")
    "2" 机构有医保无  only in the institution's file (memo "医保无此结算记录", the file's values)
    "3" 医保有机构无  only at the bureau (memo "机构未上传此结算记录", the bureau's values)
  Rows come in file order, then the bureau-only rows by setl_time.  The registry dictionary knows only
  0/1; 2 and 3 are the sandbox's finer codes: anything but "0" is 不平.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from medical_insurance_sdk.exceptions import FileError
from medical_insurance_sdk.protocol.catalog_file import BadRow, iter_rows, write_catalog
from medical_insurance_sdk.protocol.catalog_layouts import LAYOUTS
from medical_insurance_sdk.sandbox.business.settlements import REVERSED
from medical_insurance_sdk.sandbox.business.shapes import response_node, shape, text_time, to_decimal
from medical_insurance_sdk.sandbox.business_state import SettlementRow
from medical_insurance_sdk.sandbox.handlers.base import Context, handles

BALANCED, UNBALANCED = "0", "1"
MATCHED, DIFFERS, ONLY_INSTITUTION, ONLY_BUREAU = "0", "1", "2", "3"
COMPARED = (
    ("medfee_sumamt", "医疗费总额"),
    ("fund_pay_sumamt", "基金支付总额"),
    ("acct_pay", "个人账户支出"),
)


def period_rows(
    ctx: Context,
    setl_optins: str,
    begndate: str,
    enddate: str,
    *,
    insutype: str | None = None,
    clr_type: str | None = None,
) -> list[SettlementRow]:
    """The bureau's settlement rows of the asking institution in the period (see the module docstring)."""
    start = datetime.strptime(begndate, "%Y-%m-%d")
    stop = datetime.strptime(enddate, "%Y-%m-%d") + timedelta(days=1)
    query = select(SettlementRow).where(
        SettlementRow.fixmedins_code == ctx.fixmedins_code,
        SettlementRow.clr_optins == setl_optins,
        SettlementRow.status != REVERSED,
        SettlementRow.setl_time >= start,
        SettlementRow.setl_time < stop,
    )
    if insutype:
        query = query.where(SettlementRow.insutype == insutype)
    if clr_type:
        query = query.where(SettlementRow.clr_type == clr_type)
    return list(ctx.session.scalars(query.order_by(SettlementRow.setl_time, SettlementRow.setl_id)))


# ------------------------------------------------------------------------------------------ 3201


@handles("3201")
def reconcile_totals(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """3201 医药机构费用结算对总账."""
    d = data["data"]
    rows = period_rows(
        ctx,
        d["setl_optins"],
        d["stmt_begndate"],
        d["stmt_enddate"],
        insutype=d["insutype"],
        clr_type=d["clr_type"],
    )
    flag = d.get("refd_setl_flag")
    if flag in ("0", "1"):
        rows = [r for r in rows if (r.cancel_of is not None) == (flag == "1")]
        count = len(rows)
    else:
        count = sum(-1 if r.cancel_of else 1 for r in rows)
    bureau = {name: sum((getattr(r, name) for r in rows), Decimal("0.00")) for name, _ in COMPARED}
    problems = [
        f"{label}机构{d[name]:f}/医保{bureau[name]:f}" for name, label in COMPARED if d[name] != bureau[name]
    ]
    if d["fixmedins_setl_cnt"] != count:
        problems.append(f"结算笔数机构{d['fixmedins_setl_cnt']}/医保{count}")
    if problems:
        result, text = UNBALANCED, "对账不平：" + "；".join(problems)
    else:
        amounts = "，".join(f"{label}{bureau[name]:f}" for name, label in COMPARED)
        result, text = BALANCED, f"对账平：{amounts}，结算笔数{count}"
    values = {"setl_optins": d["setl_optins"], "stmt_rslt": result, "stmt_rslt_dscr": text[:200]}
    return {"stmtinfo": shape(values, response_node("3201", "stmtinfo"))}


# ------------------------------------------------------------------------------------------ 3202


@handles("3202")
def reconcile_details(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """3202 医药机构费用结算对明细账: compare the uploaded detail file, answer the result file."""
    d = data["data"]
    files = ctx.services["files"]
    stored = files.find(ctx.session, d["file_qury_no"], ctx.now)
    if stored.fixmedins_code != ctx.fixmedins_code:
        ctx.refuse(f"文件查询号[{d['file_qury_no']}]不属于定点医药机构[{ctx.fixmedins_code}]")
    institution_rows = _read_detail_file(ctx, files.read(stored))
    bureau_rows = period_rows(
        ctx, d["setl_optins"], d["stmt_begndate"], d["stmt_enddate"], clr_type=d.get("clr_type")
    )
    result = compare(institution_rows, bureau_rows)
    buffer = io.BytesIO()
    write_catalog(buffer, LAYOUTS["3202_result"], result, member_name="result.txt")
    answer = files.put_bytes(
        ctx.session,
        buffer.getvalue(),
        filename=f"3202_{ctx.fixmedins_code}_{ctx.now:%Y%m%d%H%M%S}.zip",
        fixmedins_code=ctx.fixmedins_code,
        now=ctx.now,
    )
    values = {
        "file_qury_no": answer.file_qury_no,
        "filename": answer.filename,
        "dld_endtime": text_time(answer.dld_end_time),
    }
    return {"fileinfo": shape(values, response_node("3202", "fileinfo"))}


def _read_detail_file(ctx: Context, content: bytes) -> list[Mapping[str, str | None]]:
    try:
        items = list(iter_rows(content, LAYOUTS["3202_upload"]))
    except FileError as exc:
        ctx.refuse(f"对明细账文件读取失败：{exc.message}")
    bad = [item for item in items if isinstance(item, BadRow)]
    if bad:
        ctx.refuse(f"对明细账文件格式错误：{bad[0].reason}")
    return [item.values for item in items if not isinstance(item, BadRow)]


def compare(
    institution_rows: Iterable[Mapping[str, str | None]], bureau_rows: Iterable[SettlementRow]
) -> list[dict[str, Any]]:
    """The result rows of 3202 (codes and memos in the module docstring)."""
    bureau = {row.setl_id: row for row in bureau_rows}
    seen: set[str] = set()
    result: list[dict[str, Any]] = []
    for mine in institution_rows:
        setl_id = str(mine["setl_id"])
        if setl_id in seen:
            result.append(_own(mine, DIFFERS, "机构文件中结算ID重复"))
            continue
        seen.add(setl_id)
        theirs = bureau.pop(setl_id, None)
        if theirs is None:
            result.append(_own(mine, ONLY_INSTITUTION, "医保无此结算记录"))
            continue
        problems = [
            f"{label}机构{mine[name]}/医保{getattr(theirs, name):f}"
            for name, label in COMPARED
            if to_decimal(mine[name]) != getattr(theirs, name)
        ]
        flag = _refund_flag(theirs)
        if (mine["refd_setl_flag"] or "0") != flag:
            problems.append(f"退费结算标志机构{mine['refd_setl_flag']}/医保{flag}")
        result.append(_bureau(theirs, DIFFERS if problems else MATCHED, "；".join(problems) or "平"))
    result.extend(_bureau(row, ONLY_BUREAU, "机构未上传此结算记录") for row in bureau.values())
    return result


def _refund_flag(row: SettlementRow) -> str:
    return "1" if row.cancel_of else "0"


def _own(mine: Mapping[str, str | None], code: str, memo: str) -> dict[str, Any]:
    return {
        "psn_no": mine["psn_no"],
        "mdtrt_id": mine["mdtrt_id"],
        "setl_id": mine["setl_id"],
        "msgid": None,
        "stmt_rslt": code,
        "refd_setl_flag": mine["refd_setl_flag"],
        "memo": memo,
        "medfee_sumamt": mine["medfee_sumamt"],
        "fund_pay_sumamt": mine["fund_pay_sumamt"],
        "acct_pay": mine["acct_pay"],
    }


def _bureau(row: SettlementRow, code: str, memo: str) -> dict[str, Any]:
    return {
        "psn_no": row.psn_no,
        "mdtrt_id": row.mdtrt_id,
        "setl_id": row.setl_id,
        "msgid": row.medins_setl_id,
        "stmt_rslt": code,
        "refd_setl_flag": _refund_flag(row),
        "memo": memo,
        "medfee_sumamt": format(row.medfee_sumamt, "f"),
        "fund_pay_sumamt": format(row.fund_pay_sumamt, "f"),
        "acct_pay": format(row.acct_pay, "f"),
    }
