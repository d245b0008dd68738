"""The migration step of deploy/ (compose service `migrate`, Kubernetes Job) is `yibao migrate`, and it
really brings an empty database to the newest Alembic revision with production settings; a second run
changes nothing, and a database it cannot use is one line with its error code."""

from __future__ import annotations

import base64
import os
import secrets
import sqlite3
import subprocess
import sys
from pathlib import Path

import yaml
from alembic.script import ScriptDirectory

from medical_insurance_sdk.storage import migrations


def compose_command(deploy_dir: Path) -> list[str]:
    compose = yaml.safe_load((deploy_dir / "docker-compose.yml").read_text(encoding="utf-8"))
    command: list[str] = compose["services"]["migrate"]["command"]
    return command


def job_command(deploy_dir: Path) -> list[str]:
    job = yaml.safe_load((deploy_dir / "k8s" / "migration-job.yaml").read_text(encoding="utf-8"))
    command: list[str] = job["spec"]["template"]["spec"]["containers"][0]["command"]
    return command


def head_revision() -> str:
    script = ScriptDirectory(str(Path(migrations.__file__).parent))
    head = script.get_current_head()
    assert head is not None
    return head


def production_env(tmp_path: Path, database_url: str) -> dict[str, str]:
    """The container's environment: production settings, without the machine's own MEDICAL_* variables."""
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("MEDICAL_INSURANCE_", "MEDICAL_BUREAU_"))
    }
    clean.pop("DATABASE_URL", None)
    return {
        **clean,
        "COLUMNS": "200",
        "MEDICAL_INSURANCE_ENVIRONMENT": "production",
        "MEDICAL_INSURANCE_DATA_DIR": str(tmp_path / "var"),
        "DATABASE_URL": database_url,
        "MEDICAL_BUREAU_API_URL": "http://127.0.0.1:9/",
        "MEDICAL_INSURANCE_JWT_SECRET": secrets.token_urlsafe(48),
        "MEDICAL_INSURANCE_DATA_KEYS": "k1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
    }


def run(command: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """The deploy command as the image runs it: `yibao` is the console script of this environment."""
    program = str(Path(sys.executable).with_name(command[0]))
    return subprocess.run(
        [program, *command[1:]], env=env, cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_compose_and_kubernetes_migrate_alike(deploy_dir: Path) -> None:
    assert compose_command(deploy_dir) == job_command(deploy_dir) == ["yibao", "migrate"]


def test_the_migration_command_upgrades_an_empty_database_to_head(deploy_dir: Path, tmp_path: Path) -> None:
    database = tmp_path / "yibao.sqlite3"
    env = production_env(tmp_path, f"sqlite:///{database}")
    first = run(compose_command(deploy_dir), env, tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    assert f"已从版本 （空库） 升级到 {head_revision()}" in first.stdout
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    assert rows == [(head_revision(),)]

    again = run(job_command(deploy_dir), env, tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"已是最新版本 {head_revision()}，无需迁移" in again.stdout


def test_the_migration_command_upgrades_postgresql(
    deploy_dir: Path, tmp_path: Path, postgres_admin_url: str
) -> None:
    import psycopg
    from psycopg import sql
    from sqlalchemy import create_engine, make_url, text

    from medical_insurance_sdk.storage.database import normalize_url

    name = f"yibao_test_{secrets.token_hex(6)}"
    with psycopg.connect(postgres_admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        url = make_url(postgres_admin_url).set(database=name).render_as_string(hide_password=False)
        result = run(compose_command(deploy_dir), production_env(tmp_path, url), tmp_path)
        assert result.returncode == 0, result.stdout + result.stderr
        engine = create_engine(normalize_url(url))
        try:
            with engine.connect() as connection:
                rows = connection.execute(text("SELECT version_num FROM alembic_version")).fetchall()
        finally:
            engine.dispose()
        assert [tuple(row) for row in rows] == [(head_revision(),)]
    finally:
        with psycopg.connect(postgres_admin_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def test_a_database_it_cannot_reach_is_one_line_and_exit_2(deploy_dir: Path, tmp_path: Path) -> None:
    env = production_env(tmp_path, "postgresql://yibao:s3cret-pw@127.0.0.1:1/yibao")
    result = run(compose_command(deploy_dir), env, tmp_path)
    assert result.returncode == 2
    output = result.stdout + result.stderr
    assert output.startswith("60001 - 数据库连接失败") and "Traceback" not in output
    assert "s3cret-pw" not in output

    result = run(compose_command(deploy_dir), {**env, "DATABASE_URL": "nosuch://x"}, tmp_path)
    assert result.returncode == 2 and (result.stdout + result.stderr).startswith("10002 - ")
