"""deploy/prometheus/postgres-exporter-queries.yaml: each query runs on the product schema (a migrated
PostgreSQL) and counts what its alert is about — outcomes still UNKNOWN and their age, compensations that
keep failing, recent sign-in failures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import text

from medical_insurance_sdk.storage.database import Database
from medical_insurance_sdk.storage.models import LedgerEntry

MSGIDS = count(1)


def queries(deploy_dir: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(
        (deploy_dir / "prometheus" / "postgres-exporter-queries.yaml").read_text(encoding="utf-8")
    )
    return loaded


def gauges(database: Database, deploy_dir: Path) -> dict[str, float]:
    values: dict[str, float] = {}
    with database.session() as session:
        for name, query in queries(deploy_dir).items():
            row = session.execute(text(query["query"])).mappings().one()
            for metric in query["metrics"]:
                (column,) = metric
                values[f"{name}_{column}"] = float(row[column])
    return values


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
            assert spec["usage"] == "GAUGE" and spec["description"], f"{name}.{column}"


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
