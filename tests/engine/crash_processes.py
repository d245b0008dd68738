"""The two processes of the crash test (test_engine_crash.py), each started with `python crash_processes.py`.

    python crash_processes.py bureau <fd> <lifetime_s>       the sandbox under uvicorn on an inherited,
                                                             bound socket; timeouts hang HANG_S; it stops
                                                             itself after lifetime_s (or on SIGTERM)
    python crash_processes.py counter <database_url> <url>   an engine with a patient client timeout runs
                                                             the outpatient flow up to 2207, which hangs
                                                             until the test kills this process

Not a test module (pytest collects test_*.py only).
"""

from __future__ import annotations

import socket
import sys
import threading
from pathlib import Path

# Started as a script: this folder (sandbox_support) is not on sys.path by itself.
sys.path.insert(0, str(Path(__file__).resolve().parent))

import uvicorn
from sandbox_support import OUTPATIENT, Counter, new_visit, run_step

from medical_insurance_sdk.engine.settings import EngineSettings
from medical_insurance_sdk.sandbox.app import create_sandbox_app
from medical_insurance_sdk.sandbox.settings import SandboxSettings
from medical_insurance_sdk.storage.database import Database

# The 2207 is answered only after HANG_S; the counter waits longer than that, so only the kill ends it.
HANG_S = 30.0
PATIENT = EngineSettings(timeout_s=60.0)


def bureau(fd: int, lifetime_s: float) -> None:
    app = create_sandbox_app(SandboxSettings(hang_s=HANG_S))
    config = uvicorn.Config(app, lifespan="off", log_level="warning", timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    stop = threading.Timer(lifetime_s, lambda: setattr(server, "should_exit", True))
    stop.daemon = True
    stop.start()
    server.run(sockets=[socket.socket(fileno=fd)])


def counter(database_url: str, base_url: str) -> None:
    desk = Counter(Database(database_url), base_url=base_url, settings=PATIENT)
    visit = new_visit()
    for step in (*OUTPATIENT.before("2207"), OUTPATIENT.step("2207")):
        print(f"sending {step.infno}", flush=True)
        result = run_step(desk, step, visit)
        print(f"{step.infno} {result.state} {result.msgid}", flush=True)


if __name__ == "__main__":
    role, *args = sys.argv[1:]
    if role == "bureau":
        bureau(int(args[0]), float(args[1]))
    elif role == "counter":
        counter(args[0], args[1])
    else:
        raise SystemExit(f"unknown role {role!r}")
