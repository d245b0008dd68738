"""Support shared by the integration tests: a live gateway over a fresh embedded sandbox, and inputs.

    with live_gateway(tmp, sweeper_interval_s=0.5) as gateway: ...   create_app + uvicorn on a free port
    add_fault(gateway, scope="2201", kind="timeout_after", count=1)  the sandbox's fault injection
    bureau_messages(gateway, "2201")                                  what the bureau processed (its ledger)
    sdk_env(gateway)                                                  MEDICAL_INSURANCE_* towards it

A plain module, not conftest.py: pytest puts this folder on sys.path.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
import uvicorn
from fastapi import FastAPI

from medical_insurance_sdk.gateway import GatewaySettings, create_app
from medical_insurance_sdk.gateway.keys import create_key
from medical_insurance_sdk.registry import API_PREFIX
from medical_insurance_sdk.sandbox.seed import PERSONS
from medical_insurance_sdk.sandbox.settings import SandboxSettings
from medical_insurance_sdk.storage.database import Database

HOSPITAL = "H43028110001"
START_TIMEOUT_S = 30
SERVICE_TIME = "2025-07-14 09:30:00"
DOCTOR = {"atddr_no": "D430302000101", "dr_name": "李医生", "dept_code": "NK01", "dept_name": "普通内科"}


@dataclass
class LiveGateway:
    root: str  # http://127.0.0.1:port
    key: str  # an admin key of the hospital
    app: FastAPI
    sandbox_url: str  # the embedded sandbox's own database (a file: the tests read what the bureau holds)

    @property
    def url(self) -> str:
        """The API base URL the SDK is configured with."""
        return self.root + API_PREFIX

    @property
    def database(self) -> Database:
        database: Database = self.app.state.gateway.database
        return database

    @property
    def headers(self) -> dict[str, str]:
        return {"X-API-Key": self.key, "X-Institution-Code": HOSPITAL}


@contextmanager
def live_gateway(data_dir: Path, *, hang_s: float = 30.0, **overrides: Any) -> Iterator[LiveGateway]:
    """A gateway on SQLite in `data_dir` with an in-memory sandbox, served on 127.0.0.1 in a thread."""
    settings = GatewaySettings(
        **{
            "database_url": f"sqlite:///{data_dir / 'gateway.sqlite3'}",
            "data_dir": data_dir,
            "environment": "development",
            "jwt_secret": "integrate-tests-" + "x" * 40,
            "sweeper_interval_s": 0,
            "demo_institution": True,
            "rate_limits_enabled": False,
            **overrides,
        }
    )
    sandbox_url = f"sqlite:///{data_dir / 'sandbox.sqlite3'}"
    app = create_app(settings, sandbox_settings=SandboxSettings(database_url=sandbox_url, hang_s=hang_s))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))  # bound here, handed to uvicorn: no race for the port
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        wait_until(lambda: server.started or not thread.is_alive(), START_TIMEOUT_S, "the gateway")
        assert thread.is_alive(), "the gateway did not start"
        key = create_key(app.state.gateway.database, HOSPITAL, "admin").key
        yield LiveGateway(f"http://127.0.0.1:{sock.getsockname()[1]}", key, app, sandbox_url)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


def add_fault(gateway: LiveGateway, **rule: Any) -> None:
    httpx.post(gateway.root + "/sandbox/admin/faults", json=rule, headers=gateway.headers).raise_for_status()


def clear_faults(gateway: LiveGateway) -> None:
    httpx.delete(gateway.root + "/sandbox/admin/faults", headers=gateway.headers).raise_for_status()


def bureau_messages(gateway: LiveGateway, infno: str) -> list[dict[str, Any]]:
    """The messages of `infno` the sandbox bureau processed (its own ledger): msgid, infcode, input."""
    engine = sa.create_engine(gateway.sandbox_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT msgid, infcode, input FROM sbx_message WHERE infno = :infno"),
                {"infno": infno},
            ).all()
    finally:
        engine.dispose()
    return [
        {
            "msgid": r.msgid,
            "infcode": r.infcode,
            "input": json.loads(r.input) if isinstance(r.input, str) else r.input,
        }
        for r in rows
    ]


def sdk_env(gateway: LiveGateway, **extra: str) -> dict[str, str]:
    """This process's environment without the machine's MEDICAL_* settings, the SDK towards `gateway`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEDICAL_INSURANCE_", "MEDICAL_BUREAU_"))}
    env.update(
        PYTHONIOENCODING="utf-8",
        MEDICAL_INSURANCE_API_URL=gateway.url,
        MEDICAL_INSURANCE_API_KEY=gateway.key,
        MEDICAL_INSURANCE_INSTITUTION_CODE=HOSPITAL,
        **extra,
    )
    return env


def person_query(index: int) -> dict[str, Any]:
    """1101 input of a seeded sandbox person."""
    who = PERSONS[index]
    return {"mdtrt_cert_type": "02", "mdtrt_cert_no": who.certno, "psn_cert_type": "01"}


def registration(index: int, visit: str) -> dict[str, Any]:
    """2201 input (flat) registering outpatient visit `visit` (its ipt_otp_no) of seeded person `index`."""
    who = PERSONS[index % len(PERSONS)]
    return {
        "psn_no": who.psn_no,
        "insutype": who.insutype,
        "begntime": SERVICE_TIME,
        "mdtrt_cert_type": "02",
        "mdtrt_cert_no": who.certno,
        "ipt_otp_no": visit,
        "caty": "A03",
        **DOCTOR,
    }


def wait_until(check: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
