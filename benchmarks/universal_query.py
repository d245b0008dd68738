"""The universal query (spec §3.5.1) over 1,000,000 interface_call_log rows: how long typical queries take.

Builds a migrated SQLite file (and a PostgreSQL database when one answers), bulk-inserts the rows — 20
institutions, one of them a large hospital with 40% of the calls, 90 days, all 206 interface types, 3%
failures — then times each query as the endpoint runs it (`audit.queries.universal_query`: the page and
the total) and the statistics reads, and prints one JSON object: the median of `--runs` runs after one
warm-up, in milliseconds.  Not a test: run it by hand.

    .venv/bin/python benchmarks/universal_query.py [--rows 1000000] [--runs 7] [--no-postgres]

PostgreSQL: $MEDICAL_INSURANCE_TEST_POSTGRES (an admin URL), default postgresql://postgres@127.0.0.1:5432/postgres;
a database `yibao_bench_<random>` is created for the run and dropped after.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, make_url, text

from medical_insurance_sdk.gateway.audit.models import InterfaceCallLog
from medical_insurance_sdk.gateway.audit.periods import Period
from medical_insurance_sdk.gateway.audit.queries import UniversalQuery, universal_query
from medical_insurance_sdk.gateway.audit.statistics import interface_calls, system_usage
from medical_insurance_sdk.gateway.tenancy import NewInstitution, add_institution, utcnow
from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.storage.database import Database

POSTGRES_ADMIN_URL = os.environ.get(
    "MEDICAL_INSURANCE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)
INSTITUTIONS = 20
LARGEST_SHARE = 0.4
DAYS = 90
FAILURE_RATE = 0.03
CHUNK = 20_000


def _institutions(database: Database) -> list[int]:
    ids = []
    for n in range(INSTITUTIONS):
        spec = NewInstitution(code=f"H4302{n:07d}", name=f"基准医院{n}", admdvs="430200")
        ids.append(add_institution(database, spec).id)
    return ids


def _rows(count: int, institutions: list[int], now: datetime) -> Iterator[list[dict[str, Any]]]:
    """Rows in chunks; the same seed gives the same rows."""
    rng = random.Random(20250714)
    txs = REGISTRY.transactions
    largest, others = institutions[0], institutions[1:]
    chunk: list[dict[str, Any]] = []
    for n in range(count):
        tx = txs[rng.randrange(len(txs))]
        failed = rng.random() < FAILURE_RATE
        chunk.append(
            {
                "institution_id": largest
                if rng.random() < LARGEST_SHARE
                else others[rng.randrange(len(others))],
                "interface_type": tx.interface_type,
                "infno": tx.infno,
                "category": tx.category.value,
                "request_id": f"REQ{n:020d}",
                "msgid": f"H43028110001{n:018d}",
                "key_id": "0123456789abcdef",
                "request_data": {
                    "data": {"psn_no": f"4300003028100{n % 10**7:07d}", "mdtrt_cert_no": "430281********0011"}
                },
                "response_data": {
                    "success": not failed,
                    "message": "医保局接口异常" if failed else "操作成功",
                },
                "success": not failed,
                "http_status": 502 if failed else 200,
                "error_code": "20006" if failed else None,
                "error_message": "医保局接口异常" if failed else None,
                "response_time": int(rng.lognormvariate(5.3, 0.8)),
                "call_time": now - timedelta(seconds=rng.randrange(DAYS * 86400)),
            }
        )
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def populate(database: Database, count: int, now: datetime) -> tuple[list[int], float]:
    institutions = _institutions(database)
    started = time.perf_counter()
    for chunk in _rows(count, institutions, now):
        with database.session() as session:
            session.execute(insert(InterfaceCallLog), chunk)
    if database.dialect == "postgresql":
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE interface_call_log")
    else:
        with database.session() as session:
            session.execute(text("ANALYZE"))
    return institutions, time.perf_counter() - started


def queries(institutions: list[int], now: datetime, request_id: str) -> dict[str, Callable[[Database], int]]:
    """Name → a function running the query, answering how many rows matched."""
    largest, smallest = institutions[0], institutions[-1]
    types = tuple(tx.interface_type for tx in (REGISTRY["1101"], REGISTRY["2207"], REGISTRY["5203"]))

    def page(institution: int, **kw: Any) -> Callable[[Database], int]:
        def run(database: Database) -> int:
            rows, total = universal_query(database, institution, UniversalQuery("call_log", **kw))
            assert len(rows) <= kw.get("page_size", 20)
            return total

        return run

    def calls(database: Database) -> int:
        return int(interface_calls(database, largest, Period(now - timedelta(days=7), now))["total_calls"])

    def usage(database: Database) -> int:
        return int(system_usage(database, largest, Period(now - timedelta(days=7), now))["calls"])

    week, month = now - timedelta(days=7), now - timedelta(days=30)
    return {
        "latest_page_7_days": page(largest, start=week, end=now),
        "three_interface_types_30_days": page(largest, interface_types=types, start=month, end=now),
        "failures_90_days": page(largest, equals=(("success", False),)),
        "everything_of_the_largest_institution": page(largest),
        "by_request_id": page(largest, equals=(("request_id", request_id),)),
        "slowest_last_day": page(
            largest, start=now - timedelta(days=1), end=now, sort=(("response_time", True),)
        ),
        "page_100_of_7_days": page(largest, start=week, end=now, page=100),
        "small_institution_30_days": page(smallest, start=month, end=now),
        "statistics_interface_calls_7_days": calls,
        "statistics_system_usage_7_days": usage,
    }


def measure(
    database: Database, institutions: list[int], now: datetime, request_id: str, runs: int
) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for name, run in queries(institutions, now, request_id).items():
        matched = run(database)  # warm-up
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            run(database)
            timings.append((time.perf_counter() - started) * 1000)
        results[name] = {
            "median_ms": round(statistics.median(timings), 1),
            "max_ms": round(max(timings), 1),
            "matched": matched,
        }
    return results


def bench(database: Database, count: int, runs: int) -> dict[str, Any]:
    database.migrate()
    now = utcnow()
    institutions, insert_s = populate(database, count, now)
    with database.session() as session:
        mine = {"i": institutions[0]}
        largest = session.scalar(
            text("SELECT count(*) FROM interface_call_log WHERE institution_id = :i"), mine
        )
        request_id = session.scalar(
            text("SELECT max(request_id) FROM interface_call_log WHERE institution_id = :i"), mine
        )
    return {
        "insert_seconds": round(insert_s, 1),
        "largest_institution_rows": largest,
        "queries": measure(database, institutions, now, str(request_id), runs),
    }


def _postgres(count: int, runs: int) -> dict[str, Any] | None:
    try:
        import psycopg
        from psycopg import sql

        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3, autocommit=True) as admin:
            name = f"yibao_bench_{secrets.token_hex(4)}"
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except Exception as exc:  # not reachable: report and go on with SQLite alone
        print(f"PostgreSQL skipped: {exc}", file=sys.stderr)
        return None
    database = Database(make_url(POSTGRES_ADMIN_URL).set(database=name))
    try:
        return bench(database, count, runs)
    finally:
        database.dispose()
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    report: dict[str, Any] = {
        "rows": args.rows,
        "institutions": INSTITUTIONS,
        "days": DAYS,
        "runs": args.runs,
    }
    with tempfile.TemporaryDirectory() as tmp:
        database = Database(Path(tmp) / "bench.sqlite3")
        try:
            report["sqlite"] = bench(database, args.rows, args.runs)
        finally:
            database.dispose()
    if not args.no_postgres:
        report["postgresql"] = _postgres(args.rows, args.runs)
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
