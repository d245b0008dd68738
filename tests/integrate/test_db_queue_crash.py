"""The trigger queue's proof (issue 19): kill -9 a worker in the middle of 1,000 queued registrations.

End to end, as a hospital runs it: the example HIS table and mapping (examples/integration/), installed with
`yibao integrate db install`; 1,000 HIS rows inserted, so the trigger queues 1,000 operations (2201); two
`yibao integrate db run` processes (two threads each) send them through a live gateway over the embedded
sandbox; one is killed with SIGKILL mid-way and started again.  Then every row is processed exactly once:
1,000 queue rows done, 1,000 result rows, 1,000 distinct registrations at the bureau (its own message table)
whose msgids are the result table's, and as many 2201 messages in the gateway's ledger.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from integrate_support import LiveGateway, bureau_messages, live_gateway, sdk_env, wait_until
from sqlalchemy import func, select

from medical_insurance_sdk.integrate.dbqueue.database import connect
from medical_insurance_sdk.integrate.dbqueue.tables import queue, result
from medical_insurance_sdk.sandbox.seed import PERSONS
from medical_insurance_sdk.storage.models import LedgerEntry

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "integration"
YIBAO = str(Path(sys.executable).with_name("yibao"))
ROWS = 1000
KILL_AFTER = 250  # results written before the kill
FINISH_TIMEOUT_S = 420


def run_sql_file(engine: sa.Engine, path: Path) -> None:
    text = "\n".join(
        line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("--")
    )
    with engine.begin() as conn:
        for statement in (s.strip() for s in text.split(";")):
            if statement:
                conn.exec_driver_sql(statement)


# the seeded persons the sandbox registers (one has a suspended insurance status: 50002 by design)
INSURED = [p for p in PERSONS if p.psn_insu_stas == "1"]


def his_rows(count: int) -> list[dict[str, str]]:
    rows = []
    for n in range(count):
        who = INSURED[n % len(INSURED)]
        rows.append(
            {
                "person_no": who.psn_no,
                "insutype": who.insutype,
                "cert_no": who.certno,
                "patient_name": who.psn_name,
                "doctor_code": "D430302000101",
                "doctor_name": "李医生",
                "dept_code": "NK01",
                "dept_name": "普通内科",
                "caty": "A03",
            }
        )
    return rows


def start_worker(database_url: str, gateway: LiveGateway, log: Path) -> subprocess.Popen[bytes]:
    command = [
        YIBAO,
        "integrate",
        "db",
        "run",
        "--database-url",
        database_url,
        "--threads",
        "2",
        "--poll",
        "0.2",
    ]
    with log.open("ab") as out:
        return subprocess.Popen(command, env=sdk_env(gateway), stdout=out, stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def his(his_database: str) -> Iterator[tuple[str, sa.Engine]]:
    engine = connect(his_database)
    schema = "his_schema_postgresql.sql" if engine.dialect.name == "postgresql" else "his_schema_mysql.sql"
    run_sql_file(engine, EXAMPLES / schema)
    install = [YIBAO, "integrate", "db", "install", "--database-url", his_database]
    done = subprocess.run(
        [*install, "--mapping", str(EXAMPLES / "mapping.example.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    yield his_database, engine
    engine.dispose()


def test_kill_9_in_the_middle_of_1000_rows_processes_each_exactly_once(
    his: tuple[str, sa.Engine], tmp_path: Path
) -> None:
    database_url, engine = his
    with engine.begin() as conn:
        conn.execute(
            sa.table("outpatient_register", *(sa.column(c) for c in his_rows(1)[0])).insert(), his_rows(ROWS)
        )
        queued = conn.scalar(select(func.count()).select_from(queue))
    assert queued == ROWS  # the trigger queued one operation per HIS row

    def answered() -> int:
        with engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(result)) or 0)

    def open_rows() -> int:
        with engine.connect() as conn:
            counted = conn.scalar(
                select(func.count()).select_from(queue).where(queue.c.status.not_in(["done", "failed"]))
            )
            return int(counted or 0)

    log = tmp_path / "workers.log"
    with live_gateway(tmp_path / "gateway", sweeper_interval_s=1.0) as gateway:
        victim = start_worker(database_url, gateway, log)
        survivor = start_worker(database_url, gateway, log)
        restarted: subprocess.Popen[bytes] | None = None
        try:
            wait_until(lambda: answered() >= KILL_AFTER, 180, f"{KILL_AFTER} results")
            victim.kill()  # SIGKILL: no cleanup, its transactions and HTTP calls cut where they were
            victim.wait()
            at_kill = answered()
            assert at_kill < ROWS, "the workers finished before the kill: nothing was proven"
            restarted = start_worker(database_url, gateway, log)
            wait_until(lambda: open_rows() == 0, FINISH_TIMEOUT_S, "every queue row final")
        finally:
            for process in (victim, survivor, *([restarted] if restarted else [])):
                stop(process)
        report = log.read_text(encoding="utf-8", errors="replace")[-3000:]

        with engine.connect() as conn:
            statuses: dict[str, int] = dict(
                conn.execute(select(queue.c.status, func.count()).group_by(queue.c.status)).all()
            )
            results = conn.execute(
                select(
                    result.c.queue_id,
                    result.c.status,
                    result.c.msgid,
                    result.c.error_code,
                    result.c.error_message,
                )
            ).all()
        failures = [(r.queue_id, r.error_code, r.error_message) for r in results if r.status != "success"][:5]
        assert statuses == {"done": ROWS}, (statuses, failures, report)
        assert len(results) == ROWS and len({r.queue_id for r in results}) == ROWS
        assert {r.status for r in results} == {"success"}, report
        result_msgids = {r.msgid for r in results}
        assert len(result_msgids) == ROWS

        registrations = [m for m in bureau_messages(gateway, "2201") if m["infcode"] == 0]
        visits = [m["input"]["data"]["ipt_otp_no"] for m in registrations]
        assert len(visits) == ROWS and len(set(visits)) == ROWS  # each HIS row registered once, none twice
        assert {m["msgid"] for m in registrations} == result_msgids
        with gateway.database.session() as session:
            ledger = session.scalar(
                select(func.count()).select_from(LedgerEntry).where(LedgerEntry.infno == "2201")
            )
        assert ledger == ROWS
