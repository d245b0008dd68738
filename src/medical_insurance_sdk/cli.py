"""The `yibao` command line: one entry point for operators and developers.

yibao interfaces [--category 医保业务服务] [--safety money]   list the registry
yibao interface 2207                                         one transaction, with its fields
yibao validate 2207 input.json                               check a message before sending it
yibao reconcile --date 2025-07-14 [--out reports/]           reconcile a day with the bureau (3201/3202)
                                                             (exit 0 平, 1 不平, 2 usage, 3 对账失败)
yibao catalog sync [--infno 1301 --infno 1302]               download the 13xx catalogues, incrementally
yibao compensate                                             resolve unknown outcomes (2601 / query) now
yibao sandbox --port 9000                                    run the sandbox bureau (offline simulator)
yibao worker [--beat]                                        run async tasks from Celery (CELERY_BROKER_URL)
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from medical_insurance_sdk.registry import Registry, Transaction

app = typer.Typer(help="医保接口平台命令行 (yibao)", no_args_is_help=True, add_completion=False)
console = Console()


@app.callback()
def _private_files() -> None:
    # Every command may create files under the data dir (database, sandbox state, keys, uploads): readable
    # by the service's own user only, 0600 / 0700 (spec §7.3).
    os.umask(0o077)


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


@app.command()
def sandbox(
    host: Annotated[str, typer.Option(help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="监听端口")] = 9000,
    profile: Annotated[
        str | None, typer.Option(help="签名方式的省份配置: national / tif / aksk / shenzhen")
    ] = None,
    database_url: Annotated[str | None, typer.Option(help="沙箱数据库 URL，默认内存 SQLite")] = None,
    catalog_rows: Annotated[int | None, typer.Option(help="每个 13xx 目录文件的行数")] = None,
) -> None:
    """启动医保沙箱（国家医保信息平台模拟器）/ run the sandbox bureau.

    Other settings come from MEDICAL_SANDBOX_* variables (credentials, faults, seed …).  The admin API
    (/sandbox/admin/…, /sandbox/) needs the admin token: MEDICAL_SANDBOX_ADMIN_TOKEN, else a random one
    printed here once.
    """
    import uvicorn
    from pydantic import SecretStr, ValidationError

    from medical_insurance_sdk.sandbox.admin import ADMIN_TOKEN_HEADER, new_admin_token
    from medical_insurance_sdk.sandbox.app import create_sandbox_app
    from medical_insurance_sdk.sandbox.settings import SandboxSettings

    given: dict[str, Any] = {"profile": profile, "database_url": database_url, "catalog_rows": catalog_rows}
    try:
        settings = SandboxSettings(**{k: v for k, v in given.items() if v is not None})
    except ValidationError as exc:
        for problem in exc.errors():
            console.print(f"[red]沙箱配置无效: {'.'.join(map(str, problem['loc']))}: {problem['msg']}[/red]")
        raise typer.Exit(2) from None
    console.print(f"医保沙箱: http://{host}:{port}/fsi/api/rsfComIfsService/callService  管理页: /sandbox/")
    if settings.admin_token is None:
        token = new_admin_token()
        settings = settings.model_copy(update={"admin_token": SecretStr(token)})
        console.print("沙箱管理令牌（只显示这一次；固定令牌请设置 MEDICAL_SANDBOX_ADMIN_TOKEN）:")
        typer.echo(token)
        typer.echo(f"curl -s -H '{ADMIN_TOKEN_HEADER}: {token}' http://{host}:{port}/sandbox/admin/faults")
    else:
        console.print(f"沙箱管理接口: 使用 MEDICAL_SANDBOX_ADMIN_TOKEN（{ADMIN_TOKEN_HEADER} 或 Bearer）")
    uvicorn.run(create_sandbox_app(settings), host=host, port=port, server_header=False)


def _lookup(registry: Registry, key: str) -> Transaction:
    try:
        return registry[key]
    except KeyError:
        console.print(f"[red]20001 - 不支持的接口类型: {key}[/red]")
        raise typer.Exit(2) from None


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


# --------------------------------------------------------------------------------------------- gateway
# yibao run [--host 0.0.0.0 --port 8000]                              start the REST gateway
# yibao keys create --institution H43028110001 --role hospital_operator   print a new API key (once)
# yibao keys list [--institution CODE] / yibao keys revoke KEY_ID
# yibao institutions add --code … --name … --admdvs … / yibao institutions list

keys_app = typer.Typer(help="API Key 管理 / API keys of the gateway", no_args_is_help=True)
institutions_app = typer.Typer(help="接入机构管理 / institutions of the gateway", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(institutions_app, name="institutions")


def _gateway_settings() -> Any:
    """The gateway's settings from the environment / config file, or a readable exit."""
    from pydantic import ValidationError

    from medical_insurance_sdk.gateway.settings import GatewaySettings

    try:
        return GatewaySettings()
    except ValidationError as exc:
        for problem in exc.errors():
            where = ".".join(map(str, problem["loc"])) or "配置"
            console.print(f"[red]网关配置无效: {where}: {problem['msg']}[/red]")
        raise typer.Exit(2) from None


def _gateway_database() -> tuple[Any, Any]:
    """(settings, migrated Database) from the environment / config file, or a readable exit."""
    from medical_insurance_sdk.storage.database import Database

    settings = _gateway_settings()
    database = Database(settings.database_url, key_ring=_key_ring(settings))
    database.migrate()
    return settings, database


def _key_ring(settings: Any) -> Any:
    """The settings' data keys (storage/protection.py), or a readable exit (production without a key)."""
    from medical_insurance_sdk.storage.protection import KeyRingError

    try:
        return settings.key_ring()
    except KeyRingError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None


def _fail(exc: Exception) -> typer.Exit:
    from medical_insurance_sdk.exceptions import DataValidationError

    if isinstance(exc, DataValidationError) and exc.errors:
        for e in exc.errors:
            console.print(f"[red]{e.message}[/red]")
    else:
        console.print(f"[red]{exc}[/red]")
    return typer.Exit(1)


def _demo_curl(base_url: str, key: str, institution: str) -> str:
    """A curl line for 1101 with the first seeded sandbox person; pasting it works."""
    from medical_insurance_sdk.sandbox.seed import PERSONS

    person = PERSONS[0]
    body = json.dumps(
        {
            "mdtrt_cert_type": "02",
            "mdtrt_cert_no": person.certno,
            "psn_cert_type": "01",
            "certno": person.certno,
            "psn_name": person.psn_name,
        },
        ensure_ascii=False,
    )
    return (
        f"curl -s -X POST {base_url}/api/v1/medical-insurance/basic/person-info "
        f"-H 'Content-Type: application/json' -H 'X-API-Key: {key}' "
        f"-H 'X-Institution-Code: {institution}' -d '{body}'"
    )


@app.command()
def run(
    host: Annotated[
        str, typer.Option(help="监听地址；默认只在本机，对外服务请用 --host 0.0.0.0")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="监听端口")] = 8000,
) -> None:
    """启动 REST 网关 / run the gateway (embedded sandbox and SQLite unless configured otherwise)."""
    import uvicorn

    from medical_insurance_sdk.gateway import create_app
    from medical_insurance_sdk.gateway.keys import count_keys, create_key
    from medical_insurance_sdk.gateway.tenancy import DEMO_CODE, ensure_demo_institution

    settings, database = _gateway_database()
    base_url = f"http://{'localhost' if host in ('0.0.0.0', '::') else host}:{port}"
    bureau = "内嵌医保沙箱" if settings.embedded_sandbox else settings.bureau_api_url
    docs = f"  文档: {base_url}/docs" if settings.serves_docs else ""
    typer.echo(f"医保接口网关: {base_url}/api/v1/medical-insurance/{docs}  医保局: {bureau}")
    if settings.embedded_sandbox and settings.creates_demo_institution:
        ensure_demo_institution(database, settings)
        if count_keys(database) == 0:
            issued = create_key(database, DEMO_CODE, "hospital_operator", label="演示 (yibao run)")
            console.print(f"演示机构 {DEMO_CODE} 湘潭市第一人民医院 的 API Key（只显示这一次）:")
            typer.echo(issued.key)
            console.print("试一试（1101 人员基本信息获取）:")
            typer.echo(_demo_curl(base_url, issued.key, DEMO_CODE))
        else:
            console.print(f"已有 API Key；新建一个: yibao keys create --institution {DEMO_CODE} --role …")
        typer.echo(
            f"沙箱管理页: {base_url}/sandbox/（需 admin 角色的 API Key: "
            f"yibao keys create --institution {DEMO_CODE} --role admin）"
        )
    database.dispose()
    uvicorn.run(create_app(settings), host=host, port=port, server_header=False)


@keys_app.command("create")
def keys_create(
    institution: Annotated[str, typer.Option(help="机构编号（X-Institution-Code）")],
    role: Annotated[str, typer.Option(help="admin / hospital_operator / pharmacy_operator / data_analyst")],
    label: Annotated[str | None, typer.Option(help="备注，例如 收费处 3 号窗口")] = None,
) -> None:
    """新建 API Key 并打印（只显示这一次）/ create a key and print it once."""
    from medical_insurance_sdk.exceptions import MedicalInsuranceException
    from medical_insurance_sdk.gateway.keys import create_key
    from medical_insurance_sdk.gateway.tenancy import DEMO_CODE, ensure_demo_institution

    settings, database = _gateway_database()
    try:
        if institution == DEMO_CODE and settings.creates_demo_institution:
            ensure_demo_institution(database, settings)
        issued = create_key(database, institution, role, label=label)
    except MedicalInsuranceException as exc:
        raise _fail(exc) from None
    finally:
        database.dispose()
    console.print(
        f"机构 {issued.institution_code} 角色 {issued.role} 的 API Key"
        f"（key_id {issued.key_id}，只显示这一次）:"
    )
    typer.echo(issued.key)


@keys_app.command("list")
def keys_list(
    institution: Annotated[str | None, typer.Option(help="只列出该机构的")] = None,
) -> None:
    """列出 API Key（不含密钥）/ list keys (never the secrets)."""
    from medical_insurance_sdk.gateway.keys import list_keys

    _, database = _gateway_database()
    try:
        keys = list_keys(database, institution_code=institution)
    finally:
        database.dispose()
    table = Table(title="API Key")
    for column in ("key_id", "机构", "角色", "备注", "创建时间(UTC)", "最近使用(UTC)", "状态"):
        table.add_column(column)
    for k in keys:
        status = "已吊销" if k.revoked_at else ("有效" if k.active else "机构已停用")
        used = f"{k.last_used_at:%Y-%m-%d %H:%M}" if k.last_used_at else ""
        table.add_row(
            k.key_id,
            k.institution.code,
            k.role,
            k.label or "",
            f"{k.created_at:%Y-%m-%d %H:%M}",
            used,
            status,
        )
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="yibao keys list 中的 key_id")]) -> None:
    """吊销 API Key（其 JWT 令牌随之失效）/ revoke a key and its tokens."""
    from medical_insurance_sdk.gateway.keys import revoke_key

    _, database = _gateway_database()
    try:
        revoked = revoke_key(database, key_id)
    finally:
        database.dispose()
    if not revoked:
        console.print(f"[red]没有有效的 API Key {key_id}[/red]")
        raise typer.Exit(1)
    console.print(f"已吊销 {key_id}")


@institutions_app.command("add")
def institutions_add(
    code: Annotated[str, typer.Option(help="定点医药机构编号（12 位）")],
    name: Annotated[str, typer.Option(help="机构名称")],
    admdvs: Annotated[str, typer.Option(help="就医地医保区划（6 位）")],
    profile: Annotated[
        str, typer.Option(help="省份配置: national / tif / aksk / shenzhen 或 YAML 路径")
    ] = "national",
    bureau_url: Annotated[str | None, typer.Option(help="该机构的医保局地址（默认网关的）")] = None,
    credential_env: Annotated[
        list[str] | None, typer.Option(help="凭据所在环境变量，如 access_key=HOSP_A_AK（可多次）")
    ] = None,
    opter: Annotated[str, typer.Option(help="默认经办人编号")] = "OP001",
    opter_name: Annotated[str, typer.Option(help="默认经办人姓名")] = "医保接口",
) -> None:
    """新增接入机构 / add an institution (credentials stay in environment variables)."""
    from medical_insurance_sdk.exceptions import MedicalInsuranceException
    from medical_insurance_sdk.gateway.tenancy import NewInstitution, add_institution

    names: dict[str, str] = {}
    for item in credential_env or []:
        credential, _, variable = item.partition("=")
        if not credential or not variable:
            console.print(
                f"[red]--credential-env 应写成 名称=环境变量，例如 access_key=HOSP_A_AK: {item}[/red]"
            )
            raise typer.Exit(2)
        names[credential.strip()] = variable.strip()
    spec = NewInstitution(
        code=code,
        name=name,
        admdvs=admdvs,
        profile=profile,
        bureau_base_url=bureau_url,
        credential_env=names,
        opter=opter,
        opter_name=opter_name,
    )
    _, database = _gateway_database()
    try:
        record = add_institution(database, spec)
    except MedicalInsuranceException as exc:
        raise _fail(exc) from None
    finally:
        database.dispose()
    console.print(
        f"已新增机构 {record.code} {record.name}；创建 API Key: "
        f"yibao keys create --institution {record.code} --role hospital_operator"
    )


@institutions_app.command("list")
def institutions_list() -> None:
    """列出接入机构 / list institutions."""
    from medical_insurance_sdk.gateway.tenancy import list_institutions

    settings, database = _gateway_database()
    try:
        rows = list_institutions(database)
    finally:
        database.dispose()
    table = Table(title="接入机构")
    for column in ("编号", "名称", "区划", "省份配置", "医保局地址", "凭据环境变量", "状态"):
        table.add_column(column)
    for r in rows:
        url = r.bureau_base_url or settings.bureau_api_url or "内嵌沙箱"
        env = ", ".join(f"{k}={v}" for k, v in r.credential_env) or "MEDICAL_BUREAU_*"
        table.add_row(r.code, r.name, r.admdvs, r.profile, url, env, "启用" if r.active else "停用")
    console.print(table)


# ----------------------------------------------------------------------------------- task workers (§3.3)
# yibao worker [--concurrency 4] [--beat]     run async tasks from the Celery broker (CELERY_BROKER_URL)
# yibao beat                                  the periodic schedule alone (one per deployment)


def _celery_app() -> tuple[Any, Any]:
    """(settings, Celery app) for CELERY_BROKER_URL, the database migrated; exits 2 without a broker."""
    from medical_insurance_sdk.gateway.executors.celery_app import create_celery

    settings, database = _gateway_database()
    database.dispose()
    if not settings.celery_broker_url:
        console.print("[red]CELERY_BROKER_URL 未设置：yibao worker 需要 Redis 作为任务队列[/red]")
        raise typer.Exit(2)
    return settings, create_celery(settings)


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


# ------------------------------------------------------------------------------------------ data keys
# The keys that seal personal data at rest (spec §7.3.1, storage/protection.py); never in the database.
data_key_app = typer.Typer(help="数据加密密钥 / data keys (AES-256-GCM at rest)", no_args_is_help=True)
app.add_typer(data_key_app, name="data-key")


@data_key_app.command("status")
def data_key_status() -> None:
    """各加密列按密钥 ID 统计行数 / rows per key id of every sealed column."""
    from medical_insurance_sdk.storage.rotation import file_key_counts, key_counts

    settings, database = _gateway_database()
    try:
        ring = database.key_ring
        console.print(f"主密钥: {ring.primary}  密钥环: {', '.join(sorted(ring.keys))}  来源: {ring.source}")
        table = Table("加密列", "密钥 ID", "行数")
        for column, per_kid in key_counts(database).items():
            for kid, rows in sorted(per_kid.items()):
                table.add_row(column, kid + (" (主)" if kid == ring.primary else ""), str(rows))
        for kid, files in sorted(file_key_counts(database, settings.files_root).items()):
            table.add_row("上传文件", kid + (" (主)" if kid == ring.primary else ""), str(files))
        console.print(table)
    finally:
        database.dispose()


@data_key_app.command("generate")
def data_key_generate() -> None:
    """生成一个新的 AES-256 密钥（kid:base64，供 MEDICAL_INSURANCE_DATA_KEYS 使用）/ print a new key."""
    from medical_insurance_sdk.storage.protection import KeyRing

    ring = KeyRing.generate()
    typer.echo(f"{ring.primary}:{ring.to_document()['keys'][ring.primary]}")


@data_key_app.command("rotate")
def data_key_rotate(
    new_key: Annotated[
        bool, typer.Option("--new-key", help="先在密钥文件中加入新的主密钥（密钥来自文件时）")
    ] = False,
    batch_size: Annotated[int, typer.Option(min=1, max=10000, help="每批重新加密的行数")] = 500,
) -> None:
    """用主密钥重新加密所有旧密钥加密的行（分批，可中断续跑）/ re-seal rows under the primary key.

    With MEDICAL_INSURANCE_DATA_KEYS, put the new key first (the primary) and keep the old ones after it;
    with a key file (or the development key), --new-key adds the new primary to the file.  Old keys stay
    readable; an interrupted rotation continues from the last committed batch when run again.
    """
    from pathlib import Path

    from medical_insurance_sdk.storage.database import Database
    from medical_insurance_sdk.storage.protection import KEYS_ENV, write_key_file
    from medical_insurance_sdk.storage.rotation import rotate, rotate_files

    settings = _gateway_settings()
    ring = _key_ring(settings)
    if new_key:
        if ring.source == KEYS_ENV:
            console.print(
                f"[red]密钥来自 {KEYS_ENV}: 请把新密钥（yibao data-key generate）放在最前面再运行[/red]"
            )
            raise typer.Exit(2)
        ring = ring.with_new_primary()
        write_key_file(Path(ring.source), ring)
        console.print(f"已加入新的主密钥 {ring.primary}（旧密钥保留）: {ring.source}")
    database = Database(settings.database_url, key_ring=ring)
    try:
        database.migrate()

        def progress(table: str, last_id: int, rows: int) -> None:
            console.print(f"  {table}: 已处理到 id {last_id}，本次重新加密 {rows} 行")

        report = rotate(database, batch_size=batch_size, progress=progress)
        files = rotate_files(database, settings.files_root)
    finally:
        database.dispose()
    total = sum(report.resealed.values())
    console.print(f"轮换完成: 共 {total} 行、{files} 个文件改用主密钥 {report.target_kid} 加密")
