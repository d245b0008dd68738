"""The `yibao` command line: one entry point for operators and developers.

yibao interfaces [--category 医保业务服务] [--safety money]   list the registry
yibao interface 2207                                         one transaction, with its fields
yibao validate 2207 input.json                               check a message before sending it
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from medical_insurance_sdk.registry import Registry, Transaction

app = typer.Typer(help="医保接口平台命令行 (yibao)", no_args_is_help=True, add_completion=False)
console = Console()


@app.command()
def version() -> None:
    """打印版本 / print the package version."""
    from medical_insurance_sdk import __version__

    typer.echo(__version__)


@app.command()
def interfaces(
    category: Annotated[str | None, typer.Option(help="只列出该分类，如 医保业务服务")] = None,
    safety: Annotated[str | None, typer.Option(help="query / write / money")] = None,
) -> None:
    """列出全部医保接口 / list the registry's transactions."""
    from medical_insurance_sdk.registry import REGISTRY

    table = Table(title="医保接口清单")
    for column in ("infno", "名称", "分类", "路径", "安全", "模型"):
        table.add_column(column)
    shown = 0
    for t in REGISTRY.transactions:
        if category and t.category.value != category:
            continue
        if safety and t.safety.value != safety:
            continue
        routes = "\n".join(str(r) for r in t.routes)
        table.add_row(t.infno, t.name, t.category.value, routes, t.safety.value, t.schema_level)
        shown += 1
    console.print(table)
    console.print(f"共 {shown} 个接口")


@app.command()
def interface(key: Annotated[str, typer.Argument(help="infno、interface_type 或 SDK 方法名")]) -> None:
    """查看一个接口及其报文字段 / show one transaction and its fields."""
    from medical_insurance_sdk.registry import REGISTRY

    t = _lookup(REGISTRY, key)
    console.print(f"[bold]{t.title}[/bold]  {t.category.value}  interface_type={t.interface_type}")
    for r in t.routes:
        console.print(f"  {r.method} {r.full_path}")
    console.print(
        f"  safety={t.safety.value} reversible={t.reversible} permission={t.permission} "
        f"timeout={t.timeout_s:g}s schema={t.schema_level}"
    )
    for direction, nodes in (("input", t.request_nodes), ("output", t.schema.response)):
        for n in nodes:
            table = Table(title=f"{direction}.{n.name}{'[]' if n.many else ''}")
            for column in ("字段", "名称", "类型", "必填", "字典"):
                table.add_column(column)
            for f in n.fields:
                table.add_row(f.name, f.label, f.type_text, "Y" if f.required else "", f.dictionary or "")
            console.print(table)


@app.command()
def validate(
    key: Annotated[str, typer.Argument(help="infno、interface_type 或 SDK 方法名")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="报文 input 的 JSON 文件")],
) -> None:
    """校验一个报文的 input / validate a message's input against the registry."""
    from medical_insurance_sdk.exceptions import DataValidationError
    from medical_insurance_sdk.registry import REGISTRY

    t = _lookup(REGISTRY, key)
    try:
        payload = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        console.print(f"[red]30009 - 数据解析失败: {exc}[/red]")
        raise typer.Exit(1) from None
    try:
        t.validate_input(payload)
    except DataValidationError as exc:
        for e in exc.errors:
            console.print(f"[red]{e.message}[/red]")
        raise typer.Exit(1) from None
    console.print(f"[green]{t.title} 校验通过[/green]")


def _lookup(registry: Registry, key: str) -> Transaction:
    try:
        return registry[key]
    except KeyError:
        console.print(f"[red]20001 - 不支持的接口类型: {key}[/red]")
        raise typer.Exit(2) from None
