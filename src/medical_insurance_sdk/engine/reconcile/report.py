"""The reconciliation report: a CSV of differing settlements, a Chinese summary and a JSON document.

The report holds no timestamps or msgids, so running the same day twice writes the same files.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from medical_insurance_sdk.engine.reconcile.records import (
    COMPARED,
    UNREACHABLE,
    GroupResult,
    ReconcileReport,
    label,
    money,
)

CSV_HEADER = (
    "结算ID",
    "退费结算标志",
    "就诊ID",
    "人员编号",
    "险种类型",
    "清算类别",
    "本院医疗费总额",
    "本院基金支付总额",
    "本院个人账户支出",
    "医保医疗费总额",
    "医保基金支付总额",
    "医保个人账户支出",
    "对账结果",
    "原因",
)


def write_report(report: ReconcileReport, out_dir: Path, *, suffix: str = "") -> None:
    """Write `reconcile_<机构>_<yyyymmdd><suffix>.{csv,txt,json}` under `out_dir` and record the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"reconcile_{report.institution}_{report.day:%Y%m%d}{suffix}"
    report.csv_path = out_dir / f"{stem}.csv"
    report.summary_path = out_dir / f"{stem}.txt"
    report.json_path = out_dir / f"{stem}.json"
    # utf-8-sig: Excel, the usual reader of this file at a hospital, needs the BOM to see UTF-8
    with report.csv_path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_HEADER)
        for d in report.discrepancies:
            ours = d.ours or {}
            bureau = d.bureau or {}
            writer.writerow(
                [
                    d.setl_id,
                    d.refd_setl_flag,
                    d.mdtrt_id,
                    d.psn_no,
                    d.insutype,
                    d.clr_type,
                    *(money(ours.get(name)) for name in COMPARED),
                    *(money(bureau.get(name)) for name in COMPARED),
                    d.stmt_rslt or "",
                    d.reason,
                ]
            )
    report.summary_path.write_text(summary_text(report), encoding="utf-8")
    body = {**report.as_dict(), "csv": report.csv_path.name}
    report.json_path.write_text(json.dumps(body, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def group_verdict(group: GroupResult) -> str:
    """平 / 不平 / 对账失败：原因 of one 3201 group."""
    if group.error:
        return f"对账失败：{group.error}"
    return "平" if group.balanced else "不平"


def hidden_groups(report: ReconcileReport) -> list[str]:
    """One line each for the groups not shown one by one: empty ones, and unsent ones without ours."""
    lines = []
    empty = sum(1 for g in report.groups if g.empty)
    if empty:
        lines.append(f"其余 {empty} 组（险种 × 清算类别）本院与医保均无结算：平")
    skipped = sum(1 for g in report.groups if not g.shown and g.skipped)
    if skipped:
        lines.append(f"另有 {skipped} 组未发送：对账失败：{UNREACHABLE}")
    return lines


def verdict_line(report: ReconcileReport) -> str:
    """The day's verdict in one line (the summary's 结论 and the CLI's last word)."""
    if report.failed:
        pending = sum(1 for g in report.groups if g.error) + sum(1 for d in report.details if d.error)
        return f"对账失败：{report.failure}（{pending} 项未得到医保结果，当日是否平账未知）"
    if report.balanced:
        return "当日对账平"
    return f"当日对账不平，差异结算 {len(report.discrepancies)} 笔"


def summary_text(report: ReconcileReport) -> str:
    """The Chinese summary: one block per 3201 group with settlements or a verdict other than 平, one per
    3202 round, then the verdict and the settlements only one side has, by setl_id."""
    lines = [f"对账日期：{report.day.isoformat()}    机构：{report.institution}", ""]
    if not report.groups:
        lines.append("没有需要对账的险种和清算类别，未发送对总账（3201）。")
    shown = [g for g in report.groups if g.shown]
    for g in shown:
        t = g.ours
        lines.append(
            f"【3201 对总账】险种 {label('insutype', g.insutype)}，"
            f"清算类别 {label('clr_type', g.clr_type)}，结算经办机构 {g.setl_optins}：{group_verdict(g)}"
        )
        lines.append(
            f"    本院：{t.count} 笔（{t.records} 条记录），医疗费总额 {money(t.medfee_sumamt)}，"
            f"基金支付 {money(t.fund_pay_sumamt)}，个人账户 {money(t.acct_pay)}，"
            f"个人现金 {money(t.psn_cash_pay)}"
        )
        if g.stmt_rslt_dscr:
            lines.append(f"    医保说明：{g.stmt_rslt_dscr}")
    lines.extend(f"【3201 对总账】{line}" for line in hidden_groups(report))
    for d in report.details:
        lines.append("")
        lines.append(
            f"【3202 对明细账】清算类别 {label('clr_type', d.clr_type)}，结算经办机构 {d.setl_optins}"
        )
        lines.append(f"    本院上传：{d.ours.records} 条，医疗费总额 {money(d.ours.medfee_sumamt)}")
        if d.error:
            lines.append(f"    对明细账失败：{d.error}")
        elif d.bureau is not None:
            lines.append(
                f"    医保结果文件：{d.bureau.records} 条，医疗费总额 {money(d.bureau.medfee_sumamt)}，"
                f"基金支付 {money(d.bureau.fund_pay_sumamt)}，个人账户 {money(d.bureau.acct_pay)}"
            )
        for reason in d.bad_rows:
            lines.append(f"    结果文件无法解析的行：{reason}")
    lines.append("")
    lines.append(f"结论：{verdict_line(report)}。")
    if report.discrepancies:
        where = report.csv_path.name if report.csv_path else ""
        lines.append(f"差异结算 {len(report.discrepancies)} 笔，明细见 {where}：")
        for item in report.discrepancies:
            lines.append(f"    结算 {item.setl_id}：{item.reason}")
    if report.bureau_only:
        lines.append(
            f"医保有、本院账中没有的结算（{len(report.bureau_only)} 笔）：{'、'.join(report.bureau_only)}"
        )
    if report.ledger_only:
        lines.append(
            f"本院账有、医保没有的结算（{len(report.ledger_only)} 笔）：{'、'.join(report.ledger_only)}"
        )
    for note in report.notes:
        lines.append(f"注意：{note}")
    return "\n".join(lines) + "\n"
