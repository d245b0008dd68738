"""`yibao integrate db install|uninstall|run`: the database trigger queue (spec §11.3.2 方案一).

yibao integrate db install --database-url URL --mapping mapping.yaml [--dry-run] [--dialect D]
yibao integrate db uninstall --database-url URL --mapping mapping.yaml [--dry-run] [--dialect D]
(`yibao integrate db run`, the worker, is added to `db_app` by integrate_db_run.py.)

--dry-run prints the SQL (stdout holds nothing else: pipe it into psql / mysql) and connects to nothing.
Errors go to stderr, in Chinese, with exit code 2; the database password is never printed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from medical_insurance_sdk.cli._app import console
from medical_insurance_sdk.cli.integrate_commands import integrate_app

if TYPE_CHECKING:
    from sqlalchemy import URL, Connection

    from medical_insurance_sdk.integrate.dbqueue.mapping import MappingConfig, ResolvedMapping
    from medical_insurance_sdk.integrate.dbqueue.triggers import Dialect

db_app = typer.Typer(
    help="数据库触发器队列：安装触发器、运行工作进程 / database trigger queue", no_args_is_help=True
)
integrate_app.add_typer(db_app, name="db")

errors = Console(stderr=True)

CONNECT_TIMEOUT_S = 10

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="HIS 数据库地址，如 postgresql://用户:密码@主机:5432/库 或 mysql://…（--dry-run 时可省略）",
    ),
]
MappingPath = Annotated[
    Path, typer.Option("--mapping", help="映射文件（YAML），见 docs/integration/db-trigger.md")
]
DryRun = Annotated[bool, typer.Option("--dry-run", help="只输出 SQL，不连接数据库")]
DialectOption = Annotated[
    str | None,
    typer.Option("--dialect", help="postgresql | mysql | mssql | oracle（--dry-run 且无地址时必填）"),
]


def fail(*lines: str) -> NoReturn:
    for line in lines:
        errors.print(f"[red]{escape(line)}[/red]", soft_wrap=True)
    raise typer.Exit(2)


def his_url(text: str) -> URL:
    """The HIS database's URL with this project's drivers (dbqueue.database), or a readable exit."""
    from medical_insurance_sdk.exceptions import MedicalInsuranceException
    from medical_insurance_sdk.integrate.dbqueue.database import database_url

    try:
        return database_url(text)
    except MedicalInsuranceException as exc:
        fail(f"{exc.code} - {exc.message}")


def _load(mapping: Path) -> MappingConfig:
    from medical_insurance_sdk.integrate.dbqueue.mapping import MappingError, load_mapping_file

    try:
        return load_mapping_file(mapping)
    except MappingError as exc:
        fail(f"映射文件 {mapping} 有 {len(exc.problems)} 处错误:", *exc.problems)


def _target(database_url: str | None, dialect: str | None, *, dry_run: bool) -> tuple[URL | None, Dialect]:
    from medical_insurance_sdk.integrate.dbqueue.triggers import DIALECTS, TESTED, dialect_of

    url = his_url(database_url) if database_url else None
    if dialect is not None and dialect not in DIALECTS:
        fail(f"10002 - 不支持的 --dialect {dialect}，可选: {' / '.join(DIALECTS)}")
    if url is None and not dry_run:
        fail("10001 - 请用 --database-url 指定 HIS 数据库（或用 --dry-run 只输出 SQL）")
    if url is None:
        if dialect is None:
            fail("10001 - --dry-run 未给 --database-url 时须用 --dialect 指定数据库类型")
        return None, dialect
    found = dialect_of(url.get_backend_name())
    if found is None:
        fail(
            f"10002 - 不支持的数据库 {url.get_backend_name()}，"
            "支持: postgresql、mysql / mariadb、mssql、oracle"
        )
    if dialect is not None and dialect != found:
        fail(f"10002 - --dialect {dialect} 与数据库地址的类型 {found} 不一致")
    if not dry_run and found not in TESTED:
        fail(
            f"10002 - {found} 的触发器是模板，不直接安装：请用 --dry-run 输出 SQL，由 DBA 审阅后执行",
        )
    return url, found


@db_app.command()
def install(
    mapping: MappingPath,
    database_url: DatabaseUrl = None,
    dry_run: DryRun = False,
    dialect: DialectOption = None,
) -> None:
    """建队列表与结果表（已存在则保留），按映射文件安装触发器（重复执行即替换）/ install the triggers."""
    from medical_insurance_sdk.integrate.dbqueue import triggers
    from medical_insurance_sdk.integrate.dbqueue.identity import new_queue_name

    config = _load(mapping)
    url, sql = _target(database_url, dialect, dry_run=dry_run)
    if url is None or dry_run:
        statements = triggers.table_statements(sql)
        statements.append(triggers.queue_name_statement(config.queue_name or new_queue_name(), sql))
        for m in config.mappings:
            statements += triggers.install_statements(m, sql)
        sys.stdout.write(_header("install", sql) + triggers.script(statements, sql))
        return
    with _connected(url) as connection:
        resolved = _his_tables(connection, config, url)
        created = _create_tables(connection)
        name = _queue_name(connection, config)
        queue_schema = _queue_schema(connection, resolved)
        for m in resolved:
            _run(connection, url, m, triggers.install_statements(m, sql, queue_schema=queue_schema))
    _summary(name, resolved, created)


@db_app.command()
def uninstall(
    mapping: MappingPath,
    database_url: DatabaseUrl = None,
    dry_run: DryRun = False,
    dialect: DialectOption = None,
) -> None:
    """删除映射文件中的触发器（及函数）；队列表与结果表及其数据保留 / drop the triggers, keep the tables."""
    from medical_insurance_sdk.integrate.dbqueue import triggers

    config = _load(mapping)
    url, sql = _target(database_url, dialect, dry_run=dry_run)
    if url is None or dry_run:
        statements = [s for m in config.mappings for s in triggers.uninstall_statements(m, sql)]
        sys.stdout.write(_header("uninstall", sql) + triggers.script(statements, sql))
        return
    with _connected(url) as connection:
        for m in config.mappings:
            _run(connection, url, m, triggers.uninstall_statements(m, sql))
            console.print(escape(f"映射 {m.name}: 触发器 {triggers.trigger_name(m)} 已删除"), soft_wrap=True)
    console.print("队列表 medical_insurance_queue 与结果表 medical_insurance_result 及其数据均保留，未删除。")


def _header(command: str, dialect: Dialect) -> str:
    from medical_insurance_sdk.integrate.dbqueue.triggers import TESTED

    note = "" if dialect in TESTED else "-- 模板：本项目未在该数据库上测试，请 DBA 审阅后执行\n"
    return f"-- yibao integrate db {command} --dry-run（{dialect}）\n{note}\n"


@contextmanager
def _connected(url: URL) -> Iterator[Connection]:
    """One connection to the HIS database; any failure to reach it is a readable exit 2."""
    from sqlalchemy.exc import DBAPIError, NoSuchModuleError

    from medical_insurance_sdk.integrate.dbqueue.database import connect
    from medical_insurance_sdk.storage.database import first_line, masked_url

    text = url.render_as_string(hide_password=False)
    try:
        engine = connect(text, pool_size=1, connect_args={"connect_timeout": CONNECT_TIMEOUT_S})
    except (NoSuchModuleError, ImportError) as exc:
        fail(f"60001 - 数据库连接失败: 无法加载驱动 {url.drivername}（{exc.__class__.__name__}）")
    try:
        try:
            connection = engine.connect()
        except DBAPIError as exc:
            fail(f"60001 - 数据库连接失败: {masked_url(url)}: {first_line(str(exc.orig), url.password)}")
        with connection:
            yield connection
    finally:
        engine.dispose()


def _his_tables(connection: Connection, config: MappingConfig, url: URL) -> tuple[ResolvedMapping, ...]:
    """The mappings naming the HIS tables and columns as the database spells them; missing ones exit 2."""
    from sqlalchemy import inspect

    from medical_insurance_sdk.storage.database import masked_url

    inspector = inspect(connection)
    problems: list[str] = []
    resolved: list[ResolvedMapping] = []
    for m in config.mappings:
        schema, name = m.mapping.schema_name, m.mapping.table_name
        tables = {t.lower(): t for t in inspector.get_table_names(schema=schema)}
        table = tables.get(name.lower())
        where = f"{schema}.{name}" if schema else name
        if table is None:
            problems.append(f"30007 - 映射 {m.name}: 数据库 {masked_url(url)} 中没有表 {where}")
            continue
        columns = {c["name"].lower(): c["name"] for c in inspector.get_columns(table, schema=schema)}
        missing = [c for c in m.columns if c.lower() not in columns]
        if missing:
            problems.append(
                f"30007 - 映射 {m.name}: 表 {where} 没有列 {', '.join(missing)}"
                f"（现有列: {', '.join(columns.values())}）"
            )
            continue
        resolved.append(m.with_names(f"{schema}.{table}" if schema else table, columns))
    if problems:
        fail(*problems)
    return tuple(resolved)


def _create_tables(connection: Connection) -> dict[str, bool]:
    """Create the queue and result tables when absent: {table: created now}."""
    from sqlalchemy import inspect

    from medical_insurance_sdk.integrate.dbqueue import tables

    before = {t.name: inspect(connection).has_table(t.name) for t in tables.metadata.sorted_tables}
    tables.metadata.create_all(connection, checkfirst=True)
    connection.commit()
    return {name: not present for name, present in before.items()}


def _queue_name(connection: Connection, config: MappingConfig) -> str:
    """The queue's identity in idempotency keys, stored by the first install (identity.py)."""
    from medical_insurance_sdk.exceptions import MedicalInsuranceException
    from medical_insurance_sdk.integrate.dbqueue.identity import settle_queue_name

    try:
        name = settle_queue_name(connection, config.queue_name)
    except MedicalInsuranceException as exc:
        connection.rollback()
        fail(f"{exc.code} - {exc.message}")
    connection.commit()
    return name


def _queue_schema(connection: Connection, mappings: tuple[ResolvedMapping, ...]) -> str | None:
    """MySQL: a trigger resolves table names in its table's database; name the queue's when they differ."""
    if connection.dialect.name not in ("mysql", "mariadb"):
        return None  # PostgreSQL: the function keeps the installer's search_path
    if all(m.mapping.schema_name is None for m in mappings):
        return None
    current = connection.exec_driver_sql("SELECT DATABASE()").scalar()
    return str(current) if current else None


def _run(connection: Connection, url: URL, m: ResolvedMapping, statements: list[str]) -> None:
    """One mapping's statements in one transaction (PostgreSQL: a failed install changes nothing)."""
    from sqlalchemy.exc import DBAPIError

    from medical_insurance_sdk.storage.database import first_line

    raw = connection.execution_options(no_parameters=True)  # '%' in DATE_FORMAT is not a placeholder
    try:
        for statement in statements:
            raw.exec_driver_sql(statement)
        connection.commit()
    except DBAPIError as exc:
        connection.rollback()
        fail(f"30010 - 映射 {m.name}: 数据库拒绝了触发器 SQL: {first_line(str(exc.orig), url.password)}")


def _summary(queue_name: str, resolved: tuple[ResolvedMapping, ...], created: dict[str, bool]) -> None:
    from medical_insurance_sdk.integrate.dbqueue.triggers import trigger_name

    say: Callable[[str], None] = lambda line: console.print(escape(line), soft_wrap=True)  # noqa: E731
    for table, new in created.items():
        say(f"表 {table}: {'已创建' if new else '已存在，保留原有数据'}")
    for m in resolved:
        when = f"，条件 {m.mapping.when}" if m.mapping.when else ""
        say(
            f"映射 {m.name}: 触发器 {trigger_name(m)} 已安装"
            f"（AFTER {m.mapping.operation} ON {m.mapping.table} → {m.tx.infno} {m.tx.name}{when}）"
        )
    say(f"共安装 {len(resolved)} 个触发器，队列名 {queue_name}（幂等键 dbq:{queue_name}:<队列ID>:<时间>）")
