"""yibao run / sandbox / keys / institutions: serving the gateway and the sandbox, and their records."""

from __future__ import annotations

import errno
import json
import os
import socket
from typing import Annotated, Any

import typer
from rich.table import Table

from medical_insurance_sdk.cli._app import CONFIG_EXIT, _fail, _gateway_database, app, console, error


def _check_port(host: str, port: int) -> None:
    """Exit 2 with a Chinese line when `host:port` cannot be listened on (another process has it, no
    permission, no such address), before anything is printed or opened: uvicorn would report it only after
    the banner, in English.  The probe binds as uvicorn does (SO_REUSEADDR on POSIX) and lets go at once."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        error(f"监听地址无效: {host}（{exc.strerror}）：请检查 --host")
        raise typer.Exit(CONFIG_EXIT) from None
    family, kind, proto, _, address = found[0]
    with socket.socket(family, kind, proto) as probe:
        if os.name == "posix":  # on Windows the option would let the probe share a busy port
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                reason = (
                    f"端口 {port} 已被占用（{host}:{port}）：请用 --port 换一个端口，或先停止占用它的进程"
                )
            elif exc.errno == errno.EACCES:
                reason = f"没有权限监听端口 {port}（1024 以下需要管理员权限）：请用 --port 换一个端口"
            else:
                reason = f"无法监听 {host}:{port}（{exc.strerror or exc}）：请检查 --host 与 --port"
            error(reason)
            raise typer.Exit(CONFIG_EXIT) from None


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

    _check_port(host, port)
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


# --------------------------------------------------------------------------------------------- gateway
# yibao run [--host 0.0.0.0 --port 8000]                              start the REST gateway
# yibao keys create --institution H43028110001 --role hospital_operator   print a new API key (once)
# yibao keys list [--institution CODE] / yibao keys revoke KEY_ID
# yibao institutions add --code … --name … --admdvs … / yibao institutions list

keys_app = typer.Typer(help="API Key 管理 / API keys of the gateway", no_args_is_help=True)
institutions_app = typer.Typer(help="接入机构管理 / institutions of the gateway", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(institutions_app, name="institutions")


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
    workers: Annotated[
        int,
        typer.Option(min=1, help="网关进程数（多核）；大于 1 时限流须用 REDIS_URL 共享，且不能用内嵌沙箱"),
    ] = 1,
) -> None:
    """启动 REST 网关 / run the gateway (embedded sandbox and SQLite unless configured otherwise)."""
    import uvicorn

    from medical_insurance_sdk.gateway import create_app
    from medical_insurance_sdk.gateway.keys import count_keys, create_key
    from medical_insurance_sdk.gateway.tenancy import DEMO_CODE, ensure_demo_institution

    _check_port(host, port)
    settings, database = _gateway_database()
    if workers > 1:
        _check_workers(settings)
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
    # the gateway writes its own JSON access line (§8.2.1): uvicorn's plain one would say it twice (~2% CPU)
    access_log = not settings.json_access_log
    if workers > 1:
        # each worker builds its own app from the same environment and config file (create_app() reads
        # them); msgids (database blocks or Redis), sign-in sessions (database) and the sweeper's leases are
        # shared through the database, the limits through Redis
        uvicorn.run(
            "medical_insurance_sdk.gateway.app:create_app",
            factory=True,
            workers=workers,
            host=host,
            port=port,
            server_header=False,
            access_log=access_log,
        )
        return
    uvicorn.run(create_app(settings), host=host, port=port, server_header=False, access_log=access_log)


def _check_workers(settings: Any) -> None:
    """Several worker processes need state they can share: refuse what would silently split it."""
    if settings.embedded_sandbox:
        console.print(
            "[red]--workers 大于 1 时不能使用内嵌沙箱（每个进程会各有一个沙箱）；请配置医保局地址[/red]"
        )
        raise typer.Exit(2)
    configured = settings.jwt_secret.get_secret_value() if settings.jwt_secret is not None else None
    if settings.jwt_key != configured:  # a random per-process key: one worker's tokens fail at another
        console.print(
            "[red]--workers 大于 1 时须设置 MEDICAL_INSURANCE_JWT_SECRET（各进程共用的签名密钥）[/red]"
        )
        raise typer.Exit(2)
    limits_on = settings.rate_limits_enabled or settings.concurrency_limits_enabled
    if limits_on and not settings.redis_url:
        console.print(
            "[red]--workers 大于 1 时限流与并发限制须在进程间共享：请设置 REDIS_URL，"
            "或关闭限流（MEDICAL_INSURANCE_RATE_LIMITS_ENABLED=false 等）[/red]"
        )
        raise typer.Exit(2)


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
        f"（key_id {issued.key_id}，只显示这一次）:",
        soft_wrap=True,  # one line even when not printed to a terminal (scripts read it)
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
