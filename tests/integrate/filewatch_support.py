"""File-watch test support: request files and the watcher process (the gateway is integrate_support's).

    with live_gateway(tmp) as gateway: ...           integrate_support: create_app + uvicorn (a thread)
    write_request(folder, "a.json", "1101", person_query(0), request_id="A-1")   write-then-rename
    process = start_watcher(gateway.url, inp, out)   `yibao integrate watch` as a subprocess
    sent(gateway, "2201", psn_no)                     ledger rows: messages that went to the bureau

A plain module, not conftest.py: pytest puts this folder on sys.path.
"""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import httpx
from integrate_support import HOSPITAL, LiveGateway
from integrate_support import registration as shared_registration
from sqlalchemy import func, select

from medical_insurance_sdk.protocol import jsoncodec
from medical_insurance_sdk.sandbox.seed import PERSONS
from medical_insurance_sdk.storage.models import LedgerEntry

YIBAO = str(Path(sys.executable).with_name("yibao"))


def sent(gateway: LiveGateway, infno: str, psn_nos: list[str]) -> int:
    """Messages of `infno` for these persons recorded (record-before-send) in the gateway's ledger."""
    with gateway.database.session() as s:
        count = s.scalar(
            select(func.count())
            .select_from(LedgerEntry)
            .where(LedgerEntry.infno == infno, LedgerEntry.psn_no.in_(psn_nos))
        )
        return int(count or 0)


# ------------------------------------------------------------------------------------------ requests


def registration(index: int) -> dict[str, Any]:
    """2201 input (flat) registering an outpatient visit of seeded person `index`."""
    who = PERSONS[index]
    return shared_registration(index, f"MZFW{index:04d}{who.psn_no[-6:]}")


def request_text(interface_type: str, data: Any, request_id: str | None = None) -> str:
    """The file the spec's C# class writes (System.Text.Json: property names as declared)."""
    document: dict[str, Any] = {"interface_type": interface_type, "data": data}
    if request_id is not None:
        document["request_id"] = request_id
    document["timestamp"] = "2025-07-14T09:30:00.1234567+08:00"
    return jsoncodec.dumps(document).decode("utf-8")


def write_request(folder: Path, name: str, interface_type: str, data: Any, request_id: str | None) -> Path:
    """Write-then-rename, as the docs tell a HIS vendor to do."""
    path = folder / name
    temporary = folder / (name + ".tmp")
    temporary.write_text(request_text(interface_type, data, request_id), encoding="utf-8")
    os.replace(temporary, path)
    return path


def read_answer(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


# ------------------------------------------------------------------------------------------ processes


def watcher_env(url: str, key: str) -> dict[str, str]:
    """The environment without the machine's MEDICAL_* settings, towards `url`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEDICAL_INSURANCE_", "MEDICAL_BUREAU_"))}
    env.update(
        PYTHONIOENCODING="utf-8",
        MEDICAL_INSURANCE_API_URL=url,
        MEDICAL_INSURANCE_API_KEY=key,
        MEDICAL_INSURANCE_INSTITUTION_CODE=HOSPITAL,
        MEDICAL_INSURANCE_MAX_RETRIES="1",
    )
    return env


def watch_command(inp: Path, out: Path, *extra: str) -> list[str]:
    return [YIBAO, "integrate", "watch", "--input", str(inp), "--output", str(out), *extra]


def start_watcher(url: str, key: str, inp: Path, out: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        watch_command(inp, out, "--poll", "0.2", "--stable", "0.2", *extra),
        env=watcher_env(url, key),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )


def run_once(url: str, key: str, inp: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        watch_command(inp, out, "--stable", "0.1", "--once"),
        env=watcher_env(url, key),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )


class StallingProxy:
    """An HTTP proxy to the gateway that forwards a request, lets the gateway answer it, and then never
    passes the answer back: the watcher is caught after the bureau acted but before it heard of it."""

    def __init__(self, target: str) -> None:
        self.target = target.rstrip("/")
        self.forwarded: list[dict[str, Any]] = []  # the gateway's answers that were held back
        self.answered = threading.Event()
        self._release = threading.Event()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                skip = {"host", "content-length", "connection"}
                headers = {k: v for k, v in self.headers.items() if k.lower() not in skip}
                origin = proxy.target.split("/api/")[0]
                reply = httpx.post(origin + self.path, content=body, headers=headers, timeout=30)
                proxy.forwarded.append(reply.json())
                proxy.answered.set()
                proxy._release.wait(60)  # hold the answer back until the test ends

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{port}" + "/api/" + self.target.split("/api/", 1)[1]

    def close(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()
