"""deploy/prometheus/postgres-exporter-queries.yaml: each query runs on the product schema (a migrated
PostgreSQL) and counts what its alert is about — outcomes still UNKNOWN and their age, compensations that
keep failing, recent sign-in failures, days whose reconciliation did not balance and the last verdict."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import text

from medical_insurance_sdk.storage.database import Database
from medical_insurance_sdk.storage.models import LedgerEntry, ReconcileRun

MSGIDS = count(1)


def queries(deploy_dir: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(
        (deploy_dir / "prometheus" / "postgres-exporter-queries.yaml").read_text(encoding="utf-8")
    )
    return loaded


def labelled_gauges(database: Database, deploy_dir: Path) -> dict[tuple[str, tuple[str, ...]], float]:
    """(metric name, label values) → value, as postgres-exporter exports them: one series per row."""
    values: dict[tuple[str, tuple[str, ...]], float] = {}
    with database.session() as session:
        for name, query in queries(deploy_dir).items():
            columns = [next(iter(metric.items())) for metric in query["metrics"]]
            labels = [column for column, spec in columns if spec["usage"] == "LABEL"]
            for row in session.execute(text(query["query"])).mappings():
                key = tuple(str(row[label]) for label in labels)
                for column, spec in columns:
                    if spec["usage"] != "LABEL":
                        values[(f"{name}_{column}", key)] = float(row[column])
    return values


def gauges(database: Database, deploy_dir: Path) -> dict[str, float]:
    """The unlabelled gauges (the single-row queries)."""
    return {name: value for (name, key), value in labelled_gauges(database, deploy_dir).items() if not key}


def entry(database: Database, infno: str, state: str, age: timedelta, attempts: int = 0) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    with database.session() as session:
        session.add(
            LedgerEntry(
                msgid=f"H43028110001{next(MSGIDS):018d}",
                infno=infno,
                safety="money" if infno != "9001" else "session",
                institution_code="H43028110001",
                operator="op1",
                state=state,
                request={"infno": infno},
                created_at=now - age,
                resolve_attempts=attempts,
            )
        )


def test_every_column_is_declared_as_a_gauge(deploy_dir: Path) -> None:
    for name, query in queries(deploy_dir).items():
        assert name.startswith("yibao_")
        for metric in query["metrics"]:
            ((column, spec),) = metric.items()
            assert spec["usage"] in ("GAUGE", "LABEL") and spec["description"], f"{name}.{column}"


def test_an_empty_ledger_gives_zeros(postgres_db: Database, deploy_dir: Path) -> None:
    assert set(gauges(postgres_db, deploy_dir).values()) == {0.0}


def test_the_gauges_count_what_their_alerts_are_about(postgres_db: Database, deploy_dir: Path) -> None:
    entry(postgres_db, "2207", "UNKNOWN", timedelta(minutes=20), attempts=3)
    entry(postgres_db, "2207", "UNKNOWN", timedelta(minutes=2), attempts=1)
    entry(postgres_db, "2207", "SUCCESS", timedelta(hours=2))
    entry(postgres_db, "2208", "REVERSED", timedelta(hours=1), attempts=5)
    entry(postgres_db, "9001", "FAILED", timedelta(minutes=5))
    entry(postgres_db, "9001", "FAILED", timedelta(minutes=40))  # outside the 15-minute window
    entry(postgres_db, "9001", "SUCCESS", timedelta(minutes=1))
    found = gauges(postgres_db, deploy_dir)
    assert found["yibao_ledger_unknown_pending"] == 2
    assert 20 * 60 - 5 < found["yibao_ledger_unknown_oldest_age_seconds"] < 20 * 60 + 120
    assert found["yibao_ledger_unknown_failed_compensations"] == 1
    assert found["yibao_ledger_signin_failed_15m"] == 1
    assert found["yibao_ledger_signin_succeeded_15m"] == 1


def reconciled(
    database: Database,
    day: date,
    outcome: str,
    age: timedelta,
    institution: str = "H43028110001",
    scope: str = "",
) -> None:
    with database.session() as session:
        session.add(
            ReconcileRun(
                institution_code=institution,
                stmt_date=day,
                scope=scope,
                outcome=outcome,
                discrepancies=1 if outcome == "UNBALANCED" else 0,
                failure="医保局不可达" if outcome == "FAILED" else None,
                finished_at=datetime.now(UTC).replace(tzinfo=None) - age,
            )
        )


def test_an_empty_reconcile_table_exports_no_institution(postgres_db: Database, deploy_dir: Path) -> None:
    names = {name for name, _ in labelled_gauges(postgres_db, deploy_dir)}
    assert not any(name.startswith("yibao_reconcile_") for name in names)


def test_the_reconcile_gauges_follow_the_latest_run_of_each_day(
    postgres_db: Database, deploy_dir: Path
) -> None:
    today = datetime.now(UTC).date()
    day1, day2, day3 = today - timedelta(days=3), today - timedelta(days=2), today - timedelta(days=1)
    reconciled(postgres_db, day1, "UNBALANCED", timedelta(days=2, hours=20))
    reconciled(postgres_db, day1, "BALANCED", timedelta(days=1))  # fixed, and run again: cleared
    reconciled(postgres_db, day2, "UNBALANCED", timedelta(hours=30))  # still 不平
    reconciled(postgres_db, day2, "BALANCED", timedelta(hours=29), scope="insutype=310")  # a part only
    reconciled(postgres_db, day3, "BALANCED", timedelta(hours=28))
    reconciled(postgres_db, day3, "FAILED", timedelta(hours=2))  # no verdict: neither clears nor counts
    reconciled(postgres_db, today - timedelta(days=60), "UNBALANCED", timedelta(days=59))  # out of the window
    reconciled(postgres_db, day3, "UNBALANCED", timedelta(hours=1), institution="H43028110002")

    found = labelled_gauges(postgres_db, deploy_dir)
    first, second = ("H43028110001",), ("H43028110002",)
    assert found[("yibao_reconcile_unbalanced_days", first)] == 1  # day2
    assert found[("yibao_reconcile_unbalanced_days", second)] == 1
    now = datetime.now(UTC).timestamp()
    last_verdict = found[("yibao_reconcile_last_verdict_timestamp_seconds", first)]
    assert now - 24 * 3600 - 120 < last_verdict < now - 24 * 3600 + 120  # day1 again; not the FAILED run
    assert now - 3600 - 120 < found[("yibao_reconcile_last_verdict_timestamp_seconds", second)] < now - 3000

    reconciled(postgres_db, day2, "BALANCED", timedelta(minutes=1))  # the whole day again, now 平
    assert labelled_gauges(postgres_db, deploy_dir)[("yibao_reconcile_unbalanced_days", first)] == 0


def test_only_failed_runs_give_no_verdict_time(postgres_db: Database, deploy_dir: Path) -> None:
    reconciled(postgres_db, datetime.now(UTC).date(), "FAILED", timedelta(minutes=5))
    found = labelled_gauges(postgres_db, deploy_dir)
    assert found[("yibao_reconcile_last_verdict_timestamp_seconds", ("H43028110001",))] == 0
    assert found[("yibao_reconcile_unbalanced_days", ("H43028110001",))] == 0
