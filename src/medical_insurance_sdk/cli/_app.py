"""The `yibao` application object, its console and the helpers its command modules share."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from typer.core import TyperGroup

if TYPE_CHECKING:
    from medical_insurance_sdk.registry import Registry, Transaction

# exit status of a configuration the operator has to fix (settings, data keys, database URL, port)
CONFIG_EXIT = 2

console = Console()


class _Commands(TyperGroup):
    """Every `yibao` command: a product database that cannot be opened is one line and exit 2, wherever
    the command opens it (directly, through the gateway's assembly, or in `yibao run` before serving)."""

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except Exception as exc:
            from medical_insurance_sdk.storage.database import DATABASE_ERRORS

            if not isinstance(exc, DATABASE_ERRORS):
                raise
            error(str(exc))
            raise typer.Exit(CONFIG_EXIT) from None


app = typer.Typer(
    help="医保接口平台命令行 (yibao)", no_args_is_help=True, add_completion=False, cls=_Commands
)


def error(text: str) -> None:
    """One red line, printed as written (no markup, no wrapping: scripts and logs read it whole)."""
    console.print(text, style="red", markup=False, highlight=False, soft_wrap=True)


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


def _lookup(registry: Registry, key: str) -> Transaction:
    try:
        return registry[key]
    except KeyError:
        console.print(f"[red]20001 - 不支持的接口类型: {key}[/red]")
        raise typer.Exit(2) from None


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
