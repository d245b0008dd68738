"""`yibao reconcile` end to end: groups from configuration, settlements only the bureau holds, and an
unreachable bureau (exit codes 0 平, 1 不平, 2 usage, 3 对账失败)."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from medical_insurance_sdk.cli import app

UNSET = {
    "DATABASE_URL": None,
    "REDIS_URL": None,
    "MEDICAL_BUREAU_API_URL": None,
    "MEDICAL_BUREAU_PROFILE": None,
    "MEDICAL_BUREAU_AK": None,
    "MEDICAL_BUREAU_SK": None,
    "MEDICAL_INSURANCE_INSTITUTION_CODE": None,
    "MEDICAL_SANDBOX_DATABASE_URL": None,
    "MEDICAL_INSURANCE_RECONCILE_INSUTYPES": None,
    "MEDICAL_INSURANCE_RECONCILE_CLR_TYPES": None,
    "MEDICAL_INSURANCE_RECONCILE_SETL_OPTINS": None,
}


@pytest.fixture
def env(tmp_path):
    pytest.importorskip("fastapi")
    return {**UNSET, "MEDICAL_INSURANCE_DATA_DIR": str(tmp_path / "var")}


def groups_of(out, name: str) -> list[tuple[str, str, str]]:
    summary = json.loads((out / name).read_text(encoding="utf-8"))
    return [(g["setl_optins"], g["insutype"], g["clr_type"]) for g in summary["groups"]]


def test_groups_come_from_configuration_and_options(env, tmp_path):
    runner = CliRunner()
    out = tmp_path / "reports"
    configured = {
        **env,
        "MEDICAL_INSURANCE_RECONCILE_INSUTYPES": "310,390",
        "MEDICAL_INSURANCE_RECONCILE_CLR_TYPES": "11",
    }
    result = runner.invoke(app, ["reconcile", "--date", "2025-07-14", "--out", str(out)], env=configured)
    assert result.exit_code == 0, result.output
    assert "当日对账平" in result.output and "其余 2 组" in result.output
    name = "reconcile_H43028110001_20250714.json"
    assert groups_of(out, name) == [("430200", "310", "11"), ("430200", "390", "11")]

    args = ["reconcile", "--date", "2025-07-14", "--out", str(out), "--insutype", "340", "--insutype", "510"]
    result = runner.invoke(app, args, env=configured)  # options win over the environment
    assert result.exit_code == 0, result.output
    assert groups_of(out, "reconcile_H43028110001_20250714_340-510.json") == [
        ("430200", "340", "11"),
        ("430200", "510", "11"),
    ]

    usage = runner.invoke(app, ["reconcile", "--help"], env={**env, "COLUMNS": "200"})
    assert "3 对账失败" in usage.output and "1 对账不平" in usage.output  # the exit codes are documented

    wrong = {**env, "MEDICAL_INSURANCE_RECONCILE_CLR_TYPES": "11,门诊"}
    bad = runner.invoke(app, ["reconcile", "--date", "2025-07-14", "--out", str(out)], env=wrong)
    assert bad.exit_code == 2 and "MEDICAL_INSURANCE_RECONCILE_CLR_TYPES" in bad.output
    args = ["reconcile", "--date", "2025-07-14", "--out", str(out), "--insutype", "职工"]
    bad = runner.invoke(app, args, env=env)
    assert bad.exit_code == 2 and "险种代码无效" in bad.output


def test_a_settlement_only_the_bureau_holds_is_named(env, tmp_path, institution):
    """The day's only 310/11 settlement was made outside our ledger; no --insutype / --clr-type given."""
    from support_reconcile import DAY, sandbox_engine, settle_at_sandbox

    from medical_insurance_sdk.protocol.jsoncodec import BEIJING
    from medical_insurance_sdk.sandbox.app import create_sandbox_app
    from medical_insurance_sdk.sandbox.seed import PERSONS
    from medical_insurance_sdk.sandbox.settings import SandboxSettings
    from medical_insurance_sdk.storage.allocators import allocator_for
    from medical_insurance_sdk.storage.database import Database

    bureau_url = f"sqlite:///{tmp_path / 'bureau.sqlite3'}"
    ours = Database(f"sqlite:///{tmp_path / 'ours.sqlite3'}")
    ours.migrate()
    allocator = allocator_for(ours, None)  # the other terminal numbers its msgids from the same sequence
    day = datetime(2025, 7, 14, 2, tzinfo=UTC).astimezone(BEIJING)
    bureau = create_sandbox_app(SandboxSettings(database_url=bureau_url), clock=lambda: day)
    person = next(p for p in PERSONS if p.insutype == "310" and p.insuplc_admdvs == "430200")
    other_books = Database(":memory:")
    other_books.create_all()
    try:
        other, _ = sandbox_engine(other_books, allocator, app=bureau)
        with other:
            stray = settle_at_sandbox(
                other, institution, person, "0009", [("XM01AEB040E001010100011", "2", "11.20")]
            )
    finally:
        bureau.state.sandbox.close()
        other_books.dispose()
        ours.dispose()

    out = tmp_path / "reports"
    args = ["reconcile", "--date", DAY, "--out", str(out)]
    ours_url = f"sqlite:///{tmp_path / 'ours.sqlite3'}"
    shared = {**env, "MEDICAL_SANDBOX_DATABASE_URL": bureau_url, "DATABASE_URL": ours_url}
    result = CliRunner().invoke(app, args, env=shared)
    assert result.exit_code == 1, result.output
    assert stray["setl_id"] in result.output and "当日对账不平" in result.output
    summary = json.loads((out / "reconcile_H43028110001_20250714.json").read_text(encoding="utf-8"))
    assert summary["bureau_only"] == [stray["setl_id"]] and summary["ledger_only"] == []


def test_an_unreachable_bureau_exits_3(env, tmp_path):
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
    out = tmp_path / "reports"
    result = CliRunner().invoke(
        app, ["reconcile", "--date", "2025-07-14", "--out", str(out)], env=unreachable
    )
    assert result.exit_code == 3, result.output
    assert "对账失败：医保局不可达" in result.output and "不平" not in result.output
    summary = json.loads((out / "reconcile_H43028110001_20250714.json").read_text(encoding="utf-8"))
    assert summary["failed"] is True and summary["failure"] == "医保局不可达"
