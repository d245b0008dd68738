"""`yibao integrate watch`: the file watch (spec §11.3.2 方案三). Commands are added by this module.

yibao integrate watch --input /data/yibao/input --output /data/yibao/output [--config config.json]
                      [--poll 1.0] [--stable 0.5] [--once]

Exit 0 when stopped (Ctrl-C, SIGTERM) or, with --once, when the files present have been handled;
2 for a usage error (folders, options, the SDK's configuration).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from medical_insurance_sdk.cli.integrate_commands import integrate_app, open_sdk

if TYPE_CHECKING:
    from medical_insurance_sdk.integrate.filewatch import FileWatcher, Handled

OUTCOMES = {
    "success": "成功",
    "failed": "失败",
    "unknown": "结果未知，稍后复查",
    "retry": "暂不可用，稍后重试",
}


@integrate_app.command("watch")
def watch(
    input_dir: Annotated[Path, typer.Option("--input", help="HIS 写入请求文件的目录")],
    output_dir: Annotated[Path, typer.Option("--output", help="写入应答文件的目录")],
    config: Annotated[str | None, typer.Option("--config", help="SDK 配置文件 (config.json)")] = None,
    poll: Annotated[float, typer.Option("--poll", help="定期扫描间隔（秒）")] = 1.0,
    stable: Annotated[float, typer.Option("--stable", help="文件多久未变化才读取（秒）")] = 0.5,
    once: Annotated[bool, typer.Option("--once", help="处理当前已有的文件后退出（测试、定时任务）")] = False,
) -> None:
    """监控目录中的请求文件，调用医保接口并写回应答文件 / watch a folder of request files."""
    from medical_insurance_sdk.integrate.filewatch import FileWatcher, WatchSettings

    if poll <= 0 or stable < 0:
        _usage("--poll 须大于 0，--stable 不能为负数")
    source, target = _folder(input_dir, "输入"), _folder(output_dir, "输出")
    if source == target:
        _usage("输入目录与输出目录不能相同：应答文件会被当作新的请求")
    for inner in (".processing", ".done"):
        if target.is_relative_to(source / inner):
            _usage(f"输出目录不能位于输入目录的 {inner} 中")
    if config is not None and not Path(config).is_file():
        _usage(f"配置文件不存在: {config}")
    try:
        sdk = open_sdk(config)
    except (OSError, ValueError, TypeError) as exc:  # pydantic's ValidationError is a ValueError
        _usage(f"SDK 配置无效: {exc}")
    with sdk:
        settings = WatchSettings(source, target, poll_s=poll, stable_s=stable)
        watcher = FileWatcher(sdk, settings, on_handled=_print_handled)
        watcher.prepare()
        where = "进程内（本机引擎）" if sdk.in_process else f"网关 {sdk.config.api_base_url}"
        mode = "处理现有文件后退出" if once else "Ctrl-C 停止"
        typer.echo(f"文件监控已启动: 输入 {source} → 输出 {target}，调用{where}（{mode}）")
        with _stop_on_signals(watcher):
            watcher.run(once=once)
        if watcher.waiting:
            typer.echo(
                f"{len(watcher.waiting)} 个请求仍在 {source / '.processing'} 中等待，下次启动时重新询问"
            )
        typer.echo("文件监控已停止")


def _print_handled(handled: Handled) -> None:
    outcome = OUTCOMES[handled.disposition.value]
    if handled.error_code is not None:
        outcome += f" {handled.error_code}"
    if handled.msgid and handled.disposition.value == "unknown":
        outcome += f" msgid={handled.msgid}"
    answer = f" → {handled.answer.name}" if handled.answer is not None else ""
    typer.echo(f"{handled.name}  {handled.interface}  {outcome}  {handled.elapsed_ms} ms{answer}")


def _folder(path: Path, what: str) -> Path:
    """The folder, created if missing, as an absolute path; a usage error when that is impossible."""
    folder = path.expanduser().resolve()
    if folder.exists() and not folder.is_dir():
        _usage(f"{what}目录不是目录: {folder}")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _usage(f"{what}目录不存在且无法创建: {folder} ({exc.strerror or exc})")
    return folder


def _usage(message: str) -> NoReturn:
    typer.echo(f"错误: {message}", err=True)
    raise typer.Exit(2)


@contextmanager
def _stop_on_signals(watcher: FileWatcher) -> Iterator[None]:
    """Ctrl-C / SIGTERM: finish the file in hand, then stop; a second one interrupts at once (the file
    stays in .processing and is asked again, with its key, at the next start)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    signals = [signal.SIGINT, signal.SIGTERM]
    previous = {s: signal.getsignal(s) for s in signals}

    asked: list[int] = []

    def handle(signum: int, frame: FrameType | None) -> None:
        if asked:
            raise KeyboardInterrupt
        asked.append(signum)
        watcher.stop()

    for s in signals:
        signal.signal(s, handle)
    try:
        yield
    except KeyboardInterrupt:
        typer.echo("已中断：未完成的请求留在 .processing 中，下次启动时以同一幂等键重新询问", err=True)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
