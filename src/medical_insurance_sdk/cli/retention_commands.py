"""yibao retention: delete the logs and call records the retention policy no longer keeps (spec §8.2.2)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from medical_insurance_sdk.cli._app import _gateway_database, app, console


@app.command()
def retention(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只统计将删除的行数，不删除")] = False,
    table: Annotated[
        list[str] | None, typer.Option("--table", help="只清理这些表（可重复），默认全部")
    ] = None,
) -> None:
    """清理过期的日志与调用记录（规范 §8.2.2）/ delete what the retention policy no longer keeps.

    保留时间：成功调用 30 天，被拒绝的调用（4xx）90 天，失败调用（5xx）1 年，认证/权限拒绝永久；
    账本中结果未知或处理中的报文永不删除，写入/资金类报文 30 年。可用 MEDICAL_INSURANCE_RETENTION_DAYS
    调整（JSON，如 {"info": 60, "critical": null}），每批删除行数 MEDICAL_INSURANCE_RETENTION_BATCH_ROWS。
    分批删除、可重复执行；有 Celery 时由 beat 每天 03:30（北京时间）执行，否则请用 cron 或 systemd 定时器。
    """
    from medical_insurance_sdk.storage.retention import keep_text, rules_for, run_retention

    try:
        rules_for(table)
    except ValueError as exc:
        console.print(f"[red]10002 - 请求参数格式错误: {escape(str(exc))}[/red]")
        raise typer.Exit(2) from None
    settings, database = _gateway_database()
    try:
        results = run_retention(
            database,
            settings.retention_policy(),
            tables=table,
            dry_run=dry_run,
            files_root=settings.files_root,
        )
    finally:
        database.dispose()
    verb = "将删除" if dry_run else "已删除"
    report = Table(title="日志与调用记录保留" + ("（试运行，未删除）" if dry_run else ""))
    for column in ("表", "记录", "保留", f"{verb}行数"):
        report.add_column(column)
    for result in results:
        report.add_row(result.table, result.label, keep_text(result.days), str(result.rows))
    console.print(report)
    console.print(f"共{verb} {sum(r.rows for r in results)} 行")
