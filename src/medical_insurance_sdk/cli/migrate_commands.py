"""yibao migrate: bring the product database to the newest Alembic revision (the deployment's migration step).

The compose service `migrate` and the Kubernetes migration Job run it before the replicas start; every other
command also migrates on start (Database.migrate(), concurrent callers wait for each other), so running it
twice, or beside a starting replica, is harmless.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from medical_insurance_sdk.cli._app import _gateway_settings, _key_ring, app, console

if TYPE_CHECKING:
    from medical_insurance_sdk.storage.database import Database


def current_revision(database: Database) -> str | None:
    """The revision the database stands at (None for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    with database.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest revision the installed package ships."""
    from alembic.script import ScriptDirectory

    from medical_insurance_sdk.storage.migrations import alembic_config

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


@app.command()
def migrate() -> None:
    """升级产品数据库到最新版本（Alembic）/ migrate the product database to the newest revision.

    使用与 `yibao run` 相同的配置（DATABASE_URL 或配置文件、数据密钥）。部署时先执行本命令，再启动或滚动更新
    网关副本；可重复执行，已是最新版本时不做任何修改。数据库地址错误或无法连接时输出一行错误并以 2 退出。
    """
    from medical_insurance_sdk.storage.database import Database, masked_url

    settings = _gateway_settings()
    database = Database(settings.database_url, key_ring=_key_ring(settings))
    try:
        before = current_revision(database)
        database.migrate()
        after = current_revision(database)
    finally:
        database.dispose()
    where = masked_url(database.url)
    if before == after:
        console.print(
            f"数据库 {where} 已是最新版本 {after}，无需迁移", markup=False, highlight=False, soft_wrap=True
        )
        return
    console.print(
        f"数据库 {where} 已从版本 {before or '（空库）'} 升级到 {after}（最新版本 {head_revision()}）",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
