"""`yibao integrate db run`: the trigger queue's worker (integrate/dbqueue/worker.py) as a command.

yibao integrate db run --database-url URL [--config config.json] [--threads N] [--once]

Calls go through the SDK (`--config`, then MEDICAL_INSURANCE_*): towards a gateway, whose sweeper resolves
unknown outcomes, or in process.  Several workers may run at once, on one machine or several.  SIGTERM or
Ctrl-C: each thread finishes the row in hand, then the command exits 0.
"""

from __future__ import annotations

import signal
import threading
from typing import TYPE_CHECKING, Annotated, Any

import typer

from medical_insurance_sdk.cli._app import console
from medical_insurance_sdk.cli.integrate_commands import open_sdk
from medical_insurance_sdk.cli.integrate_db import db_app, fail

if TYPE_CHECKING:
    from medical_insurance_sdk.integrate.dispatch import Answer

_VERDICTS = {
    "success": "成功",
    "failed": "失败",
    "unknown": "结果未知（待补偿确认，不会重发）",
    "retry": "稍后重试",
}


@db_app.command("run")
def run(
    database_url: Annotated[
        str, typer.Option("--database-url", help="HIS 数据库地址（PostgreSQL 或 MySQL/MariaDB）")
    ],
    config: Annotated[
        str | None, typer.Option("--config", help="SDK 配置文件（config.json，规范 §9.2）")
    ] = None,
    threads: Annotated[int, typer.Option("--threads", min=1, max=32, help="本进程的并行线程数")] = 1,
    poll: Annotated[float, typer.Option("--poll", min=0.05, help="队列为空时的轮询间隔（秒）")] = 1.0,
    unknown_recheck: Annotated[
        float, typer.Option("--unknown-recheck", min=0.1, help="结果未知的交易多久再查询一次（秒）")
    ] = 30.0,
    once: Annotated[bool, typer.Option("--once", help="处理完当前到期的队列项后退出")] = False,
) -> None:
    """运行触发器队列工作进程：逐条发送队列中的交易，结果写回 medical_insurance_result。"""
    import sqlalchemy as sa

    from medical_insurance_sdk.exceptions import MedicalInsuranceException
    from medical_insurance_sdk.integrate.dbqueue import database
    from medical_insurance_sdk.integrate.dbqueue.identity import queue_name
    from medical_insurance_sdk.integrate.dbqueue.tables import META_TABLE, QUEUE_TABLE, RESULT_TABLE
    from medical_insurance_sdk.integrate.dbqueue.worker import QueueWorker, WorkerSettings
    from medical_insurance_sdk.storage.database import masked_url

    try:
        url = database.database_url(database_url)
    except MedicalInsuranceException as exc:
        fail(str(exc))
    if url.get_backend_name() not in database.WORKER_DIALECTS:
        fail("10002 - 工作进程只支持 PostgreSQL 与 MySQL/MariaDB（SQL Server、Oracle 为未在此测试的模板）")
    engine = database.connect(database_url, pool_size=threads + 1)
    try:
        present = set(sa.inspect(engine).get_table_names())
        with engine.connect() as conn:
            name = queue_name(conn) if META_TABLE in present else None
    except sa.exc.SQLAlchemyError as exc:
        fail(f"60001 - 数据库连接失败: {masked_url(url)}: {type(exc).__name__}")
    if not {QUEUE_TABLE, RESULT_TABLE} <= present or name is None:
        fail(f"未找到队列表或队列名（{QUEUE_TABLE} / {META_TABLE}）：请先运行 yibao integrate db install")
    try:
        sdk = open_sdk(config)
    except (MedicalInsuranceException, ValueError, OSError) as exc:
        fail(f"SDK 配置无效: {exc}")
    target = sdk.config.api_base_url or "进程内（本机引擎）"
    settings = WorkerSettings(
        queue_name=name, poll_s=poll, unknown_recheck_s=unknown_recheck, threads=threads
    )
    worker = QueueWorker(engine, sdk, settings, report=_report)
    console.print(
        f"触发器队列工作进程：数据库 {masked_url(url)}，队列名 {name}，{threads} 个线程，调用 {target}",
        soft_wrap=True,
    )
    stop = threading.Event()
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: stop.set())
    try:
        if once:
            worker.drain(stop)
        else:
            worker.run(stop)
    finally:
        sdk.close()
        engine.dispose()
    counts = worker.tally.counts
    summary = "，".join(f"{_VERDICTS[k]} {counts[k]}" for k in _VERDICTS if counts.get(k)) or "无到期队列项"
    console.print(f"已停止：{summary}")


def _report(row_id: int, interface_type: str, answer: Answer, elapsed_ms: float) -> None:
    detail: Any = answer.msgid or ""
    if answer.error_code is not None:
        detail = f"{answer.error_code} {answer.document.get('message') or ''}".strip()
    verdict = _VERDICTS[answer.disposition.value]
    console.print(
        f"队列 {row_id} {interface_type} → {verdict} {detail} ({elapsed_ms:.0f} ms)",
        soft_wrap=True,
        markup=False,
    )
