"""The in-process executor (the default): tasks run on the gateway's own event loop, a few at a time.

    executor = InProcessExecutor(state); await executor.start(); await executor.submit(task_id)

A submitted task starts at once when a slot is free.  Every `poll_s` the executor also asks the database
for tasks nobody runs: those another gateway worker accepted but has no room for, and those a crashed
worker left behind once their lease ran out.  So a task survives a restart: it lives in the database, and
the next gateway to start picks it up and resumes it (services/tasks.py).
"""

from __future__ import annotations

import logging
from contextlib import AsyncExitStack

import anyio
import anyio.to_thread
from anyio.abc import TaskGroup

from medical_insurance_sdk.gateway.services.tasks import run_task, runnable, utcnow, worker_name
from medical_insurance_sdk.gateway.state import GatewayState

log = logging.getLogger(__name__)

# Tasks one gateway process runs at once; each batch has its own max_concurrent inside.
DEFAULT_SLOTS = 4


class InProcessExecutor:
    name = "inprocess"

    def __init__(
        self, state: GatewayState, *, slots: int = DEFAULT_SLOTS, poll_s: float | None = None
    ) -> None:
        self.state = state
        self.slots = slots
        # a crashed worker's task is found within a quarter of its lease after the lease ran out
        self.poll_s = poll_s if poll_s is not None else min(2.0, max(0.05, state.settings.task_lease_s / 4))
        self.worker = worker_name()
        self._running: set[str] = set()
        self._wake = anyio.Event()
        self._stack: AsyncExitStack | None = None

    async def start(self) -> None:
        stack = AsyncExitStack()
        tasks = await stack.enter_async_context(anyio.create_task_group())
        stack.callback(tasks.cancel_scope.cancel)  # runs first on close: then the group is left
        tasks.start_soon(self._loop, tasks)
        self._stack = stack

    async def stop(self) -> None:
        """Stop taking tasks; operations already sent run to their answer (they are shielded)."""
        stack, self._stack = self._stack, None
        if stack is not None:
            await stack.aclose()

    async def submit(self, task_id: str) -> None:
        self._wake.set()

    async def _loop(self, tasks: TaskGroup) -> None:
        while True:
            free = self.slots - len(self._running)
            if free > 0:
                try:
                    found = await anyio.to_thread.run_sync(
                        lambda: runnable(self.state.database, utcnow(), limit=self.slots + len(self._running))
                    )
                except Exception:
                    log.exception("looking for tasks failed; trying again in %g s", self.poll_s)
                    found = []
                for task_id in found:
                    if task_id not in self._running and len(self._running) < self.slots:
                        self._running.add(task_id)
                        tasks.start_soon(self._run, task_id)
            with anyio.move_on_after(self.poll_s):
                await self._wake.wait()
            self._wake = anyio.Event()

    async def _run(self, task_id: str) -> None:
        try:
            await run_task(self.state, task_id, self.worker)
        except Exception:
            log.exception("task %s could not be run", task_id)
        finally:
            self._running.discard(task_id)
            self._wake.set()
