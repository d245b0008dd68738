"""yibao worker / beat: Celery processes for async tasks and the periodic schedule."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    pass

from medical_insurance_sdk.cli._app import _gateway_database, app, console

# ----------------------------------------------------------------------------------- task workers (§3.3)
# yibao worker [--concurrency 4] [--beat]     run async tasks from the Celery broker (CELERY_BROKER_URL)
# yibao beat                                  the periodic schedule alone (one per deployment)


def _celery_app() -> tuple[Any, Any]:
    """(settings, Celery app) for CELERY_BROKER_URL, the database migrated; exits 2 without a broker."""
    from medical_insurance_sdk.gateway.app import create_app
    from medical_insurance_sdk.gateway.executors.celery_app import WorkerRuntime, create_celery

    settings, database = _gateway_database()
    database.dispose()
    if not settings.celery_broker_url:
        console.print("[red]CELERY_BROKER_URL 未设置：yibao worker 需要 Redis 作为任务队列[/red]")
        raise typer.Exit(2)
    return settings, create_celery(settings, runtime=WorkerRuntime(settings, open_app=create_app))


def _schedule_file(settings: Any) -> str:
    data_dir = Path(settings.data_dir).expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    return str(data_dir / f"celerybeat-{settings.celery_namespace}")


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option(help="同时执行的任务数（进程或线程）")] = 4,
    pool: Annotated[str, typer.Option(help="prefork / threads / solo")] = "prefork",
    beat: Annotated[bool, typer.Option(help="同时运行定时计划（目录同步、补偿清扫、任务恢复）")] = False,
    loglevel: Annotated[str, typer.Option(help="日志级别")] = "INFO",
) -> None:
    """启动异步任务执行进程（Celery + Redis）/ run a task worker.

    Tasks created through the gateway (async/create-task, batch/*) run here when the gateway has
    CELERY_BROKER_URL; settings (DATABASE_URL, MEDICAL_BUREAU_*, …) must match the gateway's.
    """
    settings, celery = _celery_app()
    argv = [
        "worker",
        f"--concurrency={concurrency}",
        f"--pool={pool}",
        f"--loglevel={loglevel}",
        f"--queues={settings.celery_namespace}",
        f"--hostname=yibao-{settings.celery_namespace}@%h",
    ]
    if beat:
        argv += ["--beat", f"--schedule={_schedule_file(settings)}"]
    celery.worker_main(argv)


@app.command("beat")
def beat_command(loglevel: Annotated[str, typer.Option(help="日志级别")] = "INFO") -> None:
    """启动定时计划（celery beat）：任务恢复、补偿清扫、夜间目录同步 / run the periodic schedule."""
    settings, celery = _celery_app()
    celery.start(["beat", f"--loglevel={loglevel}", f"--schedule={_schedule_file(settings)}"])
