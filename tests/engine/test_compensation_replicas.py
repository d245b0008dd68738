"""Three gateway replicas and `yibao compensate` on one PostgreSQL: one resolver per entry (issue 13 §3).

Every replica runs the in-process sweeper; `yibao compensate` runs beside them.  Each unresolved settlement
is reversed by exactly one 2601 that reaches the bureau, and a replica killed (kill -9) while it holds an
entry is taken over by another once its lease runs out.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy.orm import load_only
from test_one_bureau_cli import _env, gateway_side, leave_a_settlement_unknown

from medical_insurance_sdk.sandbox.state import Message
from medical_insurance_sdk.storage.database import Database
from medical_insurance_sdk.storage.models import LedgerEntry

pytest.importorskip("fastapi")
# the gateway tests' `yibao run` process helper (kill -9 included), from their folder
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "gateway"))
gateway_support = importlib.import_module("test_gateway_task_crash")

LEASE_S = "5"
ENTRIES = 4


def _replica(data_dir: Path, database_url: str, **env: str):  # type: ignore[no-untyped-def]
    settings = {
        "MEDICAL_INSURANCE_SWEEPER_INTERVAL": "0.3",
        "MEDICAL_INSURANCE_COMPENSATION_LEASE": LEASE_S,
        "MEDICAL_INSURANCE_TIMEOUT": "30",
        **env,
    }
    return gateway_support.gateway_process(data_dir, database_url, **settings)


def _rows(database: Database, msgids: list[str]) -> dict[str, LedgerEntry]:
    with database.session() as session:
        # the states only: the sealed payloads open with the data dir's key, which this handle does not hold
        columns = load_only(LedgerEntry.msgid, LedgerEntry.state, LedgerEntry.lease_owner)
        rows = session.query(LedgerEntry).options(columns).filter(LedgerEntry.msgid.in_(msgids)).all()
        return {r.msgid: r for r in rows}


def _wait_resolved(database: Database, msgids: list[str], seconds: float) -> dict[str, LedgerEntry]:
    deadline = time.monotonic() + seconds
    while True:
        rows = _rows(database, msgids)
        if all(r.state != "UNKNOWN" for r in rows.values()) or time.monotonic() > deadline:
            return rows
        time.sleep(0.3)


@pytest.mark.postgres
def test_replicas_and_the_cli_reverse_each_entry_exactly_once(postgres_db: Database, tmp_path: Path) -> None:
    url = postgres_db.engine.url.render_as_string(hide_password=False)
    data_dir = tmp_path / "var"
    msgids = [leave_a_settlement_unknown(data_dir, url).msgid for _ in range(ENTRIES)]

    # replica A holds the first entry it claims: its 2601 waits at the bureau; then it is killed -9
    hold = json.dumps([{"scope": "2601", "kind": "latency", "latency_ms": 60000}])
    with _replica(data_dir, url, MEDICAL_SANDBOX_FAULTS=hold):
        deadline = time.monotonic() + 60
        while not any(r.lease_owner for r in _rows(postgres_db, msgids).values()):
            assert time.monotonic() < deadline, "replica A claimed nothing"
            time.sleep(0.1)
        held = [m for m, r in _rows(postgres_db, msgids).items() if r.lease_owner]
    # (leaving the block killed A with SIGKILL, mid-compensation)
    assert len(held) == 1, held

    with (
        _replica(data_dir, url),
        _replica(data_dir, url),
        _replica(data_dir, url),
    ):
        cli = subprocess.run(
            [gateway_support.YIBAO, "compensate"],
            env={**_clean(_env(data_dir, url)), "MEDICAL_INSURANCE_COMPENSATION_LEASE": LEASE_S},
            capture_output=True,
            timeout=120,
        )
        assert cli.returncode in (0, 1), cli.stdout.decode() + cli.stderr.decode()
        rows = _wait_resolved(postgres_db, msgids, 60)

    assert {m: r.state for m, r in rows.items()} == dict.fromkeys(msgids, "REVERSED")
    with gateway_side(data_dir, url) as (_, _, state), state.transaction() as session:
        reversals = [m for m in session.query(Message).filter(Message.infno == "2601") if m.infcode == 0]
        for msgid in msgids:
            done = [m for m in reversals if m.input["data"]["omsgid"] == msgid]
            assert len(done) == 1, f"{msgid}: {len(done)} reversals reached the bureau"
            original = session.get(Message, msgid)
            assert original is not None and original.reversed_by == done[0].msgid


def _clean(env: dict[str, str | None]) -> dict[str, str]:
    import os

    merged = {**os.environ}
    for key, value in env.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged
