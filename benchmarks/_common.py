"""Shared helpers of the benchmarks: machine facts, medians and percentiles, child servers, result files.

    with ChildServer.start("sandbox", {"hang_s": 3}, logs=folder) as sandbox: ...   # 127.0.0.1 only
    figure = median_of([run() for _ in range(runs)])
    write_results({"protocol": {...}}, docs=Path("docs"))                  # JSON merged, Markdown rendered

Every server is a child process on 127.0.0.1 with a bounded life (`_serve.py` exits by itself), and every
load loop here is bounded in count and in time.
"""

from __future__ import annotations

import json
import os
import platform
import secrets
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DOCS = ROOT / "docs"
LOOPBACK = "127.0.0.1"
# A server that takes longer than this to answer its first request is broken, not slow.
STARTUP_S = 60.0
# Children exit by themselves after this long even if nobody stops them.
DEFAULT_LIFETIME_S = 3600.0
# The sandbox children's admin token (`_stack.sandbox_settings` gives it, `_proofs.set_faults` presents it).
SANDBOX_ADMIN_TOKEN = "bench-" + secrets.token_urlsafe(24)
SANDBOX_ADMIN_HEADERS = {"X-Sandbox-Admin-Token": SANDBOX_ADMIN_TOKEN}


# ---------------------------------------------------------------------------------------------- machine
def machine() -> dict[str, Any]:
    """Cores, memory, CPU model, OS and Python of this machine."""
    memory_gib = None
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        memory_gib = round(pages * size / 2**30, 1)
    except (ValueError, OSError):
        pass
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "memory_gib": memory_gib,
        "cpu": cpu,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
    }


# ----------------------------------------------------------------------------------------------- numbers
def median_of(values: Iterable[float]) -> float:
    items = [v for v in values if v is not None]
    return statistics.median(items) if items else float("nan")


def percentile(samples: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) by nearest rank; NaN for no samples."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def rounded(value: float, digits: int = 3) -> float:
    return round(value, digits) if value == value else value  # NaN stays NaN


def median_record(runs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Field-wise median of several runs' numeric fields; other fields from the first run."""
    out: dict[str, Any] = dict(runs[0])
    for key, value in runs[0].items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out[key] = rounded(median_of(float(r[key]) for r in runs), 4)
    out["runs"] = len(runs)
    return out


# ------------------------------------------------------------------------------------------ child servers
@dataclass
class ChildServer:
    """A server child process (`_serve.py`) on 127.0.0.1; stop() ends it, kill() is kill -9."""

    kind: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @classmethod
    def launch(
        cls,
        kind: str,
        settings: Mapping[str, Any],
        *,
        logs: Path,
        lifetime_s: float = DEFAULT_LIFETIME_S,
        port: int = 0,
        env: Mapping[str, str] | None = None,
        workers: int = 1,
    ) -> ChildServer:
        """Start `_serve.py kind` and wait until it answers HTTP (or fail after STARTUP_S).

        The child's stderr goes to a log file in `logs`, or in $BENCH_LOGS when set (kept after the run).
        """
        logs = Path(os.environ.get("BENCH_LOGS") or logs)
        logs.mkdir(parents=True, exist_ok=True)
        log = logs / f"{kind}-{int(time.time() * 1000) % 10**8}.log"
        command = [
            sys.executable,
            str(HERE / "_serve.py"),
            kind,
            json.dumps(dict(settings), default=str),
            "--lifetime",
            str(lifetime_s),
            "--port",
            str(port),
            "--workers",
            str(workers),
        ]
        with log.open("wb") as err:
            process = subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=err,
                env={**os.environ, **(env or {})},
                cwd=str(ROOT),
            )
        assert process.stdout is not None
        line = process.stdout.readline().decode().strip()  # "PORT <n>", printed once the socket is bound
        if not line.startswith("PORT "):
            process.kill()
            process.wait(10)
            raise RuntimeError(f"{kind} did not start: {line!r}; see {log}:\n{_tail(log)}")
        server = cls(kind, process, int(line.split()[1]), log, dict(settings))
        server.wait_ready()
        return server

    @classmethod
    @contextmanager
    def start(cls, kind: str, settings: Mapping[str, Any], **kw: Any) -> Iterator[ChildServer]:
        server = cls.launch(kind, settings, **kw)
        try:
            yield server
        finally:
            server.stop()

    def wait_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.kind} exited with {self.process.returncode}:\n{_tail(self.log)}")
            try:
                httpx.get(self.url + "/__ready", timeout=2.0)  # any HTTP answer (404) means serving
                return
            except httpx.HTTPError:
                time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"{self.kind} did not answer within {STARTUP_S:g} s:\n{_tail(self.log)}")

    def stop(self, timeout_s: float = 15.0) -> None:
        """SIGTERM (uvicorn shuts down gracefully), then SIGKILL if it takes too long."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.process.stdout is not None:
            self.process.stdout.close()

    def kill(self) -> None:
        """kill -9: no shutdown code runs (the crash proof)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(15)

    def peak_rss_kib(self) -> int | None:
        """VmHWM of the child while it runs (Linux)."""
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        except OSError:
            return None
        return None


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def server_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by process `pid` and its children (the forked workers)."""
    total = 0.0
    pids = [pid]
    with suppress(OSError):
        pids += [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    for one in pids:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def scratch_dir() -> Path:
    """A folder for databases and logs: on tmpfs when there is one (/dev/shm), for the SIMULATOR's files."""
    return Path("/dev/shm") if Path("/dev/shm").is_dir() else Path("/tmp")


# ------------------------------------------------------------------------------------------------ timing
def bounded(seconds: float) -> Callable[[], bool]:
    """A predicate that turns False once `seconds` have passed: loops that stop by themselves."""
    deadline = time.monotonic() + seconds
    return lambda: time.monotonic() < deadline


# ---------------------------------------------------------------------------------------------- results
RESULTS_JSON = "benchmarks.json"
RESULTS_MD = "benchmarks.md"


def load_results(docs: Path = DOCS) -> dict[str, Any]:
    path = docs / RESULTS_JSON
    if path.exists():
        loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return loaded
    return {}


def write_results(parts: Mapping[str, Any], *, command: str, docs: Path = DOCS) -> Path:
    """Merge `parts` into docs/benchmarks.json (other parts keep their last figures), render the Markdown."""
    from _report import render  # local import: the renderer is only needed here

    results = load_results(docs)
    results.setdefault("parts", {})
    for name, part in parts.items():
        results["parts"][name] = {
            **part,
            "measured_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "command": command,
        }
    results["machine"] = machine()
    docs.mkdir(parents=True, exist_ok=True)
    (docs / RESULTS_JSON).write_text(
        json.dumps(results, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8"
    )
    (docs / RESULTS_MD).write_text(render(results), encoding="utf-8")
    return docs / RESULTS_MD
