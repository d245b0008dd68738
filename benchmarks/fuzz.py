"""Item 7 — fuzz: schemathesis against the gateway's own OpenAPI document, every route, bounded examples.

The gateway runs as its own process (SQLite product database, sandbox process as the bureau) and is
called with an admin API key, so that requests get past authentication and reach validation, the engine
and the bureau.  Checks: `not_a_server_error` (no 5xx) and `response_schema_conformance` (every answer
matches what the document declares for its status).  Fixed seed, no example database: a run is
reproducible.  Goal: 0 server errors, 0 schema violations.

Needs schemathesis (dev dependency, 4.32.5); without it the proof fails and says so.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from _common import ChildServer, scratch_dir
from _stack import (
    GATEWAY_HOSPITAL,
    gateway_settings,
    prepare_gateway_database,
    product_database,
    sandbox_settings,
)

SEED = 20250714
CHECKS = "not_a_server_error,response_schema_conformance"
SERVER_ERROR = "ST101"


def schemathesis_command() -> str | None:
    beside = Path(sys.executable).with_name("schemathesis")
    return str(beside) if beside.exists() else shutil.which("schemathesis")


def _report(folder: Path) -> dict[str, Any]:
    found = sorted(folder.glob("*.json"))
    return json.loads(found[-1].read_text(encoding="utf-8")) if found else {}


def _failures(output: str) -> Counter[str]:
    """Status lines of the failures in schemathesis' console output ("[502] Bad Gateway"), counted."""
    statuses: Counter[str] = Counter()
    for line in output.splitlines():
        line = line.strip()
        if line.startswith("[") and "]" in line[:6] and line[1:4].isdigit():
            statuses[line[1:4]] += 1
    return statuses


def run(
    *,
    max_examples: int = 15,
    phases: str = "examples,fuzzing",
    path_regex: str | None = None,
    timeout_s: float = 3000,
) -> dict[str, Any]:
    """Fuzz every route (or those whose path matches `path_regex`) and count 5xx and schema violations."""
    command = schemathesis_command()
    if command is None:
        return {
            "ok": False,
            "not_run": "schemathesis is not installed (pip install 'schemathesis==4.32.5')",
            "server_errors": None,
            "schema_violations": None,
        }
    with tempfile.TemporaryDirectory(dir=scratch_dir(), prefix="yibao-fuzz-") as tmp:
        folder = Path(tmp)
        with product_database("sqlite", folder) as url:
            key = prepare_gateway_database(url, [GATEWAY_HOSPITAL])[GATEWAY_HOSPITAL]
            with (
                ChildServer.start("sandbox", sandbox_settings(), logs=folder) as bureau,
                ChildServer.start(
                    "gateway", gateway_settings(url, folder, bureau.url, bureau_timeout_s=5.0), logs=folder
                ) as gateway,
            ):
                began = time.perf_counter()
                done = subprocess.run(
                    [
                        command,
                        "run",
                        f"{gateway.url}/openapi.json",
                        "--checks",
                        CHECKS,
                        "--header",
                        f"X-API-Key: {key}",
                        "--header",
                        f"X-Institution-Code: {GATEWAY_HOSPITAL}",
                        "--max-examples",
                        str(max_examples),
                        "--phases",
                        phases,
                        "--seed",
                        str(SEED),
                        "--generation-database",
                        "none",
                        "--suppress-health-check",
                        "all",
                        "--continue-on-failure",
                        "--workers",
                        "2",
                        "--request-timeout",
                        "30",
                        "--no-color",
                        "--report",
                        "json",
                        "--report-dir",
                        str(folder / "report"),
                        *(["--include-path-regex", path_regex] if path_regex else []),
                    ],
                    capture_output=True,
                    text=True,
                    timeout=timeout_s,
                    cwd=folder,  # schemathesis writes its own files beside the report
                )
                seconds = time.perf_counter() - began
                keep = os.environ.get("BENCH_LOGS")
                if keep:  # the console report names every failing case with a curl line to replay it
                    Path(keep, "schemathesis.txt").write_text(done.stdout + done.stderr, encoding="utf-8")
                gateway_log = gateway.log.read_text(errors="replace")
                report = _report(folder / "report")
    failures = report.get("failures") or []
    by_code = {f.get("code") or f.get("title"): f for f in failures}
    server = by_code.get(SERVER_ERROR, {})
    schema = [f for code, f in by_code.items() if code != SERVER_ERROR]
    statuses = _failures(done.stdout)
    cases = report.get("test_cases", {})
    operations = report.get("operations", {})
    result = {
        "max_examples": max_examples,
        "phases": phases,
        "seed": SEED,
        "seconds": round(seconds, 1),
        "operations_tested": operations.get("tested"),
        "test_cases": cases.get("generated"),
        "server_errors": int(server.get("count", 0)),
        "failure_statuses": dict(statuses),
        "server_error_operations": server.get("operations", []),
        "schema_violations": sum(int(f.get("count", 0)) for f in schema),
        "schema_violation_operations": sorted({op for f in schema for op in f.get("operations", [])}),
        "other_failures": {str(f.get("code")): f.get("title") for f in schema},
        "errored": cases.get("errored", 0),
        "gateway_tracebacks": gateway_log.count("Traceback"),
        "exit_code": done.returncode,
    }
    if not report:
        result["schemathesis_output"] = (done.stdout + done.stderr)[-2000:]
    result["ok"] = bool(report) and result["server_errors"] == 0 and result["schema_violations"] == 0
    return result


def summary(result: dict[str, Any]) -> str:
    if result.get("not_run"):
        return f"fuzz: NOT RUN {result['not_run']}"
    return (
        f"fuzz: {'OK' if result['ok'] else 'VIOLATION'} operations={result['operations_tested']} "
        f"cases={result['test_cases']} server_errors={result['server_errors']} "
        f"schema_violations={result['schema_violations']} statuses={result['failure_statuses']}"
    )


if __name__ == "__main__":
    outcome = run(max_examples=3, phases="fuzzing")
    print(json.dumps(outcome, indent=2, ensure_ascii=False))
    print(summary(outcome))
