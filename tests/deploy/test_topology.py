"""The compose topology run for real, without Docker: nginx (deploy/nginx, TLS) in front of 3 `yibao run`
processes on one PostgreSQL database and Redis, a bureau (benchmarks/null_bureau.py), and Prometheus
scraping the replicas with deploy/prometheus/alert_rules.yml.  Settlements (2207) go through nginx while
one replica is killed (SIGKILL): only calls in flight on it may fail, no settlement is recorded twice, the
request id passes through nginx, and Prometheus sees the replica down and fires YibaoGatewayDown.

Not run here: the Celery worker and beat (tests/gateway/test_gateway_celery.py covers them)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from deploy_support import tool

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

from _stack import gateway_settings, prepare_gateway_database, product_database  # noqa: E402
from capacity import (  # noqa: E402
    GATEWAY_HOSPITAL,
    _free_port,
    _stop,
    ledger_rows,
    null_bureau,
    rest_body,
    route_url,
    warm_up,
)
from sqlalchemy import create_engine, text  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
THREADS = 8
LOAD_S = 8.0
KILL_AT_S = 3.0


@contextmanager
def replica(settings: dict[str, Any], logs: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """`yibao run` as the compose file runs it (one process per replica), on a port of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEDICAL_INSURANCE_", "DATABASE_URL"))}
    env |= {
        name.upper(): str(value).lower() if isinstance(value, bool) else str(value)
        for name, value in settings.items()
    }
    yibao = str(Path(sys.executable).with_name("yibao"))
    with (logs / f"api-{port}.log").open("wb") as out:
        process = subprocess.Popen(
            [yibao, "run", "--host", "127.0.0.1", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert process.poll() is None, (logs / f"api-{port}.log").read_text()[-2000:]
            try:
                httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield process
    finally:
        _stop(process)


@contextmanager
def nginx(deploy_dir: Path, root: Path, ports: list[int]) -> Iterator[int]:
    from test_nginx import stage_nginx

    main = stage_nginx(deploy_dir, root)
    https = _free_port()
    conf = main.parent / "conf.d" / "yibao.conf"
    text_ = conf.read_text()
    for n, port in enumerate(ports, start=1):
        text_ = text_.replace(f"127.0.0.1:800{n}", f"127.0.0.1:{port}")
    text_ = text_.replace("listen 80;", f"listen 127.0.0.1:{_free_port()};")
    text_ = text_.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;")
    conf.write_text(text_)
    main.write_text(main.read_text().replace("/dev/stdout", str(root / "logs" / "access.log")))
    process = subprocess.Popen(
        [
            tool("nginx"),
            "-p",
            str(root),
            "-c",
            str(main),
            "-e",
            str(root / "logs" / "error.log"),
            "-g",
            "daemon off;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                httpx.get(f"https://127.0.0.1:{https}/", verify=False, timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield https
    finally:
        _stop(process)


@contextmanager
def prometheus(deploy_dir: Path, root: Path, ports: list[int]) -> Iterator[str]:
    """Prometheus with the product's rules, scraping every second; YibaoGatewayDown's `for` shortened."""
    root.mkdir()
    rules = (deploy_dir / "prometheus" / "alert_rules.yml").read_text(encoding="utf-8")
    rules = re.sub(r"(alert: YibaoGatewayDown.*?\n\s+for: )1m", r"\g<1>3s", rules, flags=re.S)
    (root / "alert_rules.yml").write_text(rules, encoding="utf-8")
    config = yaml.safe_load((deploy_dir / "prometheus" / "prometheus.yml").read_text(encoding="utf-8"))
    config["global"] = {"scrape_interval": "1s", "evaluation_interval": "1s"}
    config["scrape_configs"] = [
        {
            "job_name": "medical-insurance-api",
            "scrape_interval": "1s",
            "static_configs": [{"targets": [f"127.0.0.1:{p}" for p in ports]}],
        }
    ]
    config.pop("alerting")
    (root / "prometheus.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    port = _free_port()
    process = subprocess.Popen(
        [
            tool("prometheus"),
            f"--config.file={root / 'prometheus.yml'}",
            f"--storage.tsdb.path={root / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=(root / "prometheus.log").open("wb"),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: httpx.get(url + "/-/ready", timeout=2).status_code == 200, 30, "Prometheus ready")
        yield url
    finally:
        _stop(process)


def wait_for(check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"超时: {what}")


def firing(url: str) -> set[str]:
    alerts = httpx.get(url + "/api/v1/alerts", timeout=5).json()["data"]["alerts"]
    return {
        a["labels"].get("instance", "")
        for a in alerts
        if a["labels"]["alertname"] == "YibaoGatewayDown" and a["state"] == "firing"
    }


def drive(base: str, key: str, stop: threading.Event, results: list[tuple[float, int, str, str]]) -> None:
    headers = {"X-API-Key": key, "X-Institution-Code": GATEWAY_HOSPITAL, "content-type": "application/json"}
    body = rest_body("2207")
    with httpx.Client(verify=False, timeout=30) as client:
        while not stop.is_set():
            request_id = uuid.uuid4().hex
            try:
                answer = client.post(
                    route_url(base, "2207"), content=body, headers={**headers, "X-Request-ID": request_id}
                )
                results.append(
                    (time.monotonic(), answer.status_code, request_id, answer.headers.get("x-request-id", ""))
                )
            except httpx.HTTPError:
                results.append((time.monotonic(), 0, request_id, ""))


def test_killing_one_replica_loses_only_its_calls_in_flight(
    postgres_admin_url: str, redis_url: str, deploy_dir: Path, tmp_path: Path
) -> None:
    for needed in ("nginx", "prometheus", "openssl"):
        tool(needed)  # skips, naming the package, when one is missing
    logs = tmp_path / "logs"
    logs.mkdir()
    with ExitStack() as stack:
        database_url = stack.enter_context(product_database("postgresql", tmp_path))
        key = prepare_gateway_database(database_url, [GATEWAY_HOSPITAL])[GATEWAY_HOSPITAL]
        bureau = stack.enter_context(null_bureau(logs))
        settings = gateway_settings(database_url, tmp_path / "var", bureau, redis_url=redis_url)
        settings["redis_key_prefix"] = f"topology-{uuid.uuid4().hex[:8]}:"
        ports = [_free_port() for _ in range(3)]
        processes = [stack.enter_context(replica(settings, logs, port)) for port in ports]
        for port in ports:
            warm_up(f"http://127.0.0.1:{port}", (key, GATEWAY_HOSPITAL))
        before = ledger_rows(database_url, "2207").get("SUCCESS", 0)
        https = stack.enter_context(nginx(deploy_dir, tmp_path / "nginx", ports))
        metrics = stack.enter_context(prometheus(deploy_dir, tmp_path / "prometheus", ports))
        wait_for(
            lambda: (
                len(httpx.get(metrics + "/api/v1/targets", timeout=5).json()["data"]["activeTargets"]) == 3
            ),
            30,
            "targets",
        )

        stop = threading.Event()
        results: list[tuple[float, int, str, str]] = []
        threads = [
            threading.Thread(target=drive, args=(f"https://127.0.0.1:{https}", key, stop, results))
            for _ in range(THREADS)
        ]
        for thread in threads:
            thread.start()
        time.sleep(KILL_AT_S)
        killed_at = time.monotonic()
        processes[1].send_signal(signal.SIGKILL)
        time.sleep(LOAD_S - KILL_AT_S)
        stop.set()
        for thread in threads:
            thread.join(60)

        ok = [r for r in results if r[1] == 200]
        failed = [r for r in results if r[1] != 200]
        assert len(ok) > 50, f"too little traffic went through: {len(results)}"
        # only the calls in flight on the killed replica (at most one per client thread) may fail
        assert len(failed) <= THREADS, failed
        assert all(at >= killed_at for at, *_ in failed), "failures before the kill"
        assert all(sent == echoed for _, status, sent, echoed in ok), "X-Request-ID not passed through nginx"
        # every answered settlement is in the ledger exactly once under its request id, no request id twice
        # (nginx replays no POST on another replica); a call cut off on the killed replica may be recorded
        # too (SUCCESS or PENDING: its outcome is for compensation to settle), but never twice
        engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
        try:
            with engine.connect() as connection:
                rows = connection.execute(
                    text(
                        "SELECT request_id, count(*) FROM ledger_entry WHERE infno = '2207' "
                        "AND request_id IS NOT NULL GROUP BY request_id"
                    )
                ).all()
        finally:
            engine.dispose()
        recorded = {str(request_id): int(n) for request_id, n in rows}
        assert max(recorded.values()) == 1
        assert all(recorded.get(request_id) == 1 for _, _, request_id, _ in ok)
        new_successes = ledger_rows(database_url, "2207").get("SUCCESS", 0) - before
        assert len(ok) <= new_successes <= len(ok) + len(failed)

        down = f"127.0.0.1:{ports[1]}"
        wait_for(lambda: down in firing(metrics), 45, "YibaoGatewayDown firing for the killed replica")
        assert firing(metrics) == {down}
