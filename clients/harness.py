#!/usr/bin/env python3
"""`make test-clients`: every other-language client's suite against one live gateway.

    python clients/harness.py                 # every clients/<language>/ that has a run-tests.sh
    python clients/harness.py typescript java # some of them

Unless MEDICAL_INSURANCE_API_URL is set (then the caller's gateway and keys are used as they are), it makes a
fresh data directory, creates the API keys the suites need with `yibao keys create`, starts `yibao run` on a
free 127.0.0.1 port (the embedded sandbox bureau, SQLite) and waits for /health.  Each suite is
`clients/<language>/run-tests.sh`, run from its own directory with these variables:

    MEDICAL_INSURANCE_API_URL             http://127.0.0.1:<port>/api/v1/medical-insurance/
    MEDICAL_INSURANCE_API_KEY             hospital_operator of H43028110001 (the demo hospital)
    MEDICAL_INSURANCE_INSTITUTION_CODE    H43028110001
    MEDICAL_INSURANCE_PHARMACY_API_KEY    pharmacy_operator of P43028110002 (the demo pharmacy)
    MEDICAL_INSURANCE_PHARMACY_CODE       P43028110002
    MEDICAL_INSURANCE_ANALYST_API_KEY     data_analyst of H43028110001 (for the 403 case)
    MEDICAL_INSURANCE_ADMIN_API_KEY       admin of H43028110001 (sandbox faults: /sandbox/admin/faults)
    MEDICAL_INSURANCE_GATEWAY_ROOT        http://127.0.0.1:<port>/

A suite prints its own closing line `N passed, N failed` and exits non-zero on any failure; a suite whose
toolchain is missing exits 77 and is reported as skipped; under CI=true a skip fails the run (`.ci/run`
installs the toolchains).  The harness exits non-zero if any suite failed.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
YIBAO = str(Path(sys.executable).with_name("yibao"))
HOSPITAL = "H43028110001"
PHARMACY = "P43028110002"
SKIPPED = 77
_KEY = re.compile(r"mik_[A-Za-z0-9_\-]+")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _create_key(env: Mapping[str, str], institution: str, role: str) -> str:
    done = subprocess.run(
        [YIBAO, "keys", "create", "--institution", institution, "--role", role, "--label", "client suites"],
        env=dict(env),
        capture_output=True,
        text=True,
        check=True,
    )
    found = _KEY.search(done.stdout)
    if found is None:
        raise RuntimeError(f"yibao keys create printed no key: {done.stdout!r} {done.stderr!r}")
    return found.group(0)


def _wait_healthy(url: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the gateway exited with {process.returncode} before it was healthy")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the gateway did not answer {url} within {seconds:.0f} s")


@contextmanager
def live_gateway() -> Iterator[dict[str, str]]:
    """The variables of a fresh gateway on the embedded sandbox, stopped when the block ends."""
    with tempfile.TemporaryDirectory(prefix="yibao-clients-") as data_dir:
        port = _free_port()
        env = {
            **os.environ,
            "MEDICAL_INSURANCE_DATA_DIR": data_dir,
            "MEDICAL_INSURANCE_JWT_SECRET": "client-suites-" + "x" * 40,
        }
        for name in ("MEDICAL_INSURANCE_DATABASE_URL", "DATABASE_URL", "MEDICAL_BUREAU_API_URL", "REDIS_URL"):
            env.pop(name, None)
        for code, name, admdvs in (
            (HOSPITAL, "湘潭市第一人民医院", "430302"),
            (PHARMACY, "湘潭演示大药房有限公司", "430304"),
        ):
            add = [YIBAO, "institutions", "add", "--code", code, "--name", name, "--admdvs", admdvs]
            subprocess.run(add, env=env, capture_output=True, check=True)
        keys = {
            "MEDICAL_INSURANCE_API_KEY": _create_key(env, HOSPITAL, "hospital_operator"),
            "MEDICAL_INSURANCE_PHARMACY_API_KEY": _create_key(env, PHARMACY, "pharmacy_operator"),
            "MEDICAL_INSURANCE_ANALYST_API_KEY": _create_key(env, HOSPITAL, "data_analyst"),
            "MEDICAL_INSURANCE_ADMIN_API_KEY": _create_key(env, HOSPITAL, "admin"),
        }
        log = Path(data_dir) / "gateway.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [YIBAO, "run", "--port", str(port)], env=env, stdout=out, stderr=subprocess.STDOUT
            )
            try:
                root = f"http://127.0.0.1:{port}/"
                _wait_healthy(root + "api/v1/medical-insurance/health/check", process)
                yield {
                    **keys,
                    "MEDICAL_INSURANCE_API_URL": root + "api/v1/medical-insurance/",
                    "MEDICAL_INSURANCE_GATEWAY_ROOT": root,
                    "MEDICAL_INSURANCE_INSTITUTION_CODE": HOSPITAL,
                    "MEDICAL_INSURANCE_PHARMACY_CODE": PHARMACY,
                }
            finally:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                if process.returncode not in (0, -15, None):
                    sys.stdout.write(log.read_text(encoding="utf-8", errors="replace")[-4000:])


def _suites(names: list[str]) -> list[Path]:
    available = sorted(p.parent for p in HERE.glob("*/run-tests.sh"))
    if not names:
        return available
    chosen = [HERE / n for n in names]
    missing = [p.name for p in chosen if not (p / "run-tests.sh").exists()]
    if missing:
        raise SystemExit(f"no client suite for: {', '.join(missing)}")
    return chosen


def run(names: list[str]) -> int:
    suites = _suites(names)
    if not suites:
        print("no client suites found")
        return 1
    results: dict[str, str] = {}

    def run_all(variables: Mapping[str, str]) -> None:
        for suite in suites:
            print(f"\n=== {suite.name} ===", flush=True)
            done = subprocess.run(["bash", "run-tests.sh"], cwd=suite, env={**os.environ, **variables})
            results[suite.name] = {0: "passed", SKIPPED: "skipped"}.get(done.returncode, "FAILED")

    if os.environ.get("MEDICAL_INSURANCE_API_URL"):
        run_all({})
    else:
        with live_gateway() as variables:
            run_all(variables)
    print("\n" + ", ".join(f"{name}: {state}" for name, state in results.items()))
    if os.environ.get("CI") and "skipped" in results.values():
        print("CI 中不允许跳过客户端测试（缺少工具链：请检查 .ci/run 的安装步骤）")
        return 1
    return 1 if "FAILED" in results.values() else 0


if __name__ == "__main__":
    raise SystemExit(run(sys.argv[1:]))
