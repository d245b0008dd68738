"""yibao data-key status / generate / rotate: the data keys of encryption at rest."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

if TYPE_CHECKING:
    pass

from medical_insurance_sdk.cli._app import _gateway_database, _gateway_settings, _key_ring, app, console

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
