"""Retention (storage/retention.py, `yibao retention`, the beat's daily task) on SQLite and PostgreSQL.

Old rows of every class go and young ones stay; unresolved ledger entries, write/money messages within
their decades, keys whose message is still unknown and unfinished jobs stay whatever their age; deletion
runs in bounded batches, a dry run deletes nothing, and a second run finds nothing more.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select

from medical_insurance_sdk.gateway.app import create_app
from medical_insurance_sdk.gateway.audit.models import InterfaceCallLog, InterfaceData
from medical_insurance_sdk.gateway.executors.celery_app import (
    RETENTION,
    RETENTION_AT,
    WorkerRuntime,
    beat_schedule,
    create_celery,
)
from medical_insurance_sdk.gateway.jobs_models import AsyncTask, BatchOperation, BatchOperationLog, StoredFile
from medical_insurance_sdk.gateway.models import Institution
from medical_insurance_sdk.gateway.settings import GatewaySettings
from medical_insurance_sdk.storage.database import Database
from medical_insurance_sdk.storage.models import Base, IdempotencyRecord, LedgerEntry, ReconcileRun
from medical_insurance_sdk.storage.retention import (
    DEFAULT_DAYS,
    RetentionPolicy,
    RetentionResult,
    run_retention,
)

NOW = datetime(2026, 12, 1, 3, 30)
YEAR = 365


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The machine's MEDICAL_INSURANCE_* / MEDICAL_BUREAU_* variables must not reach the settings."""
    for name in list(os.environ):
        if name.startswith(("MEDICAL_INSURANCE_", "MEDICAL_BUREAU_", "CELERY_")) or name == "DATABASE_URL":
            monkeypatch.delenv(name)


def _institution(database: Database, code: str = "H43028110001") -> int:
    with database.session() as s:
        row = Institution(code=code, name="测试医院", admdvs="430281", profile="national", created_at=NOW)
        row.credential_env = {}
        s.add(row)
        s.flush()
        return row.id


def _call(
    institution: int, days: float, *, success: bool = True, status: int = 200, now: datetime = NOW
) -> InterfaceCallLog:
    return InterfaceCallLog(
        institution_id=institution,
        interface_type="person_info",
        infno="1101",
        category="基础信息服务",
        request_id=f"r-{days}-{status}",
        success=success,
        http_status=status,
        response_time=12,
        call_time=now - timedelta(days=days),
    )


def _ledger(msgid: str, days: float, *, safety: str, state: str, parent: str | None = None) -> LedgerEntry:
    return LedgerEntry(
        msgid=msgid,
        infno="1101" if safety == "query" else "2207",
        safety=safety,
        institution_code="H43028110001",
        operator="OP001",
        state=state,
        business_keys={},
        request={"input": {}},
        parent_msgid=parent,
        resolve_attempts=0,
        created_at=ago(days),
    )


def _key(key: str, days: float, *, state: str, msgid: str | None) -> IdempotencyRecord:
    return IdempotencyRecord(
        institution_code="H43028110001",
        idem_key=key,
        request_hash="0" * 64,
        infno="2207",
        msgid=msgid,
        state=state,
        created_at=ago(days),
        completed_at=ago(days) if state == "DONE" else None,
    )


def _batch(institution: int, batch_id: str, days: float, *, status: str) -> BatchOperationLog:
    return BatchOperationLog(
        batch_id=batch_id,
        institution_id=institution,
        operation_type="data_upload",
        total_count=1,
        status=status,
        start_time=ago(days),
        end_time=ago(days) if status in ("completed", "failed") else None,
    )


def _operations(batch_log_id: int, statuses: list[str]) -> list[BatchOperation]:
    return [
        BatchOperation(
            batch_log_id=batch_log_id,
            position=i,
            sequence=i,
            lane=0,
            interface_type="person_info",
            infno="1101",
            options={},
            status=status,
        )
        for i, status in enumerate(statuses)
    ]


def _task(institution: int, task_id: str, days: float, *, status: str) -> AsyncTask:
    finished = status in ("completed", "failed")
    return AsyncTask(
        task_id=task_id,
        institution_id=institution,
        task_type="transaction",
        task_data={},
        status=status,
        created_at=ago(days),
        completed_at=ago(days) if finished else None,
    )


def _file(institution: int, file_id: str, days: float, root: Path) -> StoredFile:
    relative = f"{file_id}.bin"
    (root / relative).write_bytes(b"content")
    return StoredFile(
        file_id=file_id,
        institution_id=institution,
        filename="a.txt",
        content_type="text/plain",
        size=7,
        sha256="0" * 64,
        path=relative,
        created_at=ago(days),
    )


def _reconcile_run(day: str, days: float) -> ReconcileRun:
    return ReconcileRun(
        institution_code="H43028110001",
        stmt_date=date.fromisoformat(day),
        outcome="BALANCED",
        finished_at=ago(days),
    )


def _seed(database: Database, files: Path) -> dict[str, Any]:
    """One row of every kind on either side of its limit; the names of what must go and what must stay."""
    institution = _institution(database)
    with database.session() as s:
        calls = {
            "info_old": _call(institution, 31),
            "info_young": _call(institution, 29),
            "warning_old": _call(institution, 91, success=False, status=422),
            "warning_young": _call(institution, 89, success=False, status=409),
            "error_old": _call(institution, YEAR + 1, success=False, status=502),
            "error_young": _call(institution, YEAR - 1, success=False, status=504),
            "critical_ancient": _call(institution, 20 * YEAR, success=False, status=403),
        }
        s.add_all(calls.values())
        s.flush()
        young_data = InterfaceData(
            institution_id=institution,
            interface_type="person_info",
            infno="1101",
            category="基础信息服务",
            data_type="PersonInfo",
            raw_data={"input": {}, "output": {}},
            call_log_id=calls["info_old"].id,  # its call goes, the data stays unlinked
            created_at=ago(31),
            updated_at=ago(31),
        )
        old_data = InterfaceData(
            institution_id=institution,
            interface_type="person_info",
            infno="1101",
            category="基础信息服务",
            data_type="PersonInfo",
            raw_data={"input": {}, "output": {}},
            call_log_id=calls["error_young"].id,
            created_at=ago(YEAR + 1),
            updated_at=ago(YEAR + 1),
        )
        s.add_all([young_data, old_data])
        s.add_all(
            [
                _ledger("Q-OLD", YEAR + 1, safety="query", state="SUCCESS"),
                _ledger("Q-OLD-FAILED", YEAR + 1, safety="query", state="FAILED"),
                _ledger("Q-YOUNG", YEAR - 1, safety="query", state="SUCCESS"),
                _ledger("Q-PENDING", 10 * YEAR, safety="query", state="PENDING"),
                _ledger("M-OLD", 31 * YEAR, safety="money", state="SUCCESS"),
                _ledger("M-YEARS", 10 * YEAR, safety="money", state="REVERSED"),
                _ledger("M-UNKNOWN", 31 * YEAR, safety="money", state="UNKNOWN"),
                _ledger("W-YEARS", 5 * YEAR, safety="write", state="SUCCESS"),
                _ledger("C-CHILD", 5 * YEAR, safety="query", state="SUPERSEDED", parent="M-YEARS"),
                _ledger("M-KEY-UNKNOWN", 200, safety="money", state="UNKNOWN"),
                _key("k-old", 181, state="DONE", msgid="M-YEARS"),
                _key("k-young", 179, state="DONE", msgid="M-YEARS"),
                _key("k-unresolved", 400, state="DONE", msgid="M-KEY-UNKNOWN"),
                _key("k-in-flight", 400, state="IN_FLIGHT", msgid=None),
            ]
        )
        done = _batch(institution, "B-DONE", 91, status="completed")
        unknown = _batch(institution, "B-UNKNOWN", 91, status="completed")
        running = _batch(institution, "B-RUNNING", 91, status="processing")
        young = _batch(institution, "B-YOUNG", 89, status="completed")
        s.add_all([done, unknown, running, young])
        s.flush()
        s.add_all(_operations(done.id, ["success", "failed"]))
        s.add_all(_operations(unknown.id, ["success", "unknown"]))
        s.add_all(_operations(running.id, ["running"]))
        s.add_all(_operations(young.id, ["success"]))
        s.add_all(
            [
                _task(institution, "T-OLD", 91, status="completed"),
                _task(institution, "T-OLD-FAILED", 91, status="failed"),
                _task(institution, "T-PENDING", 91, status="pending"),
                _task(institution, "T-YOUNG", 89, status="completed"),
                _file(institution, "F-OLD", 91, files),
                _file(institution, "F-YOUNG", 89, files),
                _reconcile_run("2022-01-03", 3 * 365 + 1),
                _reconcile_run("2024-01-03", 3 * 365 - 1),
            ]
        )
        return {"calls": {k: v.id for k, v in calls.items()}, "young_data": young_data.id}


def _counts(results: list[RetentionResult]) -> dict[tuple[str, str], int]:
    return {(r.table, r.kind): r.rows for r in results}


EXPECTED = {
    ("interface_data", "interface_data"): 1,
    ("interface_call_log", "info"): 1,
    ("interface_call_log", "warning"): 1,
    ("interface_call_log", "error"): 1,
    ("interface_call_log", "critical"): 0,
    ("ledger_entry", "ledger_query"): 2,
    ("ledger_entry", "ledger_money"): 1,
    ("idempotency_record", "idempotency"): 1,
    ("batch_operation", "jobs"): 2,
    ("batch_operation_log", "jobs"): 1,
    ("async_task", "jobs"): 2,
    ("stored_file", "files"): 1,
    ("reconcile_run", "reconcile_runs"): 1,
}


def _all(database: Database, column: Any) -> set[Any]:
    with database.session() as s:
        return set(s.scalars(select(column)))


def _table_sizes(database: Database) -> dict[str, int]:
    models: tuple[type[Base], ...] = (InterfaceCallLog, InterfaceData, LedgerEntry, IdempotencyRecord)
    models += (BatchOperation, BatchOperationLog, AsyncTask, StoredFile)
    with database.session() as s:
        return {m.__tablename__: int(s.scalar(select(func.count()).select_from(m)) or 0) for m in models}


def test_old_rows_go_and_young_unfinished_and_money_rows_stay(any_db: Database, tmp_path: Path) -> None:
    files = tmp_path / "files"
    files.mkdir()
    seeded = _seed(any_db, files)
    before = _table_sizes(any_db)

    dry = run_retention(any_db, RetentionPolicy(), dry_run=True, files_root=files, now=NOW)
    assert _counts(dry) == EXPECTED
    assert all(r.dry_run for r in dry)
    assert _table_sizes(any_db) == before
    assert (files / "F-OLD.bin").exists()

    done = run_retention(any_db, RetentionPolicy(), files_root=files, now=NOW)
    assert _counts(done) == EXPECTED

    calls = seeded["calls"]
    kept_calls = {calls[n] for n in ("info_young", "warning_young", "error_young", "critical_ancient")}
    assert _all(any_db, InterfaceCallLog.id) == kept_calls
    assert _all(any_db, InterfaceData.id) == {seeded["young_data"]}
    assert _all(any_db, InterfaceData.call_log_id) == {None}  # its call went, the data stayed
    assert _all(any_db, LedgerEntry.msgid) == {
        "Q-YOUNG",
        "Q-PENDING",
        "M-YEARS",
        "M-UNKNOWN",
        "W-YEARS",
        "C-CHILD",
        "M-KEY-UNKNOWN",
    }
    assert _all(any_db, IdempotencyRecord.idem_key) == {"k-young", "k-unresolved", "k-in-flight"}
    assert _all(any_db, BatchOperationLog.batch_id) == {"B-UNKNOWN", "B-RUNNING", "B-YOUNG"}
    assert len(_all(any_db, BatchOperation.id)) == 4  # an unfinished batch keeps every operation
    assert _all(any_db, AsyncTask.task_id) == {"T-PENDING", "T-YOUNG"}
    assert _all(any_db, StoredFile.file_id) == {"F-YOUNG"}
    assert sorted(p.name for p in files.iterdir()) == ["F-YOUNG.bin"]
    assert {d.isoformat() for d in _all(any_db, ReconcileRun.stmt_date)} == {"2024-01-03"}

    again = run_retention(any_db, RetentionPolicy(), files_root=files, now=NOW)
    assert sum(r.rows for r in again) == 0


def test_configured_days_and_never(any_db: Database, tmp_path: Path) -> None:
    institution = _institution(any_db)
    with any_db.session() as s:
        s.add_all([_call(institution, 40), _call(institution, 20 * YEAR, success=False, status=401)])
    keep_info = RetentionPolicy.from_days({"info": 60, "critical": 10 * YEAR})
    assert _counts(run_retention(any_db, keep_info, tables=["interface_call_log"], now=NOW)) == {
        ("interface_call_log", "info"): 0,
        ("interface_call_log", "warning"): 0,
        ("interface_call_log", "error"): 0,
        ("interface_call_log", "critical"): 1,
    }
    never = RetentionPolicy.from_days({"info": None})
    assert sum(r.rows for r in run_retention(any_db, never, tables=["interface_call_log"], now=NOW)) == 0
    assert len(_all(any_db, InterfaceCallLog.id)) == 1


@pytest.fixture
def deletes(any_db: Database) -> Iterator[list[tuple[str, int]]]:
    """(statement, rows) of every DELETE the database runs."""
    seen: list[tuple[str, int]] = []

    def after(_conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("DELETE"):
            seen.append((statement.split("WHERE")[0].strip(), cursor.rowcount))

    event.listen(any_db.engine, "after_cursor_execute", after)
    yield seen
    event.remove(any_db.engine, "after_cursor_execute", after)


def test_deletion_runs_in_bounded_batches(any_db: Database, deletes: list[tuple[str, int]]) -> None:
    institution = _institution(any_db)
    with any_db.session() as s:
        s.add_all(_call(institution, 31 + i / 100) for i in range(25))
        s.add(_call(institution, 1))
    policy = RetentionPolicy.from_days(batch_rows=10)
    results = run_retention(any_db, policy, tables=["interface_call_log"], now=NOW)
    assert _counts(results)[("interface_call_log", "info")] == 25
    assert [rows for statement, rows in deletes if "interface_call_log" in statement] == [10, 10, 5]
    assert len(_all(any_db, InterfaceCallLog.id)) == 1


def test_the_policy_refuses_unknown_classes_and_too_short_money_retention() -> None:
    with pytest.raises(ValueError, match="未知的保留类别"):
        RetentionPolicy.from_days({"verbose": 3})
    with pytest.raises(ValueError, match="ledger_money 至少保留 1095 天"):
        RetentionPolicy.from_days({"ledger_money": 30})
    with pytest.raises(ValueError, match="idempotency 至少保留 30 天"):
        RetentionPolicy.from_days({"idempotency": 1})
    assert RetentionPolicy().days == DEFAULT_DAYS
    assert DEFAULT_DAYS["critical"] is None and DEFAULT_DAYS["info"] == 30 and DEFAULT_DAYS["error"] == YEAR


def test_settings_read_the_retention_environment(clean_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDICAL_INSURANCE_RETENTION_DAYS", '{"info": 60, "critical": null, "error": 730}')
    monkeypatch.setenv("MEDICAL_INSURANCE_RETENTION_BATCH_ROWS", "2000")
    policy = GatewaySettings().retention_policy()
    assert (policy.days["info"], policy.days["critical"], policy.days["error"]) == (60, None, 730)
    assert policy.batch_rows == 2000
    assert GatewaySettings(retention_days={"info": 7}).retention_policy().days["info"] == 7  # argument wins
    monkeypatch.setenv("MEDICAL_INSURANCE_RETENTION_DAYS", '{"ledger_money": 100}')
    with pytest.raises(ValueError, match="ledger_money 至少保留"):
        GatewaySettings()


def test_the_beat_runs_retention_daily(clean_env: None, tmp_path: Path) -> None:
    settings = GatewaySettings(data_dir=tmp_path, celery_broker_url="redis://127.0.0.1:6379/15")
    entry = beat_schedule(settings)["yibao-retention"]
    assert entry == {"task": RETENTION, "schedule": RETENTION_AT}
    assert (RETENTION_AT.hour, RETENTION_AT.minute) == ({19}, {30})  # 03:30 Beijing time
    celery = create_celery(settings)
    try:
        assert RETENTION in celery.tasks
    finally:
        celery.close()


def test_the_worker_task_deletes_with_the_settings_policy(clean_env: None, tmp_path: Path) -> None:
    settings = GatewaySettings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'gw.sqlite3'}")
    database = Database(settings.database_url, key_ring=settings.key_ring())
    database.migrate()
    institution = _institution(database, "H43999999999")
    now = datetime.now(UTC).replace(tzinfo=None)  # the task deletes relative to the real clock
    with database.session() as s:
        s.add_all([_call(institution, 31, now=now), _call(institution, 29, now=now)])
    runtime = WorkerRuntime(settings, open_app=create_app)
    try:
        deleted = runtime.retention()
    finally:
        runtime.close()
        database.dispose()
    assert deleted["interface_call_log"] == 1
    assert set(deleted) >= {"ledger_entry", "idempotency_record", "stored_file"}


def _yibao(database: Database, data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEDICAL_INSURANCE_", "MEDICAL_BUREAU_"))}
    env.pop("CELERY_BROKER_URL", None)
    env |= {
        "DATABASE_URL": database.url.render_as_string(hide_password=False),
        "MEDICAL_INSURANCE_DATA_DIR": str(data_dir),
        "COLUMNS": "200",
    }
    command = [str(Path(sys.executable).parent / "yibao"), "retention", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_the_command_reports_and_deletes(any_db: Database, tmp_path: Path) -> None:
    institution = _institution(any_db)
    with any_db.session() as s:
        s.add(_call(institution, 40, now=datetime.now(UTC).replace(tzinfo=None)))

    dry = _yibao(any_db, tmp_path, "--dry-run", "--table", "interface_call_log")
    assert dry.returncode == 0, dry.stderr
    assert "将删除行数" in dry.stdout and "成功调用（INFO）" in dry.stdout and "30 天" in dry.stdout
    assert "共将删除 1 行" in dry.stdout
    assert len(_all(any_db, InterfaceCallLog.id)) == 1

    run = _yibao(any_db, tmp_path)
    assert run.returncode == 0, run.stderr
    assert "已删除行数" in run.stdout and "共已删除 1 行" in run.stdout and "ledger_entry" in run.stdout
    assert _all(any_db, InterfaceCallLog.id) == set()

    wrong = _yibao(any_db, tmp_path, "--table", "api_key")
    assert wrong.returncode == 2
    assert "10002" in wrong.stdout and "api_key" in wrong.stdout
    assert "Traceback" not in wrong.stdout + wrong.stderr
