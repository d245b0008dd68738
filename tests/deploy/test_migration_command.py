"""The migration step of deploy/ (compose service `migrate`, Kubernetes Job) really brings an empty
database to the newest Alembic revision, with production settings, and both run the same command."""

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


def test_compose_and_kubernetes_migrate_alike(deploy_dir: Path) -> None:
    assert compose_command(deploy_dir) == job_command(deploy_dir)


def test_the_migration_command_upgrades_an_empty_database_to_head(deploy_dir: Path, tmp_path: Path) -> None:
    command = compose_command(deploy_dir)
    assert command[0] == "python"
    database = tmp_path / "yibao.sqlite3"
    env = {
        **os.environ,
        "MEDICAL_INSURANCE_ENVIRONMENT": "production",
        "MEDICAL_INSURANCE_DATA_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{database}",
        "MEDICAL_BUREAU_API_URL": "http://127.0.0.1:9/",
        "MEDICAL_INSURANCE_JWT_SECRET": secrets.token_urlsafe(48),
        "MEDICAL_INSURANCE_DATA_KEYS": "k1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
    }
    result = subprocess.run(
        [sys.executable, *command[1:]], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    assert rows == [(head_revision(),)]
