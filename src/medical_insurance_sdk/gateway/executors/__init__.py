"""Where async tasks run: one small protocol, two executors, chosen by the settings.

    executor = executor_of(state)          # set up by the lifespan hook `install_task_executor` adds
    await executor.submit(task_id)         # after the task's row is committed

inprocess.py  the default: the gateway's own event loop runs tasks, and polls the database for tasks it
              has not been told about (another worker's, or one a crash left behind).
celery_app.py CELERY_BROKER_URL set: tasks go to `yibao worker` processes through Redis.

Both run `services.tasks.run_task`, which claims a task atomically; submitting a task twice, or to two
executors, runs it once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Protocol

from fastapi import FastAPI

from medical_insurance_sdk.exceptions import ServiceUnavailableError
from medical_insurance_sdk.gateway.extensions import lifespan_hooks
from medical_insurance_sdk.gateway.settings import GatewaySettings
from medical_insurance_sdk.gateway.state import GatewayState

EXECUTOR_KEY = "task_executor"


class TaskExecutor(Protocol):
    """Runs submitted tasks somewhere; `start` and `stop` bracket the gateway's life."""

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def submit(self, task_id: str) -> None: ...


def build_executor(state: GatewayState) -> TaskExecutor:
    """Celery when the settings say so (a broker configured), else the in-process executor."""
    if state.settings.uses_celery:
        from medical_insurance_sdk.gateway.executors.celery_app import CeleryExecutor

        return CeleryExecutor(state.settings)
    from medical_insurance_sdk.gateway.executors.inprocess import InProcessExecutor

    return InProcessExecutor(state)


@asynccontextmanager
async def running_executor(state: GatewayState) -> AsyncIterator[None]:
    """The lifespan hook: the executor lives as long as the gateway."""
    executor = build_executor(state)
    await executor.start()
    state.extras[EXECUTOR_KEY] = executor
    try:
        yield
    finally:
        state.extras.pop(EXECUTOR_KEY, None)
        await executor.stop()


def install_task_executor(app: FastAPI, settings: GatewaySettings) -> None:
    """An INSTALLERS entry: run a task executor during the app's lifespan."""
    lifespan_hooks(app).append(running_executor)


def executor_of(state: GatewayState) -> TaskExecutor:
    executor: TaskExecutor | None = state.extras.get(EXECUTOR_KEY)
    if executor is None:
        raise ServiceUnavailableError("服务暂时不可用: 任务执行器尚未启动")
    return executor
