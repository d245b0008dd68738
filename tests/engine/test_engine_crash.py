"""kill -9 between send and answer: the PENDING row survives, and the sweeper resolves it on restart.

Two processes besides pytest (crash_processes.py): a standalone sandbox bureau under uvicorn on 127.0.0.1,
and a counter whose engine runs the outpatient flow up to 2207.  The bureau processes and commits that
2207, then hangs (timeout_after, 30 s) while the counter waits patiently.  As soon as the bureau's ledger
shows the 2207, the test kills the counter with SIGKILL.  The engine's database (a SQLite file, and
PostgreSQL) must then hold the 2207 as PENDING with the msgid the bureau processed - recorded before it
was sent - and a new engine's sweeper must reverse it with 2601: the bureau shows the 2207 reversed and
the balance restored, and the visit can then be settled once.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sandbox_support import LI_NA, OUTPATIENT, SETTINGS, Counter

from medical_insurance_sdk.engine.ledger import Ledger
from medical_insurance_sdk.protocol.jsoncodec import loads
from medical_insurance_sdk.sandbox.admin import ADMIN_TOKEN_HEADER
from medical_insurance_sdk.storage.database import Database

D = Decimal
PROCESSES = Path(__file__).with_name("crash_processes.py")
BUREAU_LIFETIME_S = 120  # the bureau process stops itself after this, whatever happens to the test
STARTUP_S = 20
SETTLED_WITHIN_S = 30


def wait_for(
    condition: Callable[[], Any], what: str, seconds: float, *, alive: subprocess.Popen | None = None
) -> Any:
    """Poll `condition` until it returns something truthy (bounded); fail early if `alive` has died."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if alive is not None and alive.poll() is not None:
            pytest.fail(f"the process ended before {what}: {alive.communicate()[0]}")
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what} after {seconds:g} s")
        time.sleep(0.05)


class StandaloneBureau:
    """The sandbox in its own process, on a socket this test bound (so the port is known and never raced
    for), seen through its admin API."""

    def __init__(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        command = [sys.executable, str(PROCESSES), "bureau", str(sock.fileno()), str(BUREAU_LIFETIME_S)]
        token = secrets.token_urlsafe(24)  # the admin API's token (SandboxSettings reads it from the env)
        env = {**os.environ, "MEDICAL_SANDBOX_ADMIN_TOKEN": token}
        self.process = subprocess.Popen(command, pass_fds=(sock.fileno(),), env=env)
        sock.close()  # the bureau holds its own copy
        self.admin = httpx.Client(base_url=self.base_url, timeout=5.0, headers={ADMIN_TOKEN_HEADER: token})
        wait_for(self._answers, "the sandbox bureau to start", STARTUP_S, alive=self.process)

    def _answers(self) -> bool:
        try:
            return self.admin.get("/sandbox/admin/faults").status_code == 200
        except httpx.TransportError:
            return False

    def get(self, path: str, **params: str) -> Any:
        response = self.admin.get(path, params=params)
        response.raise_for_status()
        return loads(response.content)

    def messages(self, infno: str) -> list[dict[str, Any]]:
        return list(self.get("/sandbox/admin/ledger", infno=infno))

    def balance(self, psn_no: str) -> Decimal:
        return D(next(p["balc"] for p in self.get("/sandbox/admin/balances") if p["psn_no"] == psn_no))

    def stop(self) -> None:
        self.admin.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def bureau() -> Iterator[StandaloneBureau]:
    started = StandaloneBureau()
    try:
        yield started
    finally:
        started.stop()


def database_url(database: Database) -> str:
    return database.url.render_as_string(hide_password=False)


def test_a_kill_between_send_and_answer_is_resolved_by_the_sweeper(
    any_db: Database, bureau: StandaloneBureau
) -> None:
    rule = {"scope": "2207", "kind": "timeout_after", "count": 1}
    bureau.admin.put("/sandbox/admin/faults", json={"rules": [rule]}).raise_for_status()
    command = [sys.executable, str(PROCESSES), "counter", database_url(any_db), bureau.base_url]
    counter = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        [settled] = wait_for(
            lambda: bureau.messages("2207"), "the bureau to process the 2207", SETTLED_WITHIN_S, alive=counter
        )
    finally:
        counter.send_signal(signal.SIGKILL)
        output = counter.communicate(timeout=10)[0]
    assert counter.returncode == -signal.SIGKILL, output
    assert "sending 2207" in output and "2207 SUCCESS" not in output, output

    # the bureau settled (a 单边账 for now); our ledger recorded the message before it left
    assert (settled["infcode"], settled["reversed_by"]) == (0, None)
    assert bureau.balance(LI_NA.psn_no) == D("1056.10")
    [pending] = Ledger(any_db).entries(infno="2207")
    assert (pending.msgid, pending.state) == (settled["msgid"], "PENDING")

    # restart: a new engine on the same database; its sweeper takes the stale PENDING row (no faults now)
    bureau.admin.delete("/sandbox/admin/faults").raise_for_status()
    restarted = Counter(any_db, base_url=bureau.base_url, settings=replace(SETTINGS, stale_pending_s=0))
    try:
        assert restarted.engine.sweep(restarted.institutions) == {pending.msgid: "REVERSED"}
        resolved = restarted.ledger.get(pending.msgid)
        [reversal] = bureau.messages("2601")
        [original] = bureau.messages("2207")
        assert resolved.state == "REVERSED" and resolved.resolution_msgid == reversal["msgid"]
        assert reversal["input"]["data"] == {
            "psn_no": LI_NA.psn_no,
            "omsgid": pending.msgid,
            "oinfno": "2207",
        }
        assert original["reversed_by"] == reversal["msgid"]
        assert bureau.balance(LI_NA.psn_no) == D("2680.50")

        # and the visit is settled once, afterwards
        visit = {"mdtrt_id": pending.mdtrt_id}
        again = restarted.call("2207", OUTPATIENT.step("2207").payload(visit))
    finally:
        restarted.close()
    assert again.state == "SUCCESS"
    live = [m for m in bureau.messages("2207") if m["infcode"] == 0 and m["reversed_by"] is None]
    assert [m["msgid"] for m in live] == [again.msgid]
    assert bureau.balance(LI_NA.psn_no) == D("1056.10")
