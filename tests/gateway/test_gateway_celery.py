"""The task suite on real Celery workers (`yibao worker`) over Redis, and a worker killed mid-task.

Redis is the conftest's (127.0.0.1:6379, $MEDICAL_INSURANCE_TEST_REDIS; unreachable → skipped, under $CI
failed), used under a random namespace — the queue's name and every broker key's prefix — deleted after.
The gateway runs in this process with the Celery executor (it only hands task ids to the broker); the
workers are separate processes on the same database and the same embedded bureau file.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from gateway_support import (
    HOSPITAL,
    PHARMACY,
    SLOW_FAULTS,
    SLOW_INFNO,
    TEST_BUREAU_TIMEOUT_S,
    Gateway,
    batch_done,
    check_batch_task_reports_progress,
    check_failed_task_answers_its_error,
    check_resumed_exactly_once,
    check_tasks_are_the_institutions_own,
    check_transaction_task_runs_once,
    crash_batch,
    gateway_settings,
    in_flight,
    ledger_entries,
    operation_ids,
    person_query,
    slow_write,
    start_gateway,
    task_done,
    wait_until,
)
from sqlalchemy import select

from medical_insurance_sdk.gateway.jobs_models import AsyncTask
from medical_insurance_sdk.gateway.keys import create_key
from medical_insurance_sdk.gateway.settings import GatewaySettings
from medical_insurance_sdk.gateway.tenancy import NewInstitution, add_institution
from medical_insurance_sdk.registry.policy import ROLES
from medical_insurance_sdk.sandbox.settings import SandboxSettings

YIBAO = str(Path(sys.executable).with_name("yibao"))
LEASE_S = 2.0


def settings_for(data_dir: Path, redis_url: str, namespace: str) -> GatewaySettings:
    return gateway_settings(
        f"sqlite:///{data_dir / 'gateway.sqlite3'}",
        data_dir,
        celery_broker_url=redis_url,
        celery_namespace=namespace,
        task_lease_s=LEASE_S,
    )


def environment(settings: GatewaySettings, **extra: str) -> dict[str, str]:
    """What a worker process is told: the gateway's own settings."""
    return {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "MEDICAL_INSURANCE_DATA_DIR": str(settings.data_dir),
        # the data keys the gateway seals tasks with (spec §7.3.1)
        "MEDICAL_INSURANCE_DATA_KEYS": settings.data_keys.get_secret_value() if settings.data_keys else "",
        "CELERY_BROKER_URL": settings.celery_broker_url or "",
        "MEDICAL_INSURANCE_CELERY_NAMESPACE": settings.celery_namespace,
        "MEDICAL_INSURANCE_TASK_LEASE": str(settings.task_lease_s),
        "MEDICAL_INSURANCE_TIMEOUT": str(TEST_BUREAU_TIMEOUT_S),
        "MEDICAL_INSURANCE_SWEEPER_INTERVAL": "0",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


@contextmanager
def process(
    name: str, args: list[str], settings: GatewaySettings, **env: str
) -> Iterator[subprocess.Popen[bytes]]:
    """`yibao <args>` in its own process group, logging to the data directory; stopped afterwards."""
    with (settings.data_dir / f"{name}.log").open("wb") as log:
        started = subprocess.Popen(
            [YIBAO, *args],
            env=environment(settings, **env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield started
        finally:
            stop(started, signal.SIGTERM)


def stop(started: subprocess.Popen[bytes], how: signal.Signals) -> None:
    """Signal the process group this test started; SIGKILL it if a warm shutdown takes too long."""
    if started.poll() is None:
        os.killpg(started.pid, how)
        try:
            started.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(started.pid, signal.SIGKILL)
            started.wait(timeout=30)


def worker(settings: GatewaySettings, name: str, *extra: str, **env: str) -> Any:
    """`yibao worker` running two tasks at once (threads: the runtime's event loop serves them both)."""
    return process(name, ["worker", "--pool", "threads", "--concurrency", "2", *extra], settings, **env)


def purge(redis_url: str, namespace: str) -> None:
    """Delete the broker keys of a namespace."""
    from redis import Redis

    client = Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"{namespace}:*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture(scope="module")
def namespace(redis_url: str) -> Iterator[str]:
    """A random queue name and key prefix; its keys are deleted when the module is done."""
    name = f"test-celery-{secrets.token_hex(6)}"
    yield name
    purge(redis_url, name)


@pytest.fixture(scope="module")
def celery_gateway(
    redis_url: str, namespace: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Gateway]:
    """A gateway with the Celery executor, and one worker (with the beat schedule) beside it."""
    data_dir = tmp_path_factory.mktemp("celery")
    settings = settings_for(data_dir, redis_url, namespace)
    with start_gateway(settings, sandbox_settings=SandboxSettings.embedded(settings.data_dir)) as (
        app,
        client,
    ):
        database = app.state.gateway.database
        keys = {role: create_key(database, HOSPITAL, role).key for role in ROLES}
        add_institution(
            database, NewInstitution(code=PHARMACY, name="湘潭演示大药房有限公司", admdvs="430200")
        )
        other = create_key(database, PHARMACY, "admin").key
        with worker(settings, "worker", "--beat"):
            yield Gateway(app, client, settings.database_url, data_dir, keys, other)


def test_the_gateway_hands_tasks_to_the_broker(celery_gateway: Gateway) -> None:
    assert celery_gateway.state.extras["task_executor"].name == "celery"


def test_a_transaction_task_runs_once(celery_gateway: Gateway) -> None:
    check_transaction_task_runs_once(celery_gateway)


def test_a_failed_task_answers_its_error(celery_gateway: Gateway) -> None:
    check_failed_task_answers_its_error(celery_gateway)


def test_a_batch_task_reports_progress_and_is_not_run_twice(celery_gateway: Gateway) -> None:
    check_batch_task_reports_progress(celery_gateway, "CELERY-BATCH-1")


def test_tasks_are_the_institutions_own(celery_gateway: Gateway) -> None:
    check_tasks_are_the_institutions_own(celery_gateway)


def test_batches_and_catalogue_syncs_run_on_the_worker(celery_gateway: Gateway) -> None:
    body = {"batch_id": "CELERY-2", "operations": [{"interface_type": "1101", "data": person_query(4)}]}
    celery_gateway.ok("POST", "batch/data-upload", json={**body, "options": {"wait": 30}})
    assert batch_done(celery_gateway, "CELERY-2")["success_count"] == 1
    catalog = celery_gateway.post(
        "async/create-task", json={"task_type": "catalog_sync", "task_data": {"catalogs": ["1314"]}}
    )
    task = task_done(celery_gateway, catalog.json()["data"]["task_id"], timeout=60)
    assert task["status"] == "completed" and task["batch"]["success_count"] == 1
    with celery_gateway.state.database.session() as session:
        holders = set(session.scalars(select(AsyncTask.locked_by).where(AsyncTask.status == "completed")))
    assert holders and all(
        holder and f":{os.getpid()}:" not in holder for holder in holders
    )  # never this process


# ------------------------------------------------------------------------------ a worker killed mid-task


def test_a_task_of_a_killed_worker_is_resumed_once_by_another(redis_url: str, tmp_path: Path) -> None:
    namespace = f"test-celery-crash-{secrets.token_hex(6)}"
    settings = settings_for(tmp_path, redis_url, namespace)
    try:
        with (
            start_gateway(settings, sandbox_settings=SandboxSettings.embedded(settings.data_dir)) as (
                app,
                client,
            ),
            process("beat", ["beat"], settings),  # re-sends tasks whose worker died
        ):
            database = app.state.gateway.database
            gateway = Gateway(
                app,
                client,
                settings.database_url,
                tmp_path,
                {"admin": create_key(database, HOSPITAL, "admin").key},
            )
            with worker(
                settings, "worker-1", MEDICAL_SANDBOX_FAULTS=SLOW_FAULTS, MEDICAL_INSURANCE_TIMEOUT="300"
            ) as first:
                assert gateway.post("batch/data-upload", json=crash_batch("CRASH-C")).status_code == 202
                task = {
                    "task_type": "transaction",
                    "task_data": {"interface_type": SLOW_INFNO, "data": slow_write()},
                }
                task_id = gateway.post("async/create-task", json=task).json()["data"]["task_id"]
                slow = operation_ids(database, "CRASH-C")[1]
                wait_until(lambda: in_flight(database, f"bop-{slow}"), 60, "the batch's 4301 in flight")
                wait_until(lambda: in_flight(database, f"task-{task_id}"), 60, "the task's 4301 in flight")
                stop(first, signal.SIGKILL)  # mid-task: no acknowledgement, no cleanup
            with worker(settings, "worker-2"):
                batch = batch_done(gateway, "CRASH-C", timeout=90)
                status = task_done(gateway, task_id, timeout=90)
            check_resumed_exactly_once(database, "CRASH-C", batch, attempts=2)
            (entry,) = ledger_entries(database, f"task-{task_id}")
            assert entry.state == "PENDING" and (status["status"], status["error_code"]) == ("failed", 20005)
    finally:
        purge(redis_url, namespace)
