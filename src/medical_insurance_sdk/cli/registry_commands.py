"""yibao interfaces / interface / validate: the registry, read and checked offline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

if TYPE_CHECKING:
    pass

from medical_insurance_sdk.cli._app import _lookup, app, console


@app.command()
def interfaces(
    category: Annotated[str | None, typer.Option(help="只列出该分类，如 医保业务服务")] = None,
    safety: Annotated[str | None, typer.Option(help="query / write / money")] = None,
) -> None:
    """列出全部医保接口 / list the registry's transactions."""
    from medical_insurance_sdk.registry import REGISTRY, Category, Safety

    if category is not None and category not in {c.value for c in Category}:
        console.print(f"[red]10002 - 未知分类 {category}，可选: {'、'.join(c.value for c in Category)}[/red]")
        raise typer.Exit(2)
    if safety is not None and safety not in {s.value for s in Safety}:
        allowed = " / ".join(s.value for s in Safety)
        console.print(f"[red]10002 - 未知安全等级 {safety}，可选: {allowed}[/red]")
        raise typer.Exit(2)
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
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            help='报文 input 的 JSON 文件，写法同 REST：按节点 {"data": {…}}、平铺字段或 {"input": {…}}',
        ),
    ],
) -> None:
    """校验一个报文的 input / validate a message's input against the registry."""
    from medical_insurance_sdk.exceptions import DataValidationError, MedicalInsuranceException
    from medical_insurance_sdk.registry import REGISTRY
    from medical_insurance_sdk.registry.inputs import shape_input

    t = _lookup(REGISTRY, key)
    try:
        payload = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        console.print(f"[red]30009 - 数据解析失败: {exc}[/red]")
        raise typer.Exit(1) from None
    try:
        t.validate_input(shape_input(t, payload))
    except DataValidationError as exc:
        for e in exc.errors:
            console.print(f"[red]{e.message}[/red]")
        raise typer.Exit(1) from None
    except MedicalInsuranceException as exc:
        console.print(f"[red]{exc.code} - {exc.message}[/red]")
        raise typer.Exit(1) from None
    console.print(f"[green]{t.title} 校验通过[/green]")
