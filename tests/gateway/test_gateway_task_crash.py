"""A task survives a gateway killed with SIGKILL mid-task, and finishes exactly once after the restart.

`yibao run` serves a gateway whose embedded bureau holds every 4301 (latency fault); a batch and a
transaction task are started, the gateway is killed while their 4301 messages are in flight, and a new
gateway on the same database picks both tasks up once their lease runs out.  What had answered is not
sent again, the in-flight writes are never re-sent (they are reported unknown, for the sweeper), and what
had not started is sent once.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from gateway_support import (
    HOSPITAL,
    SLOW_FAULTS,
    SLOW_INFNO,
    check_resumed_exactly_once,
    crash_batch,
    in_flight,
    ledger_entries,
    operation_ids,
    slow_write,
    wait_until,
)

from medical_insurance_sdk.gateway.keys import create_key
from medical_insurance_sdk.gateway.tenancy import NewInstitution, add_institution
from medical_insurance_sdk.registry import API_PREFIX
from medical_insurance_sdk.storage.database import Database
from medical_insurance_sdk.storage.protection import load_key_ring

YIBAO = str(Path(sys.executable).with_name("yibao"))
LEASE_S = 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def gateway_process(data_dir: Path, database_url: str, **env: str) -> Iterator[str]:
    """`yibao run` in its own process group; yields its base URL once it answers; killed afterwards."""
    port = free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MEDICAL_INSURANCE_DATA_DIR": str(data_dir),
        "MEDICAL_INSURANCE_TASK_LEASE": str(LEASE_S),
        "MEDICAL_INSURANCE_TIMEOUT": "300",  # the bureau's hold, not the engine, decides how long 4301 takes
        "MEDICAL_INSURANCE_SWEEPER_INTERVAL": "0",  # keep the unknown outcome for the assertions
        "PYTHONUNBUFFERED": "1",
        **env,
    }
    with (data_dir / f"gateway-{port}.log").open("wb") as log:
        process = subprocess.Popen(
            [YIBAO, "run", "--host", "127.0.0.1", "--port", str(port)],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until(lambda: _answers(base, process), 60, "the gateway to listen")
            yield base + API_PREFIX
        finally:
            kill(process)


def _answers(base: str, process: subprocess.Popen[bytes]) -> bool:
    assert process.poll() is None, "the gateway process ended"
    try:
        return httpx.get(base + "/docs", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL to the process group this test started: no shutdown, no cleanup, as in a crash."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def test_a_task_survives_kill_9_and_finishes_exactly_once(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'yibao.sqlite3'}"
    # the data key the gateway processes generate in their data dir (development), to read what they seal
    database = Database(database_url, key_ring=load_key_ring(tmp_path))
    database.migrate()
    add_institution(database, NewInstitution(code=HOSPITAL, name="湘潭市第一人民医院", admdvs="430200"))
    headers = {"X-API-Key": create_key(database, HOSPITAL, "admin").key, "X-Institution-Code": HOSPITAL}

    with gateway_process(tmp_path, database_url, MEDICAL_SANDBOX_FAULTS=SLOW_FAULTS) as base:
        accepted = httpx.post(
            base + "batch/data-upload", json=crash_batch("CRASH-1"), headers=headers, timeout=30
        )
        assert accepted.status_code == 202, accepted.text
        task = {"task_type": "transaction", "task_data": {"interface_type": SLOW_INFNO, "data": slow_write()}}
        created = httpx.post(base + "async/create-task", json=task, headers=headers, timeout=30)
        task_id = created.json()["data"]["task_id"]
        slow = operation_ids(database, "CRASH-1")[1]
        wait_until(lambda: in_flight(database, f"bop-{slow}"), 60, "the batch's 4301 to be in flight")
        wait_until(lambda: in_flight(database, f"task-{task_id}"), 60, "the task's 4301 to be in flight")
    # killed (SIGKILL) on leaving the block, both tasks mid-flight

    with gateway_process(tmp_path, database_url) as base:  # the same database, no faults any more

        def finished(path: str) -> dict[str, Any] | None:
            data: dict[str, Any] = httpx.get(base + path, headers=headers, timeout=30).json()["data"]
            return data if data["status"] in ("completed", "failed") else None

        batch = wait_until(lambda: finished("batch/status/CRASH-1"), 60, "the batch to finish")
        status = wait_until(lambda: finished(f"async/task-status/{task_id}"), 60, "the task to finish")

    check_resumed_exactly_once(database, "CRASH-1", batch, attempts=2)
    (entry,) = ledger_entries(database, f"task-{task_id}")  # the transaction task's write: sent once
    assert entry.state == "PENDING"
    assert (status["status"], status["error_code"], status["attempts"]) == ("failed", 20005, 2)
    assert entry.msgid in status["error_message"]
    database.dispose()
