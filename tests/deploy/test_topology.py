"""The compose topology run for real, without Docker: nginx (deploy/nginx, TLS) in front of 3 `yibao run`
processes, the Celery worker and the beat, on one PostgreSQL database and Redis, a bureau
(benchmarks/null_bureau.py), and Prometheus scraping the replicas with deploy/prometheus/alert_rules.yml.
The worker and the beat run the commands deploy/docker-compose.yml gives them (`yibao worker --concurrency
4`, `yibao beat`), and every yibao process gets compose's x-yibao environment (production, JSON access log,
REDIS_URL, CELERY_BROKER_URL) and env/api.env's variables, hosts, paths and secrets translated to this
machine.  Compose leaves MEDICAL_INSURANCE_SWEEPER_INTERVAL at its default on every yibao service: each
replica sweeps in-process and the beat has the worker sweep as well (every second here, not every 30 s).

- An async task (1101) created through nginx runs on a Celery worker process, not on a replica, and its
  status and result are read back through nginx.
- One sweeper at a time: unresolved entries planted in the ledger (2206 answers that were lost; 2206
  leaves nothing at the bureau, and the null bureau answers no 2601 or query) get one verdict each, from one
  of the four sweepers, while they all run and the beat's sweeps run on the worker.
- Settlements (2207) go through nginx while one replica is killed (SIGKILL): only calls in flight on it may
  fail, no settlement is recorded twice, the request id passes through nginx, and Prometheus sees the
  replica down and fires YibaoGatewayDown.

Worker and beat are stopped with SIGTERM to their process groups (SIGKILL after 30 s); their logs are
printed when the test fails."""

from __future__ import annotations

import ast
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from deploy_support import compose_service, settings_of_environment, tool

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

from _flows import person, person_query  # noqa: E402
from _stack import bench_database, gateway_settings, prepare_gateway_database, product_database  # noqa: E402
from capacity import (  # noqa: E402
    GATEWAY_HOSPITAL,
    _environment,
    _free_port,
    _stop,
    ledger_rows,
    null_bureau,
    rest_body,
    route_url,
    warm_up,
)
from sqlalchemy import create_engine, text  # noqa: E402

from medical_insurance_sdk.engine.effects import Complete, NewEntry  # noqa: E402
from medical_insurance_sdk.engine.flow import utcnow  # noqa: E402
from medical_insurance_sdk.engine.ledger import Ledger  # noqa: E402
from medical_insurance_sdk.gateway.executors.celery_app import SWEEP  # noqa: E402
from medical_insurance_sdk.registry import API_PREFIX, REGISTRY  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
THREADS = 8
LOAD_S = 8.0
KILL_AT_S = 3.0
YIBAO = str(Path(sys.executable).with_name("yibao"))
SWEEP_S = 1.0  # compose: the default (30 s) on every yibao service; shortened as YibaoGatewayDown's `for` is
UNRESOLVED = 12  # entries planted for the sweepers
SWEEP_DONE = re.compile(rf"Task {re.escape(SWEEP)}\[[^]]+\] succeeded in [0-9.]+s: (\{{.*\}})$", re.M)
EFFECT_FREE = "2206"  # pre-settlement: resolved without asking the bureau (compensation.py)


def compose_settings(
    deploy_dir: Path, settings: dict[str, Any], redis_url: str, uploads: Path
) -> dict[str, Any]:
    """The replicas' settings with what compose gives every yibao service (api-1..3, celery-worker and
    celery-beat share x-yibao): its environment and env/api.env's variables, translated to this machine."""
    worker = compose_service("celery-worker", deploy_dir)
    for other in ("api-1", "api-2", "api-3", "celery-beat"):
        service = compose_service(other, deploy_dir)
        assert (service["environment"], service["env_file"]) == (worker["environment"], worker["env_file"])
    here = {
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,  # compose: database 1 of the same Redis; here under a namespace
        "MEDICAL_INSURANCE_DATA_DIR": settings["data_dir"],
        "MEDICAL_INSURANCE_FILE_DIR": str(uploads),
        # env/api.env (a copy of env/api.env.example with every CHANGE_ME replaced)
        "DATABASE_URL": settings["database_url"],
        "MEDICAL_BUREAU_API_URL": settings["bureau_api_url"],
        "MEDICAL_BUREAU_AK": "topology-ak",
        "MEDICAL_BUREAU_SK": "topology-sk",
        "MEDICAL_INSURANCE_JWT_SECRET": secrets.token_urlsafe(48),
        "MEDICAL_INSURANCE_DATA_KEYS": settings["data_keys"],
    }
    environment = {name: here.get(name, str(value)) for name, value in worker["environment"].items()}
    for env_file in worker["env_file"]:
        example = (deploy_dir / f"{env_file}.example").read_text(encoding="utf-8").splitlines()
        names = [line.split("=", 1)[0] for line in example if "=" in line and not line.startswith("#")]
        environment |= {name: here[name] for name in names}
    return {**settings, **settings_of_environment(environment)}


def process_environment(settings: dict[str, Any]) -> dict[str, str]:
    """What every yibao process is told: these settings, and none of this machine's own (MEDICAL_*,
    DATABASE_URL, REDIS_URL, CELERY_*)."""
    own = {name.upper() for name in settings}
    machine = ("MEDICAL_", "DATABASE_URL", "REDIS_URL", "CELERY_")
    return {k: v for k, v in _environment(settings).items() if k in own or not k.startswith(machine)}


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process group (a worker's pool processes too); SIGKILL when it is not gone in 30 s."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(15)


@contextmanager
def compose_process(
    deploy_dir: Path, service: str, settings: dict[str, Any], logs: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """The compose service's `yibao …` command with the replicas' environment, in a process group of its
    own; its log is printed when the block fails."""
    command = compose_service(service, deploy_dir)["command"]
    assert command[0] == "yibao", command
    log = logs / f"{service}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [YIBAO, *command[1:]],
            env=process_environment(settings) | {"PYTHONUNBUFFERED": "1"},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process
    except BaseException:
        print(f"===== {service}: {' '.join(command)} =====\n{log.read_text(errors='replace')[-8000:]}")
        raise
    finally:
        stop_group(process)


@contextmanager
def replica(settings: dict[str, Any], logs: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    """`yibao run` as the compose file runs it (one process per replica), on a port of its own."""
    with (logs / f"api-{port}.log").open("wb") as out:
        process = subprocess.Popen(
            [YIBAO, "run", "--host", "127.0.0.1", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=process_environment(settings),
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


def purge(redis_url: str, namespace: str) -> None:
    """Delete the Redis keys of a namespace (the broker's queue, the rate-limit windows)."""
    from redis import Redis

    client = Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"{namespace}:*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


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


def parent_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def run_a_task(base: str, key: str, database_url: str, worker: int, replicas: list[int]) -> None:
    """A 1101 task created through nginx runs once, on a pool process of the Celery worker."""
    headers = {"X-API-Key": key, "X-Institution-Code": GATEWAY_HOSPITAL}
    with httpx.Client(
        base_url=f"{base}{API_PREFIX}async/", headers=headers, verify=False, timeout=30
    ) as client:
        body = {
            "task_type": "transaction",
            "task_data": {"interface_type": "1101", "data": person_query(person(0))["data"]},
        }
        created = client.post("create-task", json=body)
        assert created.status_code == 202, created.text
        task_id = created.json()["data"]["task_id"]
        status: dict[str, Any] = {}

        def finished() -> bool:
            status.update(client.get(f"task-status/{task_id}").json()["data"])
            return status["status"] in ("completed", "failed")

        wait_for(finished, 60, f"task {task_id} run by the Celery worker")
        assert (status["status"], status["progress"], status["attempts"]) == ("completed", 100, 1), status
        result = client.get(f"task-result/{task_id}").json()["data"]["result"]
        assert result["infno"] == "1101"
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as connection:
            sent = (
                connection.execute(
                    text("SELECT msgid FROM ledger_entry WHERE request_id = :id"), {"id": f"task-{task_id}"}
                )
                .scalars()
                .all()
            )
            holder = connection.execute(
                text("SELECT locked_by FROM async_task WHERE task_id = :id"), {"id": task_id}
            ).scalar_one()
    finally:
        engine.dispose()
    assert sent == [result["msgid"]]  # one message, recorded under the task
    pid = int(str(holder).split(":")[1])  # worker_name(): host:pid:random
    assert pid not in replicas and parent_of(pid) == worker, (holder, worker, replicas)


def plant_unresolved(database_url: str) -> list[str]:
    """UNRESOLVED 2206 entries whose answers were lost (UNKNOWN), sent to the replicas' bureau 1 min ago."""
    database = bench_database(database_url)
    try:
        with database.engine.connect() as connection:
            (bureau,) = (
                connection.execute(text("SELECT DISTINCT bureau FROM ledger_entry WHERE infno = '2207'"))
                .scalars()
                .all()
            )
        ledger = Ledger(database)
        sent = utcnow() - timedelta(minutes=1)
        msgids = [f"{GATEWAY_HOSPITAL}{sent:%Y%m%d%H%M%S}{9000 + n}" for n in range(UNRESOLVED)]
        for msgid in msgids:
            message = {"infno": EFFECT_FREE, "msgid": msgid, "input": {"data": {"psn_no": "topology"}}}
            ledger.record(
                NewEntry(
                    msgid=msgid,
                    infno=EFFECT_FREE,
                    safety=REGISTRY[EFFECT_FREE].safety.value,
                    institution_code=GATEWAY_HOSPITAL,
                    operator="OP001",
                    request=message,
                    business_keys={"psn_no": "topology"},
                    created_at=sent,
                    bureau=bureau,
                )
            )
            ledger.complete(Complete(msgid, "UNKNOWN", answered_at=sent, note="应答丢失"))
        return msgids
    finally:
        database.dispose()


def verdicts(database_url: str, msgids: list[str]) -> dict[str, tuple[str, int, str | None]]:
    """msgid → (state, resolve_attempts, lease_owner)."""
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT msgid, state, resolve_attempts, lease_owner FROM ledger_entry "
                    "WHERE msgid = ANY(:msgids)"
                ),
                {"msgids": msgids},
            ).all()
    finally:
        engine.dispose()
    return {str(m): (str(state), int(attempts), owner) for m, state, attempts, owner in rows}


def check_one_sweeper_each(database_url: str, msgids: list[str], logs: Path) -> None:
    """Each planted entry gets one verdict (FAILED, one attempt, no lease left) while the replicas' sweepers
    and the beat's sweeps on the worker's 4 pool processes all run; of the worker's sweep reports none
    names an entry twice.  (`yibao run` logs no sweep reports, only access lines: the replicas' share is
    what the worker did not report.)"""
    wait_for(
        lambda: all(state != "UNKNOWN" for state, _, _ in verdicts(database_url, msgids).values()),
        30,
        "planted entries resolved",
    )
    assert set(verdicts(database_url, msgids).values()) == {("FAILED", 1, None)}
    assert "Sending due task yibao-compensation-sweep" in (logs / "celery-beat.log").read_text(
        errors="replace"
    )
    worker_log = (logs / "celery-worker.log").read_text(errors="replace")
    reports = [ast.literal_eval(found) for found in SWEEP_DONE.findall(worker_log)]
    assert reports, "the beat's sweeps did not run on the worker"
    by_worker = Counter(msgid for report in reports for msgid in report if msgid in msgids)
    assert set(by_worker.values()) <= {1}, by_worker


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
        settings = gateway_settings(database_url, tmp_path / "var", bureau)
        settings = compose_settings(deploy_dir, settings, redis_url, tmp_path / "uploads")
        namespace = f"topology-{uuid.uuid4().hex[:8]}"
        stack.callback(purge, redis_url, namespace)
        settings |= {
            "celery_namespace": namespace,  # the queue and the broker's keys
            "redis_key_prefix": f"{namespace}:",
            "sweeper_interval_s": SWEEP_S,
        }
        ports = [_free_port() for _ in range(3)]
        processes = [stack.enter_context(replica(settings, logs, port)) for port in ports]
        worker = stack.enter_context(compose_process(deploy_dir, "celery-worker", settings, logs))
        stack.enter_context(compose_process(deploy_dir, "celery-beat", settings, logs))
        for port in ports:
            warm_up(f"http://127.0.0.1:{port}", (key, GATEWAY_HOSPITAL))
        before = ledger_rows(database_url, "2207").get("SUCCESS", 0)
        https = stack.enter_context(nginx(deploy_dir, tmp_path / "nginx", ports))
        run_a_task(f"https://127.0.0.1:{https}", key, database_url, worker.pid, [p.pid for p in processes])
        unresolved = plant_unresolved(database_url)  # swept while the load runs
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

        check_one_sweeper_each(database_url, unresolved, logs)

        down = f"127.0.0.1:{ports[1]}"
        wait_for(lambda: down in firing(metrics), 45, "YibaoGatewayDown firing for the killed replica")
        assert firing(metrics) == {down}
