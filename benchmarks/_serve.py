"""Serve the sandbox bureau or the REST gateway on 127.0.0.1 for the benchmarks, as a child process.

    python benchmarks/_serve.py sandbox '{"hang_s": 3}' --lifetime 600
    python benchmarks/_serve.py gateway '{"database_url": "...", "bureau_api_url": "http://127.0.0.1:N"}'

The JSON object holds `SandboxSettings` / `GatewaySettings` fields.  The child binds its port itself (0 = any
free one), prints "PORT <n>" on stdout, then serves with uvicorn.  It ends by itself when `--lifetime`
seconds have passed or when its parent process is gone, so a benchmark that dies leaves no server behind.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import sys
import threading
import time
from typing import Any

import uvicorn

LOOPBACK = "127.0.0.1"


def build_app(kind: str, settings: dict[str, Any]) -> Any:
    if kind == "sandbox":
        from medical_insurance_sdk.sandbox.app import create_sandbox_app
        from medical_insurance_sdk.sandbox.settings import SandboxSettings

        return create_sandbox_app(SandboxSettings(**settings))
    if kind == "gateway":
        from medical_insurance_sdk.gateway import GatewaySettings, create_app

        return create_app(GatewaySettings(**settings))
    raise SystemExit(f"unknown server kind {kind!r}")


def watchdog(lifetime_s: float) -> None:
    """Exit when the lifetime is over or the parent died (reparented: getppid changes)."""
    parent = os.getppid()
    deadline = time.monotonic() + lifetime_s
    while time.monotonic() < deadline and os.getppid() == parent:
        time.sleep(0.5)
    os._exit(3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=("sandbox", "gateway"))
    parser.add_argument("settings", help="JSON object of settings")
    parser.add_argument("--lifetime", type=float, default=3600.0)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1, help="processes serving the one socket (fork)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets whose proto says TCP, and without
    # it every keep-alive answer waits ~40 ms for the peer's delayed ACK (Nagle)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a restarted gateway takes its port back
    sock.bind((LOOPBACK, args.port))
    print(f"PORT {sock.getsockname()[1]}", flush=True)
    # extra workers are forked children on the same socket, each with its own app (and database
    # connections); each watches its parent, so ending the first process ends them all
    for _ in range(args.workers - 1):
        if os.fork() == 0:
            break
    threading.Thread(target=watchdog, args=(args.lifetime,), daemon=True).start()
    app = build_app(args.kind, json.loads(args.settings))
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=5,
        # the 500-connection proof: the OS queue must hold a burst of connects while the loop is busy
        backlog=2048,
    )
    uvicorn.Server(config).run(sockets=[sock])
    sys.exit(0)


if __name__ == "__main__":
    main()
