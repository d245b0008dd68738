"""Async tasks (spec §3.3): create them, claim and run them exactly once, and report on them.

    accepted = create_task(database, institution_id, body, headers, allow=check)   # POST async/create-task
    ran = await run_task(state, task_id, worker="gw-1:4242:9f3a")                  # any executor
    row = find_task(database, institution_id, task_id)                             # 30007 if not its own

Task types (`task_type` + `task_data`): transaction {interface_type, data}; batch {batch_id, operations,
options} — the same as batch/data-upload; catalog_sync {catalogs, options} — the same as
batch/catalog-download.  Batches submitted through batch/* are tasks of these types too.

Exactly once.  A worker claims a task with one conditional UPDATE: pending, or processing with a lease that
has run out (its worker died).  While it works it renews `lease_until` every third of the lease; one that
loses its lease starts nothing new and does not write the result.  A task claimed before (attempts > 1)
was interrupted: a transaction first asks the ledger what became of its message (request_id
"task-<task_id>") and never sends a write/money message twice; a batch settles each interrupted operation
the same way (services/batch/).  Unknown outcomes are left to the compensation sweeper.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, Literal

import anyio
import anyio.to_thread
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from medical_insurance_sdk.answer_shapes import error_data
from medical_insurance_sdk.engine.idempotency import IDEMPOTENCY_HEADER, check_key
from medical_insurance_sdk.exceptions import (
    DataValidationError,
    MedicalInsuranceException,
    UnsupportedInterfaceError,
)
from medical_insurance_sdk.gateway.jobs_models import AsyncTask
from medical_insurance_sdk.gateway.models import Institution
from medical_insurance_sdk.gateway.policies.auth import Caller
from medical_insurance_sdk.gateway.services import batch as batches
from medical_insurance_sdk.gateway.services.batch import (
    BatchPlan,
    Outcome,
    Submitter,
    iso,
    plain_json,
    validated,
)
from medical_insurance_sdk.gateway.services.files import save_bytes
from medical_insurance_sdk.gateway.state import GatewayState
from medical_insurance_sdk.masking import mask_payload
from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.registry.policy import JSON_FIELD_MAX_BYTES
from medical_insurance_sdk.storage.database import Database

log = logging.getLogger(__name__)

TRANSACTION = "transaction"
BATCH = "batch"
CATALOG_SYNC = "catalog_sync"
FINISHED = frozenset({"completed", "failed"})
CATALOG_PERMISSION = "catalog:download"
SUBMITTER = "submitter"  # task_data: who submitted the task (batches.Submitter), admitted as them


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def new_task_id(now: datetime | None = None) -> str:
    return f"TASK{(now or utcnow()):%Y%m%d%H%M%S}{secrets.token_hex(5).upper()}"


def worker_name() -> str:
    """Who holds a lease: host, process and a random part (a restarted process is someone else)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(3)}"


# ------------------------------------------------------------------------------------------- creating


class TaskIn(BaseModel):
    """POST async/create-task."""

    model_config = ConfigDict(extra="ignore")

    task_type: Literal["transaction", "batch", "catalog_sync"]
    task_data: dict[str, Any] = Field(default_factory=dict)


class TransactionIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    interface_type: str = Field(min_length=1, max_length=64)
    data: Any = None
    # or the request's Idempotency-Key header: a task created twice still sends its write/money call once
    idempotency_key: str | None = Field(default=None, pattern=batches.IDEMPOTENCY_KEY_PATTERN)


@dataclass(frozen=True)
class Accepted:
    """A created (or, for a repeated batch_id, found) task, and its batch when it runs one."""

    task: dict[str, Any]
    batch: dict[str, Any] | None = None
    duplicate: bool = False

    @property
    def task_id(self) -> str:
        task_id: str = self.task["task_id"]
        return task_id

    @property
    def finished(self) -> bool:
        return self.task["status"] in FINISHED


def create_task(
    database: Database,
    institution_id: int,
    body: Any,
    headers: Mapping[str, str],
    *,
    allow: Callable[[str], None],
    submitter: Submitter | None = None,
) -> Accepted:
    """Check and store a task of any type (blocking); the caller hands its id to the executor.

    `submitter` is stored with the task: when it runs, it is admitted as them (extensions.admitted)."""
    spec = validated(TaskIn, body)
    if spec.task_type == BATCH:
        plan = batches.plan_data_upload(spec.task_data, headers, allow=allow)
        return create_batch_task(database, institution_id, plan, submitter)
    if spec.task_type == CATALOG_SYNC:
        allow(CATALOG_PERMISSION)
        plan = batches.plan_catalog_download(spec.task_data)
        return create_batch_task(database, institution_id, plan, submitter)
    call = validated(TransactionIn, spec.task_data)
    tx = REGISTRY.get(call.interface_type)
    if tx is None:
        raise UnsupportedInterfaceError(f"不支持的接口类型: {call.interface_type}")
    allow(tx.permission)
    options = batches.header_options(headers)
    key = call.idempotency_key or headers.get(IDEMPOTENCY_HEADER)
    if key:
        options["idempotency_key"] = check_key(key)
    data = {
        "interface_type": tx.interface_type,
        "infno": tx.infno,
        "data": plain_json(call.data if call.data is not None else {}),
        "options": options,
    }
    if submitter is not None:
        data[SUBMITTER] = submitter.stored()
    now = utcnow()
    row = _new_row(institution_id, TRANSACTION, data, now)
    with database.session() as s:
        s.add(row)
    return Accepted(task_view(row))


def create_batch_task(
    database: Database, institution_id: int, plan: BatchPlan, submitter: Submitter | None = None
) -> Accepted:
    """Store a batch and the task that runs it in one transaction; a repeated batch_id finds the first."""
    now = utcnow()
    task_type = CATALOG_SYNC if plan.operation_type == batches.CATALOG_DOWNLOAD else BATCH
    task_id = new_task_id(now)
    created = False
    try:
        with database.session() as s:
            ref, created = batches.insert_batch(s, institution_id, plan, task_id, now)
            if created:
                data: dict[str, Any] = {"batch_log_id": ref.id, "batch_id": ref.batch_id}
                if submitter is not None:
                    data[SUBMITTER] = submitter.stored()
                s.add(_new_row(institution_id, task_type, data, now, task_id=task_id))
    except IntegrityError:  # the same batch_id submitted twice at once: the other one won
        with database.session() as s:
            found = batches.find_batch(s, institution_id, plan.batch_id)
        if found is None:
            raise
        ref, created = found, False
    with database.session() as s:
        task = s.scalar(select(AsyncTask).where(AsyncTask.task_id == ref.task_id))
        view = task_view(task) if task is not None else {"task_id": ref.task_id, "status": ref.status}
    return Accepted(view, batches.batch_summary(database, ref.id), duplicate=not created)


def _new_row(
    institution_id: int, task_type: str, data: dict[str, Any], now: datetime, task_id: str | None = None
) -> AsyncTask:
    return AsyncTask(
        task_id=task_id or new_task_id(now),
        institution_id=institution_id,
        task_type=task_type,
        task_data=data,
        status="pending",
        progress=0,
        attempts=0,
        created_at=now,
    )


def create_scheduled_catalog_sync(database: Database) -> str | None:
    """The nightly catalogue sync (celery beat): one catalog_sync task as the first active institution.

    The bureau's catalogues are the same for every institution of a region, and `catalog_item` is shared:
    one sync is enough.  None when there is no institution or a catalogue sync is still under way.
    """
    with database.session() as s:
        busy = s.scalar(
            select(AsyncTask.id)
            .where(AsyncTask.task_type == CATALOG_SYNC, AsyncTask.status.in_(("pending", "processing")))
            .limit(1)
        )
        institution = s.scalar(
            select(Institution.id).where(Institution.active.is_(True)).order_by(Institution.code).limit(1)
        )
    if busy is not None or institution is None:
        return None
    plan = batches.plan_catalog_download({"batch_id": f"SCHEDULED{utcnow():%Y%m%d%H%M%S}"})
    return create_batch_task(database, institution, plan).task_id


# -------------------------------------------------------------------------------------------- claims


def claim(database: Database, task_id: str, worker: str, lease_s: float, now: datetime) -> bool:
    """Take the task if nobody holds it (pending, or its holder's lease ran out); atomic."""
    with database.session() as s:
        result = s.execute(
            update(AsyncTask)
            .where(AsyncTask.task_id == task_id, _claimable(now))
            .values(
                status="processing",
                locked_by=worker,
                lease_until=now + timedelta(seconds=lease_s),
                attempts=AsyncTask.attempts + 1,
                started_at=func.coalesce(AsyncTask.started_at, now),
            )
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def _claimable(now: datetime) -> Any:
    expired = and_(
        AsyncTask.status == "processing",
        or_(AsyncTask.lease_until.is_(None), AsyncTask.lease_until < now),
    )
    return or_(AsyncTask.status == "pending", expired)


def runnable(database: Database, now: datetime, *, limit: int, pending_for_s: float = 0) -> list[str]:
    """Tasks someone should run: pending (for at least `pending_for_s`), or abandoned by a dead worker."""
    settled = now - timedelta(seconds=pending_for_s)
    with database.session() as s:
        return list(
            s.scalars(
                select(AsyncTask.task_id)
                .where(_claimable(now), or_(AsyncTask.status != "pending", AsyncTask.created_at <= settled))
                .order_by(AsyncTask.created_at)
                .limit(limit)
            )
        )


def renew(database: Database, task_id: str, worker: str, lease_s: float, now: datetime) -> bool:
    with database.session() as s:
        result = s.execute(
            update(AsyncTask)
            .where(
                AsyncTask.task_id == task_id, AsyncTask.locked_by == worker, AsyncTask.status == "processing"
            )
            .values(lease_until=now + timedelta(seconds=lease_s))
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def set_progress(database: Database, task_id: str, worker: str, percent: int) -> None:
    with database.session() as s:
        s.execute(
            update(AsyncTask)
            .where(
                AsyncTask.task_id == task_id, AsyncTask.locked_by == worker, AsyncTask.status == "processing"
            )
            .values(progress=percent)
            .execution_options(synchronize_session=False)
        )


@dataclass(frozen=True)
class Ending:
    """How a task ended, as written to its row."""

    status: str  # completed | failed
    result: Any = None
    error_code: int | None = None
    error_message: str | None = None


def finish(database: Database, task: AsyncTask, worker: str, ending: Ending, now: datetime) -> bool:
    """Write the ending if this worker still holds the task; its data is masked from now on (§7.3.2)."""
    with database.session() as s:
        result = s.execute(
            update(AsyncTask)
            .where(
                AsyncTask.task_id == task.task_id,
                AsyncTask.locked_by == worker,
                AsyncTask.status == "processing",
            )
            .values(
                status=ending.status,
                result=ending.result,
                error_code=ending.error_code,
                error_message=ending.error_message,
                progress=100,
                completed_at=now,
                lease_until=None,
                task_data=mask_payload(task.task_data),
            )
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]


class Lease:
    """Keeps a claimed task's lease alive; `held()` turns False once another worker may have it."""

    def __init__(self, database: Database, task_id: str, worker: str, lease_s: float) -> None:
        self.database, self.task_id, self.worker, self.lease_s = database, task_id, worker, lease_s
        self._held = True

    def held(self) -> bool:
        return self._held

    async def keep(self) -> None:
        while self._held:
            await anyio.sleep(self.lease_s / 3)
            try:
                renewed = await anyio.to_thread.run_sync(
                    renew, self.database, self.task_id, self.worker, self.lease_s, utcnow()
                )
            except Exception:  # a database hiccup: the lease still has two thirds to run
                log.warning("task %s: lease renewal failed, trying again", self.task_id, exc_info=True)
                continue
            if not renewed:
                log.error("task %s: lease lost to another worker; stopping without a result", self.task_id)
                self._held = False


# ------------------------------------------------------------------------------------------- running


async def run_task(state: GatewayState, task_id: str, worker: str) -> bool:
    """Claim and run one task; False when somebody else has it (or it is finished)."""
    database = state.database
    lease_s = state.settings.task_lease_s
    if not await anyio.to_thread.run_sync(claim, database, task_id, worker, lease_s, utcnow()):
        return False
    task: AsyncTask = await anyio.to_thread.run_sync(_load, database, task_id)
    lease = Lease(database, task_id, worker, lease_s)
    async with anyio.create_task_group() as background:
        background.start_soon(lease.keep)
        try:
            ending = await _perform(state, task, lease, worker)
        except MedicalInsuranceException as exc:
            ending = Ending("failed", error_data(exc), exc.code, exc.message)
        except Exception as exc:
            log.exception("task %s (%s) failed unexpectedly", task_id, task.task_type)
            ending = Ending("failed", None, 60010, f"服务进程异常: {type(exc).__name__}")
        finally:
            background.cancel_scope.cancel()
    if ending is None or not lease.held():
        return False  # the next holder resumes it
    written = await anyio.to_thread.run_sync(finish, database, task, worker, ending, utcnow())
    if written:
        log.info("task %s (%s) %s after %d attempt(s)", task_id, task.task_type, ending.status, task.attempts)
    return bool(written)


def _load(database: Database, task_id: str) -> AsyncTask:
    with database.session() as s:
        row = s.scalar(select(AsyncTask).where(AsyncTask.task_id == task_id))
        assert row is not None
        return row


async def _perform(state: GatewayState, task: AsyncTask, lease: Lease, worker: str) -> Ending | None:
    if task.task_type == TRANSACTION:
        return await _run_transaction(state, task)
    last = [-1]

    async def progress(fraction: float) -> None:
        percent = min(99, int(fraction * 100))  # 100 only once the result is written
        if percent != last[0]:
            last[0] = percent
            try:
                await anyio.to_thread.run_sync(set_progress, state.database, task.task_id, worker, percent)
            except Exception:  # progress is a courtesy (SQLite may be busy with a catalogue import)
                log.debug("task %s: progress %d%% not stored", task.task_id, percent, exc_info=True)

    view = await batches.run_batch(
        state,
        task.task_data["batch_log_id"],
        held=lease.held,
        progress=progress,
        submitter=Submitter.from_stored(task.task_data.get(SUBMITTER)),
    )
    if view is None:
        return None
    if view["status"] == "completed":
        return Ending("completed", view)
    # stopped by stop_on_error: the task fails with the first failing operation's code
    return Ending("failed", view, view.get("error_code") or 50010, view.get("error_message"))


async def _run_transaction(state: GatewayState, task: AsyncTask) -> Ending:
    data = task.task_data
    tx = REGISTRY[data["infno"]]
    submitter = Submitter.from_stored(data.get(SUBMITTER))
    # admitted as its submitter when it runs (role, interface switch, rate limits, concurrency)
    caller = await anyio.to_thread.run_sync(
        batches.job_caller, state, task.institution_id, submitter, (tx.permission,)
    )
    institution = caller.config
    request_id = f"task-{task.task_id}"
    found = None
    if task.attempts > 1:  # claimed before: its message may already have left
        found = await anyio.to_thread.run_sync(batches.recovered, state.database, request_id, tx)
    outcome = found or await _send(state, caller, task, request_id)
    result: dict[str, Any] = {
        "interface_type": tx.interface_type,
        "infno": tx.infno,
        "msgid": outcome.msgid,
        "outcome": outcome.outcome,
    }
    if outcome.status != "success":
        if outcome.infcode is not None:
            result["infcode"] = outcome.infcode  # the task's answer tells a bureau refusal (-2) apart
        return Ending("failed", result, outcome.error_code, outcome.error_message)
    if outcome.file is not None:
        # a 9102 answer is a file: kept with the institution's files, fetched with file/download
        stored = await anyio.to_thread.run_sync(
            partial(
                save_bytes,
                state.database,
                state.settings.files_root,
                task.institution_id,
                institution.code,
                outcome.file.filename or f"{tx.infno}_{outcome.msgid}.zip",
                outcome.file.content,
            )
        )
        result["file"] = stored
    else:
        result["data"] = outcome.output
    return Ending("completed", result)


async def _send(state: GatewayState, caller: Caller, task: AsyncTask, request_id: str) -> Outcome:
    """The task's one call; once started it runs to its answer (a shutdown must not leave it unknown)."""
    data = task.task_data
    with anyio.CancelScope(shield=True):
        outcome = await batches.execute_call(
            state,
            caller,
            REGISTRY[data["infno"]],
            data.get("data") or {},
            data.get("options") or {},
            request_id,
            output_limit=JSON_FIELD_MAX_BYTES,
        )
    return outcome


# --------------------------------------------------------------------------------------------- views


def find_task(database: Database, institution_id: int, task_id: str) -> AsyncTask:
    """The institution's own task; 30007 for any other (another institution's task does not exist)."""
    with database.session() as s:
        row = s.scalar(
            select(AsyncTask).where(AsyncTask.task_id == task_id, AsyncTask.institution_id == institution_id)
        )
    if row is None:
        raise DataValidationError(message=f"数据不存在: 任务 {task_id}", code=30007)
    return row


def task_view(row: AsyncTask) -> dict[str, Any]:
    """A task as §3.3 answers it (status, progress %); its data stays inside."""
    data = row.task_data or {}
    return {
        "task_id": row.task_id,
        "task_type": row.task_type,
        "status": row.status,
        "progress": row.progress,
        "attempts": row.attempts,
        "interface_type": data.get("interface_type"),
        "batch_id": data.get("batch_id"),
        "error_code": row.error_code,
        "error_message": row.error_message,
        "created_at": iso(row.created_at),
        "started_at": iso(row.started_at),
        "completed_at": iso(row.completed_at),
    }
