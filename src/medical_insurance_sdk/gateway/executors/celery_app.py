"""The Celery executor: tasks run on `yibao worker` processes, reached through a Redis broker.

    celery = create_celery(settings)               # a new app per call; nothing is built at import time
    celery.send_task(RUN_TASK, args=[task_id])     # what CeleryExecutor.submit does
    yibao worker --beat                            # a worker, with the periodic schedule

A worker runs `services.tasks.run_task` on the gateway's own state (database, engine, tenants), opened
once per worker process on an event loop in a background thread (`WorkerRuntime`): the same code and the
same atomic claim as the in-process executor.  Messages are acknowledged late and taken one at a time.  A
worker killed mid-task leaves the task `processing` under a lease that runs out; the beat's `recover`
entry then sends it again and another worker resumes it (never re-sending a write/money message: see
services/tasks.py).  A message delivered twice finds the task claimed or finished and does nothing.

Beat schedule (the spec's celery-beat, §10.1): recover abandoned or undelivered tasks every half lease;
the compensation sweep (2601 / query) every `sweeper_interval_s`; the catalogue sync nightly at 02:30
Beijing time; retention of logs and call records (storage/retention.py) daily at 03:30 Beijing time.
Broker keys live under "<celery_namespace>:" and the queue is named after it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import anyio.to_thread
from anyio.from_thread import BlockingPortal, start_blocking_portal
from celery import Celery
from celery.schedules import crontab
from celery.signals import worker_process_shutdown, worker_shutdown

from medical_insurance_sdk.gateway.services.tasks import (
    create_scheduled_catalog_sync,
    run_task,
    runnable,
    utcnow,
    worker_name,
)
from medical_insurance_sdk.gateway.settings import GatewaySettings
from medical_insurance_sdk.gateway.state import GatewayState
from medical_insurance_sdk.gateway.sweeper import sweep_once
from medical_insurance_sdk.storage.retention import run_retention

if TYPE_CHECKING:
    from fastapi import FastAPI

# how a worker process builds the gateway it runs tasks in (gateway.app.create_app)
AppFactory = Callable[[GatewaySettings], "FastAPI"]

log = logging.getLogger(__name__)

RUN_TASK = "yibao.run_task"
RECOVER = "yibao.recover_tasks"
SWEEP = "yibao.compensation_sweep"
CATALOG_SYNC = "yibao.catalog_sync"
RETENTION = "yibao.retention"
# 02:30 in Beijing (UTC+8, no daylight saving) is 18:30 UTC; the schedule runs in UTC so that no time zone
# database is needed on slim images.
CATALOG_SYNC_AT = crontab(hour=18, minute=30)
# 03:30 in Beijing, after the catalogue sync and outside the hospitals' busy hours
RETENTION_AT = crontab(hour=19, minute=30)


def beat_schedule(settings: GatewaySettings) -> dict[str, dict[str, Any]]:
    schedule: dict[str, dict[str, Any]] = {
        "yibao-recover-tasks": {"task": RECOVER, "schedule": max(1.0, settings.task_lease_s / 2)},
        "yibao-catalog-sync": {"task": CATALOG_SYNC, "schedule": CATALOG_SYNC_AT},
        "yibao-retention": {"task": RETENTION, "schedule": RETENTION_AT},
    }
    if settings.sweeper_interval_s > 0:
        schedule["yibao-compensation-sweep"] = {"task": SWEEP, "schedule": settings.sweeper_interval_s}
    return schedule


def create_celery(settings: GatewaySettings, *, runtime: WorkerRuntime | None = None) -> Celery:
    """A Celery app for these settings, with the worker's tasks and the beat schedule registered."""
    if not settings.celery_broker_url:
        raise ValueError("CELERY_BROKER_URL is not set: the Celery executor needs a Redis broker")
    namespace = settings.celery_namespace
    app = Celery(
        f"yibao-{namespace}",
        broker=settings.celery_broker_url,
        backend=settings.celery_result_backend,
        set_as_current=False,
    )
    app.conf.update(
        task_default_queue=namespace,
        broker_transport_options={"global_keyprefix": f"{namespace}:"},
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        task_ignore_result=settings.celery_result_backend is None,
        # the database holds the truth; the message only says "run task X": ack after, one at a time
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        enable_utc=True,
        timezone="UTC",
        beat_schedule=beat_schedule(settings),
    )
    runtime = runtime or WorkerRuntime(settings)

    @app.task(name=RUN_TASK)
    def run(task_id: str) -> bool:
        return runtime.run_task(task_id)

    @app.task(name=RECOVER)
    def recover() -> list[str]:
        stale = runtime.stale_tasks()
        for task_id in stale:
            app.send_task(RUN_TASK, args=[task_id])
        if stale:
            log.info("re-sent %d task(s) nobody was running: %s", len(stale), stale)
        return stale

    @app.task(name=SWEEP)
    def sweep() -> dict[str, str]:
        return runtime.sweep()

    @app.task(name=CATALOG_SYNC)
    def catalog_sync() -> str | None:
        task_id = runtime.schedule_catalog_sync()
        if task_id is not None:
            app.send_task(RUN_TASK, args=[task_id])
        return task_id

    @app.task(name=RETENTION)
    def retention() -> dict[str, int]:
        return runtime.retention()

    def close(**_: Any) -> None:
        runtime.close()

    worker_process_shutdown.connect(close, weak=False)
    worker_shutdown.connect(close, weak=False)
    return app


class WorkerRuntime:
    """The gateway's state inside a worker process, opened on first use (after any fork) and kept.

    It is the gateway's own lifespan (database migrated, engine, embedded sandbox when no bureau URL is
    set) without an in-process executor or sweeper: the worker runs tasks, the beat sweeps.
    """

    def __init__(self, settings: GatewaySettings, open_app: AppFactory | None = None) -> None:
        """`open_app`: the gateway's app factory (`gateway.app.create_app`), handed in by the worker command
        so that this module does not import the app that imports it; without one the runtime only sends."""
        self.settings = settings.model_copy(update={"task_executor": "celery", "sweeper_interval_s": 0.0})
        self.open_app = open_app
        self.worker = worker_name()
        self._lock = threading.Lock()
        self._contexts: list[AbstractContextManager[Any]] = []
        self._portal: BlockingPortal | None = None
        self._state: GatewayState | None = None

    def _open(self) -> tuple[BlockingPortal, GatewayState]:
        with self._lock:
            if self._portal is None or self._state is None:
                if self.open_app is None:
                    raise RuntimeError("this Celery app only sends tasks: run them with `yibao worker`")
                app = self.open_app(self.settings)
                portal_cm = start_blocking_portal()
                portal = portal_cm.__enter__()
                self._contexts.append(portal_cm)
                lifespan = portal.wrap_async_context_manager(app.router.lifespan_context(app))
                lifespan.__enter__()
                self._contexts.append(lifespan)
                self._portal, self._state = portal, app.state.gateway
                self.worker = worker_name()  # after a fork this is another process
            return self._portal, self._state

    def run_task(self, task_id: str) -> bool:
        portal, state = self._open()
        return bool(portal.call(run_task, state, task_id, self.worker))

    def stale_tasks(self, limit: int = 100) -> list[str]:
        """Tasks pending longer than a lease (their message was lost) or whose worker died."""
        _, state = self._open()
        return runnable(state.database, utcnow(), limit=limit, pending_for_s=self.settings.task_lease_s)

    def sweep(self) -> dict[str, str]:
        portal, state = self._open()
        report: dict[str, str] = portal.call(sweep_once, state)
        return report

    def schedule_catalog_sync(self) -> str | None:
        _, state = self._open()
        return create_scheduled_catalog_sync(state.database)

    def retention(self) -> dict[str, int]:
        """Delete what the retention policy no longer keeps; rows deleted per table."""
        _, state = self._open()
        results = run_retention(
            state.database, self.settings.retention_policy(), files_root=self.settings.files_root
        )
        deleted: dict[str, int] = {}
        for result in results:
            deleted[result.table] = deleted.get(result.table, 0) + result.rows
        return deleted

    def close(self) -> None:
        with self._lock:
            contexts, self._contexts = self._contexts, []
            self._portal, self._state = None, None
        for context in reversed(contexts):
            try:
                context.__exit__(None, None, None)
            except Exception:
                log.exception("closing the worker runtime failed")


class CeleryExecutor:
    """The gateway side: hands task ids to the broker; the workers do the rest."""

    name = "celery"

    def __init__(self, settings: GatewaySettings) -> None:
        self.settings = settings
        self._app: Celery | None = None

    def app(self) -> Celery:
        if self._app is None:
            self._app = create_celery(self.settings)
        return self._app

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        if self._app is not None:
            await anyio.to_thread.run_sync(self._app.close)

    async def submit(self, task_id: str) -> None:
        try:
            await anyio.to_thread.run_sync(lambda: self.app().send_task(RUN_TASK, args=[task_id]))
        except Exception:
            # the task is stored: the beat's recovery sends it once the broker is back
            log.warning("task %s not handed to the broker; it will be re-sent", task_id, exc_info=True)
