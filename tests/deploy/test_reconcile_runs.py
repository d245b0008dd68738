"""`yibao reconcile` records each run's outcome in reconcile_run (storage/reconcile_runs.py), which the
reconciliation alerts read through postgres-exporter: a balanced day, a narrowed run and an unreachable
bureau (no verdict)."""

from __future__ import annotations

import socket
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from medical_insurance_sdk.cli import app
from medical_insurance_sdk.storage.database import Database
from medical_insurance_sdk.storage.models import ReconcileRun
from medical_insurance_sdk.storage.reconcile_runs import scope_text

# the machine's own settings must not reach the command
UNSET = dict.fromkeys(
    (
        "DATABASE_URL",
        "REDIS_URL",
        "MEDICAL_BUREAU_API_URL",
        "MEDICAL_BUREAU_PROFILE",
        "MEDICAL_BUREAU_AK",
        "MEDICAL_BUREAU_SK",
        "MEDICAL_INSURANCE_INSTITUTION_CODE",
        "MEDICAL_SANDBOX_DATABASE_URL",
        "MEDICAL_INSURANCE_RECONCILE_INSUTYPES",
        "MEDICAL_INSURANCE_RECONCILE_CLR_TYPES",
        "MEDICAL_INSURANCE_RECONCILE_SETL_OPTINS",
        "MEDICAL_INSURANCE_ENVIRONMENT",
        "MEDICAL_INSURANCE_DATA_KEYS",
    )
)


def runs(url: str) -> list[tuple[str, str, str, str, int, str | None]]:
    database = Database(url)
    try:
        with database.session() as session:
            rows = session.scalars(select(ReconcileRun).order_by(ReconcileRun.id)).all()
            return [
                (r.institution_code, r.stmt_date.isoformat(), r.scope, r.outcome, r.discrepancies, r.failure)
                for r in rows
            ]
    finally:
        database.dispose()


def test_scope_text_is_stable() -> None:
    assert scope_text(None, None) == scope_text([], ()) == ""
    assert scope_text(["390", "310", "310"], ["11"]) == "insutype=310,390;clr_type=11"
    assert scope_text(None, ["21"]) == "clr_type=21"


def test_each_run_is_recorded(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'var' / 'yibao.sqlite3'}"
    env = {**UNSET, "MEDICAL_INSURANCE_DATA_DIR": str(tmp_path / "var"), "DATABASE_URL": url}
    out = str(tmp_path / "reports")
    runner = CliRunner()
    result = runner.invoke(app, ["reconcile", "--date", "2025-07-14", "--out", out], env=env)
    assert result.exit_code == 0, result.output
    narrowed = ["reconcile", "--date", "2025-07-15", "--out", out, "--insutype", "390", "--insutype", "310"]
    result = runner.invoke(app, narrowed, env=env)
    assert result.exit_code == 0, result.output
    bad = runner.invoke(
        app, ["reconcile", "--date", "2025-07-15", "--out", out, "--insutype", "职工"], env=env
    )
    assert bad.exit_code == 2  # a usage error is no run

    with socket.socket() as probe:  # a port nobody listens on: connections are refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    unreachable = {
        **env,
        "MEDICAL_BUREAU_API_URL": f"http://127.0.0.1:{port}",
        "MEDICAL_INSURANCE_INSTITUTION_CODE": "H43028110001",
        "MEDICAL_INSURANCE_INSTITUTION_NAME": "湘潭市第一人民医院",
        "MEDICAL_INSURANCE_ADMDVS": "430200",
    }
    result = runner.invoke(app, ["reconcile", "--date", "2025-07-16", "--out", out], env=unreachable)
    assert result.exit_code == 3, result.output

    assert runs(url) == [
        ("H43028110001", "2025-07-14", "", "BALANCED", 0, None),
        ("H43028110001", "2025-07-15", "insutype=310,390", "BALANCED", 0, None),
        ("H43028110001", "2025-07-16", "", "FAILED", 0, "医保局不可达"),
    ]
