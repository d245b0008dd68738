"""yibao reconcile / compensate / catalog sync: the commands that call the bureau through the engine."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

if TYPE_CHECKING:
    pass

from medical_insurance_sdk.cli._app import _gateway_settings, app, console

# ------------------------------------------------------------------------------ commands that use the engine
# They open exactly what `yibao run` opens (gateway.assembly, the same GatewaySettings: environment and
# config file): the same database and the same bureau — MEDICAL_BUREAU_API_URL, or the embedded sandbox
# whose state lives in the data directory.  Options win.

catalog_app = typer.Typer(help="医保目录 / bureau catalogues", no_args_is_help=True)
app.add_typer(catalog_app, name="catalog")

_OUTCOMES = {
    "REVERSED": "已冲正",
    "CONFIRMED": "已确认生效",
    "FAILED": "未生效，可重新办理",
    "UNKNOWN": "仍未知，需人工核对",
    "OTHER_BUREAU": "发往另一医保局，未在此判断",
}


@contextmanager
def _open_engine(institution: str | None) -> Iterator[tuple[Any, Any, Any]]:
    """(database, engine, institution config) as the gateway has them; exits 2 on a configuration error.

    The institution: --institution, else MEDICAL_INSURANCE_INSTITUTION_CODE, else the only active one."""
    from medical_insurance_sdk.exceptions import MedicalInsuranceException
    from medical_insurance_sdk.gateway.assembly import open_sync_engine

    settings = _gateway_settings()
    code = institution or os.environ.get("MEDICAL_INSURANCE_INSTITUTION_CODE") or None
    with open_sync_engine(settings) as parts:
        try:
            configs = parts.institutions(code)
        except MedicalInsuranceException as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from None
        if len(configs) != 1:
            known = "、".join(configs) or "无"
            console.print(f"[red]10001 - 请用 --institution 指定机构（网关中的启用机构: {known}）[/red]")
            raise typer.Exit(2)
        yield parts.database, parts.engine, next(iter(configs.values()))


@app.command()
def reconcile(
    date: Annotated[str, typer.Option("--date", help="对账日期 YYYY-MM-DD")],
    institution: Annotated[
        str | None, typer.Option(help="定点医药机构编号，默认 MEDICAL_INSURANCE_INSTITUTION_CODE")
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="差异报告目录")] = Path("reports"),
    insutype: Annotated[
        list[str] | None, typer.Option(help="只对这些险种（可重复），如 310；默认全部配置的险种")
    ] = None,
    clr_type: Annotated[
        list[str] | None, typer.Option("--clr-type", help="只对这些清算类别（可重复），如 11；默认全部")
    ] = None,
) -> None:
    """对账：3201 对总账，不平则 3202 对明细账并写出差异报告 / reconcile one day with the bureau.

    对账范围是本院账中当日的各组，加上本机构可能有的每一组（险种 × 清算类别）：
    MEDICAL_INSURANCE_RECONCILE_INSUTYPES / _CLR_TYPES / _SETL_OPTINS（逗号分隔）；
    默认险种 310、340、390、510，清算类别取字典 clr_type 的全部，结算经办机构为本机构区划。

    退出码：0 当日对账平；1 对账不平（报告列出每笔差异结算）；2 参数或配置错误；
    3 对账失败（如医保局不可达），当日是否平账未知。
    """
    from datetime import date as Date

    from rich.markup import escape

    from medical_insurance_sdk.engine.reconcile import (
        EXIT_USAGE,
        Reconciler,
        ReconcileScope,
        group_verdict,
        hidden_groups,
        verdict_line,
    )
    from medical_insurance_sdk.exceptions import MedicalInsuranceException, RequestError
    from medical_insurance_sdk.storage.reconcile_runs import record_run

    try:
        day = Date.fromisoformat(date)
    except ValueError:
        console.print(f"[red]10002 - 对账日期格式应为 YYYY-MM-DD: {date}[/red]")
        raise typer.Exit(EXIT_USAGE) from None
    try:
        scope = ReconcileScope.from_env()
    except MedicalInsuranceException as exc:
        console.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(EXIT_USAGE) from None
    with _open_engine(institution) as (database, engine, config):
        try:
            report = Reconciler(engine, database, scope).run(
                config, day, insutype=insutype, clr_type=clr_type, out_dir=out
            )
        except RequestError as exc:  # a wrong --insutype / --clr-type code
            console.print(f"[red]{escape(str(exc))}[/red]")
            raise typer.Exit(EXIT_USAGE) from None
        # the outcome, for the operators' alerts (postgres-exporter: YibaoReconciliationUnbalanced / Stale)
        record_run(database, report, insutypes=insutype, clr_types=clr_type)
    table = Table(title=f"{config.code} {day.isoformat()} 对总账（3201）")
    for column in ("险种", "清算类别", "结算经办机构", "笔数", "医疗费总额", "基金支付", "个人账户", "结果"):
        table.add_column(column)
    for g in report.groups:
        if g.shown:
            verdict = "[green]平[/green]" if g.balanced else f"[red]{'对账失败' if g.error else '不平'}[/red]"
            t = g.ours
            row = (g.insutype, g.clr_type, g.setl_optins, str(t.count), f"{t.medfee_sumamt:.2f}")
            table.add_row(*row, f"{t.fund_pay_sumamt:.2f}", f"{t.acct_pay:.2f}", verdict)
    console.print(table)
    for line in hidden_groups(report):
        console.print(line)
    errors = [group_verdict(g) for g in report.groups if g.error and not g.skipped]
    errors += [f"对明细账失败：{d.error}" for d in report.details if d.error and not d.skipped]
    for error in dict.fromkeys(errors):
        console.print(f"[red]{escape(error)}[/red]")
    for note in report.notes:
        console.print(f"[yellow]注意：{escape(note)}[/yellow]")
    if report.bureau_only:
        console.print(f"[red]医保有、本院账中没有的结算：{escape('、'.join(report.bureau_only))}[/red]")
    if report.ledger_only:
        console.print(f"[red]本院账有、医保没有的结算：{escape('、'.join(report.ledger_only))}[/red]")
    console.print(f"[{'green' if report.balanced else 'red'}]{escape(verdict_line(report))}[/]")
    console.print(f"报告: {report.csv_path}  {report.summary_path}  {report.json_path}")
    if report.exit_code:
        raise typer.Exit(report.exit_code)


@app.command()
def compensate(
    institution: Annotated[str | None, typer.Option(help="定点医药机构编号")] = None,
    limit: Annotated[int, typer.Option(help="本次最多处理的交易数")] = 100,
) -> None:
    """补偿：对结果未知的交易冲正（2601）或查询确认 / resolve unknown outcomes now (the sweeper).

    与 `yibao run` 使用同一数据库和同一医保局（内嵌沙箱的状态在数据目录中）；报文只由收到它的医保局
    判断：发往另一医保局（另一地址、另一省份配置或另一个沙箱）的报文不会在此冲正或查询。
    不给 --institution 时处理网关中全部启用机构。退出码：0 全部有结论；1 仍有未知或属于另一医保局。
    """
    from medical_insurance_sdk.exceptions import MedicalInsuranceException
    from medical_insurance_sdk.gateway.assembly import open_sync_engine

    with open_sync_engine(_gateway_settings()) as parts:
        try:
            institutions = parts.institutions(institution)
        except MedicalInsuranceException as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from None
        engine = parts.engine
        outcomes = engine.sweep(institutions, limit=limit)
        entries = {msgid: engine.ledger.get(msgid) for msgid in outcomes}
        here = {code: engine.flow.bureau_of(config) for code, config in institutions.items()}
    if not outcomes:
        console.print("没有待补偿的交易")
        return
    table = Table(title="补偿结果")
    for column in ("报文ID", "交易", "结果", "说明"):
        table.add_column(column)
    for msgid, state in outcomes.items():
        entry = entries[msgid]
        infno = entry.infno if entry else ""
        note = (entry.resolution_note or "") if entry else ""
        if state == "OTHER_BUREAU" and entry is not None:
            note = (
                f"该报文发往 {entry.bureau}，本命令连接的是 {here.get(entry.institution_code)}；"
                "请在连接原医保局的网关上处理（或检查 MEDICAL_BUREAU_API_URL / 数据目录）"
            )
        table.add_row(msgid, infno, _OUTCOMES.get(state, state), note)
    console.print(table)
    if any(state in ("UNKNOWN", "OTHER_BUREAU") for state in outcomes.values()):
        raise typer.Exit(1)


@catalog_app.command("sync")
def catalog_sync(
    infno: Annotated[
        list[str] | None, typer.Option("--infno", help="只同步这些目录（可重复），默认全部 13xx 目录")
    ] = None,
    institution: Annotated[str | None, typer.Option(help="定点医药机构编号")] = None,
) -> None:
    """同步医保目录（13xx 下载 → 9102 → 本地目录表），按版本增量，可断点续传 / sync the catalogues."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

    from medical_insurance_sdk.engine.catalog_sync import CatalogSync
    from medical_insurance_sdk.exceptions import MedicalInsuranceException
    from medical_insurance_sdk.protocol.catalog_layouts import LAYOUTS

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with (
        _open_engine(institution) as (database, engine, config),
        Progress(*columns, console=console) as bar,
    ):
        tasks: dict[str, TaskID] = {}

        def progress(kind: str, rows: int, expected: int | None) -> None:
            if kind not in tasks:
                tasks[kind] = bar.add_task(f"{kind} {LAYOUTS[kind].title}", total=None)
            bar.update(tasks[kind], completed=rows, total=expected if expected and expected >= rows else None)

        try:
            results = CatalogSync(engine, database).sync(config, infno or None, progress=progress)
        except MedicalInsuranceException as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from None
    table = Table(title="目录同步结果")
    for column in ("目录", "名称", "文件", "导入行数", "错误行", "当前版本", "状态"):
        table.add_column(column)
    for r in results:
        status = "[green]完成[/green]" if r.ok else f"[red]{r.error}[/red]"
        if r.ok and r.resumed:
            status = "[green]完成（续传）[/green]"
        table.add_row(r.kind, r.title, str(r.files), str(r.rows), str(r.bad_rows), r.ver_name or "", status)
    console.print(table)
    for r in results:
        for bad in r.errors[:10]:
            console.print(f"[yellow]{r.kind} {bad.reason}: {bad.text[:60]}[/yellow]")
        if r.bad_rows > 10:
            console.print(f"[yellow]{r.kind} 另有 {r.bad_rows - 10} 行错误未列出[/yellow]")
    if not all(r.ok for r in results):
        raise typer.Exit(1)
