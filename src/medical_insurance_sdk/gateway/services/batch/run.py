"""Batches, running: the scheduler over lanes, resumption after a crash, the final view.

    view = await run_batch(state, ref.id, submitter=..., held=lease.held, progress=report)

Order and concurrency: the operations of one visit form a lane and run one after another in `sequence`
order; lanes run side by side, at most `max_concurrent` operations at once, and whenever a slot frees the
ready operation with the lowest sequence starts.  With `stop_on_error` nothing new starts after the first
failure: what had not started is `skipped`.  An operation whose outcome is unknown also ends its lane.

Safety: each operation is one `engine.call` as the caller's own institution, recorded in the ledger before
it is sent under request_id "bop-<operation id>".  A write/money operation whose outcome is unknown is
answered as such (20005 + msgid + outcome) and never sent again: not by the batch, and not after a crash —
a resumed batch asks the ledger what became of each operation that was running (`recovered`).
"""

from __future__ import annotations

import heapq
import logging
import math
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from functools import partial
from typing import Any

import anyio
import anyio.from_thread
import anyio.to_thread
from sqlalchemy import select, update

from medical_insurance_sdk.engine.settings import InstitutionConfig
from medical_insurance_sdk.exceptions import (
    MedicalInsuranceException,
)
from medical_insurance_sdk.gateway.jobs_models import BatchOperation
from medical_insurance_sdk.gateway.policies.auth import Caller
from medical_insurance_sdk.gateway.services.batch.calls import (
    Outcome,
    Submitter,
    execute_call,
    job_caller,
    recovered,
    sync_catalog,
)
from medical_insurance_sdk.gateway.services.batch.plan import (
    CATALOG_DOWNLOAD,
    DATA_UPLOAD,
    FAILURES,
    LANE_ABANDONED,
    STOPPED,
    utcnow,
)
from medical_insurance_sdk.gateway.services.batch.store import (
    Op,
    finish_batch,
    load_batch,
    load_operations,
    record_outcome,
    skip_operations,
    start_operation,
)
from medical_insurance_sdk.gateway.state import GatewayState
from medical_insurance_sdk.registry import REGISTRY

log = logging.getLogger(__name__)

# -------------------------------------------------------------------------------------------- running


@dataclass
class _Progress:
    total: int
    done: int

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0


async def _db(function: Callable[..., Any], *args: Any) -> Any:
    return await anyio.to_thread.run_sync(partial(function, *args))


async def run_batch(
    state: GatewayState,
    batch_log_id: int,
    *,
    held: Callable[[], bool],
    progress: Callable[[float], Awaitable[None]],
    submitter: Submitter | None = None,
) -> dict[str, Any] | None:
    """Run (or resume) a stored batch; returns its final view, or None when the lease was lost midway."""
    database = state.database
    batch = await _db(load_batch, database, batch_log_id)
    ops: list[Op] = await _db(load_operations, database, batch_log_id)
    # each operation is admitted as the submitter (role, interface switch, rate limits, concurrency)
    permissions = {REGISTRY[o.infno].permission for o in ops}
    caller = await _db(job_caller, state, batch.institution_id, submitter, permissions)
    institution = caller.config
    for op in [o for o in ops if o.status == "running"]:  # interrupted by a crash
        await _db(_resume, database, op, batch.operation_type)
    ops = await _db(load_operations, database, batch_log_id)
    # a visit whose step ended unknown (before the crash, or just now from the ledger) goes no further
    unknown: dict[int, Op] = {}
    for op in ops:
        if op.status == "unknown":
            unknown.setdefault(op.lane, op)
    orphans = [o.id for o in ops if o.status == "pending" and o.lane in unknown and o > unknown[o.lane]]
    if orphans:
        await _db(skip_operations, database, orphans, LANE_ABANDONED, utcnow())
        ops = await _db(load_operations, database, batch_log_id)
    tracker = _Progress(len(ops), sum(1 for o in ops if o.status not in ("pending", "running")))
    stopped = batch.stop_on_error and any(o.status in FAILURES for o in ops)

    async def run_one(op: Op) -> str:
        try:
            outcome = await _run_operation(state, caller, batch.operation_type, op)
        except Exception as exc:  # a bug or a lost database must not take the other operations down
            log.exception("batch %s operation %s failed unexpectedly", batch.batch_id, op.sequence)
            outcome = Outcome("failed", 60010, f"服务进程异常: {type(exc).__name__}")
        try:
            await _db(record_outcome, database, op.id, outcome, utcnow())
        except Exception:
            log.exception("batch %s: outcome of operation %s not stored", batch.batch_id, op.sequence)
        tracker.done += 1
        await progress(tracker.fraction)
        return outcome.status

    pending = [o for o in ops if o.status == "pending"]
    if pending and not stopped and batch.operation_type == DATA_UPLOAD:
        operators = await _db(_operators, database, batch_log_id, institution.envelope.opter)
        await _sign_in(state, institution, operators)
    if not stopped:
        stopped, abandoned, left = await _schedule(
            pending,
            run_one,
            limit=batch.max_concurrent,
            stop_on_error=batch.stop_on_error,
            held=held,
        )
        await _db(skip_operations, database, [o.id for o in abandoned], LANE_ABANDONED, utcnow())
    else:
        left = pending
    if left and not stopped:
        return None  # the lease was lost: the task's next owner resumes the rest
    await _db(skip_operations, database, [o.id for o in left], STOPPED, utcnow())
    return await _db(finish_batch, database, batch_log_id, utcnow())


async def _sign_in(state: GatewayState, institution: InstitutionConfig, operators: set[str]) -> None:
    """Sign each operator in (9001) before operations run side by side: concurrent first calls of one
    operator would otherwise all sign in at once.  A refusal here is left to the operations to report."""
    for operator in sorted(operators):
        try:
            await state.engine.sign_in(institution, operator)
        except MedicalInsuranceException as exc:
            log.warning("sign-in of %s before a batch failed: %s", operator, exc)


def _operators(database: Any, batch_log_id: int, default: str) -> set[str]:
    """The operators the batch's pending operations act as (`default`: the institution's own)."""
    with database.session() as s:
        options = s.scalars(
            select(BatchOperation.options).where(
                BatchOperation.batch_log_id == batch_log_id, BatchOperation.status == "pending"
            )
        ).all()
    return {str((o or {}).get("operator") or default) for o in options}


async def _run_operation(state: GatewayState, caller: Caller, operation_type: str, op: Op) -> Outcome:
    tx = REGISTRY[op.infno]
    data, options = await _db(start_operation, state.database, op.id, utcnow())
    if operation_type == CATALOG_DOWNLOAD:
        return await sync_catalog(state, caller, op.infno)
    return await execute_call(state, caller, tx, data, options, f"bop-{op.id}")


async def _schedule(
    ops: list[Op],
    run: Callable[[Op], Awaitable[str]],
    *,
    limit: int,
    stop_on_error: bool,
    held: Callable[[], bool],
) -> tuple[bool, list[Op], list[Op]]:
    """Start operations lowest sequence first, one per lane, at most `max_concurrent` at once.

    Returns (stopped by an error, operations abandoned after an unknown outcome in their lane, operations
    never started).  A started operation always runs to its end: cancelling it mid-call (a shutdown)
    would turn a clean answer into an unknown outcome.
    """
    lanes: dict[int, list[Op]] = {}
    for op in sorted(ops, reverse=True):
        lanes.setdefault(op.lane, []).append(op)  # each lane's next operation is at its end
    ready = [lane[-1] for lane in lanes.values()]
    heapq.heapify(ready)
    abandoned: list[Op] = []
    stopped = False
    running = 0
    send, receive = anyio.create_memory_object_stream[tuple[Op, str]](max_buffer_size=math.inf)

    async def one(op: Op) -> None:
        with anyio.CancelScope(shield=True):
            status = await run(op)
            # after a shutdown cancelled the scheduler nobody listens: the outcome is stored all the same
            with suppress(anyio.BrokenResourceError, anyio.ClosedResourceError):
                send.send_nowait((op, status))

    async with anyio.create_task_group() as tasks, receive:
        while True:
            while ready and running < limit and not stopped and held():
                op = heapq.heappop(ready)
                lanes[op.lane].pop()
                running += 1
                tasks.start_soon(one, op)
            if running == 0:
                break
            op, status = await receive.receive()
            running -= 1
            queue = lanes[op.lane]
            if status in FAILURES and stop_on_error:
                stopped = True
            if status == "unknown":
                abandoned.extend(reversed(queue))  # the visit's state is uncertain: its next steps wait
                queue.clear()
            if queue:
                heapq.heappush(ready, queue[-1])
    left = sorted(op for queue in lanes.values() for op in queue)
    return stopped, abandoned, left


def _resume(database: Any, op: Op, operation_type: str) -> None:
    """An operation left running by a crash: settled from the ledger, or back to pending if it never left."""
    found = None
    if operation_type == DATA_UPLOAD:
        found = recovered(database, f"bop-{op.id}", REGISTRY[op.infno])
    # a catalogue sync only reads, and picks up its own pending file: it simply runs again
    if found is None:
        with database.session() as s:
            s.execute(update(BatchOperation).where(BatchOperation.id == op.id).values(status="pending"))
        return
    record_outcome(database, op.id, found, utcnow())
