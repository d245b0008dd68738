"""Batches (spec §3.2): check a batch, store it, run its operations through the engine, report on it.

    plan = plan_data_upload(body, headers, allow=check_permission)     # checked; nothing stored yet
    ref, created = insert_batch(session, institution_id, plan, task_id, now)
    view = await run_batch(state, ref.id, held=lease.held, progress=report)   # by the task that owns it
    view, operations, page = batch_status(database, institution_id, "BATCH20250714001", page=1)

Order and concurrency: the operations of one visit (the same mdtrt_id or psn_no anywhere in their data)
form a lane and run one after another in `sequence` order; lanes run side by side, at most `max_concurrent`
operations at once, and whenever a slot frees the ready operation with the lowest sequence starts.  With
`stop_on_error` nothing new starts after the first failure: what had not started is `skipped`.  An
operation whose outcome is unknown also ends its lane: the visit's later steps are skipped.

Safety: each operation is one `engine.call` as the caller's own institution, recorded in the ledger before
it is sent under request_id "bop-<operation id>".  A write/money operation whose outcome is unknown is
answered as such (20005 + msgid + outcome) and never sent again: not by the batch, and not after a crash —
a resumed batch asks the ledger what became of each operation that was running (`recovered`).

Catalogue batches (batch/catalog-download) hold one operation per 13xx catalogue and run `CatalogSync`,
which is resumable by itself and only reads from the bureau.
"""

from __future__ import annotations

import heapq
import json
import logging
import math
import secrets
from collections.abc import Awaitable, Callable, Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar
from urllib.parse import quote, unquote

import anyio
import anyio.from_thread
import anyio.to_thread
import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from medical_insurance_sdk.answer_shapes import call_data
from medical_insurance_sdk.engine.catalog_sync import CatalogSync, catalog_kinds
from medical_insurance_sdk.engine.engine import BureauEngine
from medical_insurance_sdk.engine.flow import CallResult
from medical_insurance_sdk.engine.idempotency import KEY_PATTERN
from medical_insurance_sdk.engine.settings import InstitutionConfig
from medical_insurance_sdk.exceptions import (
    AuthenticationError,
    DataValidationError,
    MedicalInsuranceException,
    OutcomeUnknownError,
    RequestError,
    UnsupportedInterfaceError,
)
from medical_insurance_sdk.gateway.inputs import RESERVED_HEADERS, from_body
from medical_insurance_sdk.gateway.jobs_models import BatchOperation, BatchOperationLog
from medical_insurance_sdk.gateway.models import Institution
from medical_insurance_sdk.gateway.responses import pagination, utc_timestamp
from medical_insurance_sdk.gateway.state import GatewayState
from medical_insurance_sdk.gateway.tenancy import InstitutionRecord
from medical_insurance_sdk.masking import mask_payload
from medical_insurance_sdk.protocol import jsoncodec
from medical_insurance_sdk.protocol.catalog_layouts import LAYOUTS
from medical_insurance_sdk.protocol.result import FileAnswer
from medical_insurance_sdk.registry import REGISTRY, Safety, Transaction
from medical_insurance_sdk.registry.fields import field_errors
from medical_insurance_sdk.registry.policy import BATCH_OPERATION_MAX_RECORDS, PER_INSTITUTION_CONCURRENT
from medical_insurance_sdk.storage.models import LedgerEntry

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

DATA_UPLOAD = "data_upload"
CATALOG_DOWNLOAD = "catalog_download"
BATCH_ID_PATTERN = r"^[A-Za-z0-9_.:\-]{1,50}$"
IDEMPOTENCY_KEY_PATTERN = "^" + KEY_PATTERN.pattern + "$"
MAX_WAIT_S = 60.0  # a submit may wait this long for the batch to finish before answering 202
FINISHED_STATES = frozenset({"completed", "failed"})
FAILURES = frozenset({"failed", "unknown"})
# An operation's answer is kept for the status page up to this size; larger ones are summarised (the
# caller can query the bureau again).  10,000 operations × 64 KiB stays a bounded table.
OUTPUT_LIMIT_BYTES = 64 * 1024
CATALOG_ERRORS_SHOWN = 20
STOPPED = "批次因前序操作失败而停止（stop_on_error），该操作未执行"
LANE_ABANDONED = "同一就诊的前序操作结果未知，该操作未执行"


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def iso(moment: datetime | None) -> str | None:
    """A stored (naive UTC) time in the answers' format, "2025-07-14T10:30:00Z"."""
    return utc_timestamp(moment.replace(tzinfo=UTC)) if moment is not None else None


def plain_json(value: Any) -> Any:
    """`value` as plain JSON for a JSON column; amounts keep their exact digits as text ("25.00")."""
    return json.loads(jsoncodec.dumps(value), parse_float=str) if value is not None else None


def validated(model: type[M], body: Any) -> M:
    """`body` read by a request model; every problem as the spec's 3000x field errors."""
    if not isinstance(body, Mapping):
        raise RequestError("请求参数格式错误: 请求体应为 JSON 对象", code=10002)
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        # the request's own fields are fields (30002 when missing), not bureau nodes (30001)
        raise DataValidationError(field_errors(exc, frozenset(model.model_fields))) from None


# ------------------------------------------------------------------------------------------ requests


class OperationIn(BaseModel):
    """One operation of §3.2.1: which transaction (interface_type or infno), its data, its place."""

    model_config = ConfigDict(extra="ignore")

    interface_type: str = Field(min_length=1, max_length=64)
    data: Any = None
    sequence: int | None = Field(default=None, ge=0)
    # a write/money operation's Idempotency-Key (e.g. the one a direct call already used): never sent twice
    idempotency_key: str | None = Field(default=None, pattern=IDEMPOTENCY_KEY_PATTERN)


class BatchOptionsIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    stop_on_error: bool = True
    max_concurrent: int = Field(default=5, ge=1, le=PER_INSTITUTION_CONCURRENT)
    wait: float = Field(default=0, ge=0, le=MAX_WAIT_S)  # seconds the submit may wait for the end


class BatchIn(BaseModel):
    """POST batch/data-upload."""

    model_config = ConfigDict(extra="ignore")

    batch_id: str = Field(pattern=BATCH_ID_PATTERN)
    operations: list[OperationIn] = Field(min_length=1)
    options: BatchOptionsIn = Field(default_factory=BatchOptionsIn)


class CatalogOptionsIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    # one catalogue's failure does not stop the others (as `yibao catalog sync`)
    stop_on_error: bool = False
    # catalogue files are large and the bureau limits their downloads (§6.1.2 catalog_download: 10)
    max_concurrent: int = Field(default=1, ge=1, le=4)
    wait: float = Field(default=0, ge=0, le=MAX_WAIT_S)


class CatalogBatchIn(BaseModel):
    """POST batch/catalog-download: catalogues by infno or interface_type; none named = all of them."""

    model_config = ConfigDict(extra="ignore")

    batch_id: str | None = Field(default=None, pattern=BATCH_ID_PATTERN)
    catalogs: list[str] = Field(default_factory=list)
    options: CatalogOptionsIn = Field(default_factory=CatalogOptionsIn)


@dataclass(frozen=True)
class PlannedOperation:
    position: int
    sequence: int
    lane: int
    tx: Transaction
    data: Any  # as given (flat, node form or rows); turned into the bureau input when it runs
    options: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BatchPlan:
    """A checked batch, ready to store."""

    batch_id: str
    operation_type: str
    operations: tuple[PlannedOperation, ...]
    stop_on_error: bool
    max_concurrent: int
    wait: float = 0


def new_batch_id(now: datetime | None = None) -> str:
    return f"BATCH{(now or utcnow()):%Y%m%d%H%M%S}{secrets.token_hex(4).upper()}"


def header_options(headers: Mapping[str, str]) -> dict[str, str]:
    """The per-call envelope choices the request headers give (X-Operator …), as the routes read them."""
    options: dict[str, str] = {}
    for name, header in RESERVED_HEADERS.items():
        value = headers.get(header)
        if value:
            options[name] = unquote(value)  # Chinese operator names arrive percent-encoded
    return options


def _as_headers(options: Mapping[str, str]) -> dict[str, str]:
    return {
        RESERVED_HEADERS[name]: quote(value) for name, value in options.items() if name in RESERVED_HEADERS
    }


def check_size(body: Any) -> None:
    """10003 before anything else when a batch holds more than §6.2.2's 10,000 operations."""
    operations = body.get("operations") if isinstance(body, Mapping) else None
    if isinstance(operations, list) and len(operations) > BATCH_OPERATION_MAX_RECORDS:
        raise RequestError(
            f"请求数据过大: 一个批次最多 {BATCH_OPERATION_MAX_RECORDS} 项操作（规范 §6.2.2），本批 "
            f"{len(operations)} 项，请拆分为多个批次",
            code=10003,
        )


def plan_data_upload(body: Any, headers: Mapping[str, str], *, allow: Callable[[str], None]) -> BatchPlan:
    """Read and check a §3.2.1 batch; `allow(permission)` refuses what the caller may not do (10009)."""
    check_size(body)
    batch = validated(BatchIn, body)
    transactions: list[Transaction] = []
    unknown: list[str] = []
    for index, op in enumerate(batch.operations):
        tx = REGISTRY.get(op.interface_type)
        if tx is None:
            unknown.append(f"operations[{index}].interface_type={op.interface_type}")
        else:
            transactions.append(tx)
    if unknown:
        raise UnsupportedInterfaceError(f"不支持的接口类型: {'; '.join(unknown)}")
    for permission in sorted({t.permission for t in transactions}):
        allow(permission)  # every permission first: a batch the caller may not run entirely is not started
    defaults = header_options(headers)
    lanes = lanes_of([visit_keys(op.data) for op in batch.operations])
    operations = tuple(
        PlannedOperation(
            position=index,
            sequence=op.sequence if op.sequence is not None else index + 1,
            lane=lanes[index],
            tx=tx,
            data=op.data if op.data is not None else {},
            options={**defaults, "idempotency_key": op.idempotency_key} if op.idempotency_key else defaults,
        )
        for index, (op, tx) in enumerate(zip(batch.operations, transactions, strict=True))
    )
    return BatchPlan(
        batch.batch_id,
        DATA_UPLOAD,
        operations,
        stop_on_error=batch.options.stop_on_error,
        max_concurrent=batch.options.max_concurrent,
        wait=batch.options.wait,
    )


def plan_catalog_download(body: Any) -> BatchPlan:
    """Read and check a catalogue batch: each named catalogue (or all) becomes one sync operation."""
    batch = validated(CatalogBatchIn, body)
    known = catalog_kinds()
    kinds: list[str] = []
    unknown: list[str] = []
    for name in batch.catalogs or known:
        tx = REGISTRY.get(name)
        if tx is None or tx.infno not in known:
            unknown.append(name)
        elif tx.infno not in kinds:
            kinds.append(tx.infno)
    if unknown:
        raise UnsupportedInterfaceError(
            f"不支持下载的目录: {', '.join(unknown)}（可下载: {', '.join(known)}）"
        )
    operations = tuple(
        PlannedOperation(position=i, sequence=i + 1, lane=i, tx=REGISTRY[kind], data={"kind": kind})
        for i, kind in enumerate(kinds)
    )
    return BatchPlan(
        batch.batch_id or new_batch_id(),
        CATALOG_DOWNLOAD,
        operations,
        stop_on_error=batch.options.stop_on_error,
        max_concurrent=batch.options.max_concurrent,
        wait=batch.options.wait,
    )


def visit_keys(data: Any) -> set[str]:
    """The visits and persons an operation's data names (mdtrt_id, psn_no), wherever they sit."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                if isinstance(value, Mapping | list):
                    walk(value)
                elif key in ("mdtrt_id", "psn_no") and value not in (None, ""):
                    found.add(f"{key}:{value}")
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(data)
    return found


def lanes_of(keys: list[set[str]]) -> list[int]:
    """Group operations that share a visit or person key (transitively); the lane is its first member."""
    parent = list(range(len(keys)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for index, names in enumerate(keys):
        for name in names:
            if name in owner:
                a, b = root(index), root(owner[name])
                parent[max(a, b)] = min(a, b)
            else:
                owner[name] = index
    return [root(i) for i in range(len(keys))]


# ------------------------------------------------------------------------------------------- storage


@dataclass(frozen=True)
class BatchRef:
    id: int
    batch_id: str
    task_id: str | None
    status: str


def insert_batch(
    session: Session, institution_id: int, plan: BatchPlan, task_id: str, now: datetime
) -> tuple[BatchRef, bool]:
    """Store the batch and its operations in `session`; (existing batch, False) when the id is taken.

    The unique (institution_id, batch_id) makes a concurrent second submit fail at commit; the caller
    then reads the winner with `find_batch`.
    """
    existing = find_batch(session, institution_id, plan.batch_id)
    if existing is not None:
        return existing, False
    row = BatchOperationLog(
        batch_id=plan.batch_id,
        institution_id=institution_id,
        operation_type=plan.operation_type,
        total_count=len(plan.operations),
        success_count=0,
        failed_count=0,
        status="pending",
        stop_on_error=plan.stop_on_error,
        max_concurrent=plan.max_concurrent,
        task_id=task_id,
        start_time=now,
    )
    session.add(row)
    session.flush()
    session.execute(
        insert(BatchOperation),
        [
            {
                "batch_log_id": row.id,
                "position": op.position,
                "sequence": op.sequence,
                "lane": op.lane,
                "interface_type": op.tx.interface_type,
                "infno": op.tx.infno,
                "input": {"data": plain_json(op.data)},
                "options": dict(op.options),
                "status": "pending",
            }
            for op in plan.operations
        ],
    )
    return BatchRef(row.id, row.batch_id, task_id, row.status), True


def find_batch(session: Session, institution_id: int, batch_id: str) -> BatchRef | None:
    row = session.scalar(
        select(BatchOperationLog).where(
            BatchOperationLog.institution_id == institution_id, BatchOperationLog.batch_id == batch_id
        )
    )
    return BatchRef(row.id, row.batch_id, row.task_id, row.status) if row is not None else None


def _start_operation(database: Any, op_id: int, now: datetime) -> tuple[Any, dict[str, str]]:
    """Mark the operation running (committed before anything is sent) and hand out its data."""
    with database.session() as s:
        row = s.get(BatchOperation, op_id)
        assert row is not None
        row.status = "running"
        row.started_at = now
        stored = row.input or {}
        return stored.get("data"), dict(row.options or {})


def _record(database: Any, op_id: int, outcome: Outcome, now: datetime) -> None:
    """The operation's outcome and the batch's counters, in one transaction."""
    with database.session() as s:
        row = s.get(BatchOperation, op_id)
        assert row is not None
        _apply(row, outcome, now)
        counter = {"success": "success_count", "failed": "failed_count", "unknown": "failed_count"}.get(
            outcome.status
        )
        if counter is not None:
            column = getattr(BatchOperationLog, counter)
            s.execute(
                update(BatchOperationLog)
                .where(BatchOperationLog.id == row.batch_log_id)
                .values({counter: column + 1})
            )


def _apply(row: BatchOperation, outcome: Outcome, now: datetime) -> None:
    row.status = outcome.status
    row.error_code = outcome.error_code
    row.error_message = outcome.error_message
    row.msgid = outcome.msgid
    row.outcome = outcome.outcome
    row.output = outcome.output
    if outcome.status != "success" and outcome.infcode is not None:
        row.output = {"infcode": outcome.infcode}  # the bureau's code: -2 makes a 5000x code its refusal
    row.finished_at = now
    if row.input is not None:
        # done: the personal data it carried is no longer needed in clear (spec §7.3.2)
        row.input = mask_payload(row.input)


def _skip(database: Any, op_ids: Iterable[int], reason: str, now: datetime) -> None:
    ids = list(op_ids)
    if not ids:
        return
    with database.session() as s:
        for row in s.scalars(select(BatchOperation).where(BatchOperation.id.in_(ids))):
            _apply(row, Outcome("skipped", error_message=reason), now)


# -------------------------------------------------------------------------------------------- calling


@dataclass(frozen=True)
class Outcome:
    """How one operation ended.  `file` (not stored) is a 9102 answer's content."""

    status: str  # success | failed | unknown | skipped
    error_code: int | None = None
    error_message: str | None = None
    msgid: str | None = None
    outcome: str | None = None  # unknown | reversed | confirmed
    output: Any = None
    file: FileAnswer | None = None
    infcode: int | None = None  # the bureau's, when it answered: -2 makes a 5000x code its refusal

    @classmethod
    def of_error(cls, exc: MedicalInsuranceException) -> Outcome:
        outcome = exc.details.get("outcome")
        status = "unknown" if isinstance(exc, OutcomeUnknownError) and outcome == "unknown" else "failed"
        infcode = exc.details.get("infcode")
        return cls(
            status,
            exc.code,
            exc.message,
            exc.msgid,
            outcome if isinstance(outcome, str) else None,
            infcode=infcode if isinstance(infcode, int) else None,
        )


def summary(tx: Transaction, result: CallResult, limit: int = OUTPUT_LIMIT_BYTES) -> Any:
    """The answer as stored: the bureau data (or a file's name and size), summarised when too large."""
    if result.file is not None:
        return {"file": result.file.filename, "bytes": len(result.file.content)}
    data = call_data(tx, result)
    text = jsoncodec.dumps(data)
    if len(text) > limit:
        return {"truncated": True, "bytes": len(text)}
    return json.loads(text, parse_float=str)


async def execute_call(
    state: GatewayState,
    institution: InstitutionConfig,
    tx: Transaction,
    data: Any,
    options: Mapping[str, str],
    request_id: str,
    *,
    output_limit: int = OUTPUT_LIMIT_BYTES,
) -> Outcome:
    """One transaction through the engine, as a route would send it; every error becomes an Outcome."""
    try:
        call = from_body(tx, data, _as_headers(options))
        result = await state.engine.call(
            tx.infno,
            call.input,
            institution=institution,
            operator=call.operator,
            operator_name=call.operator_name,
            insuplc_admdvs=call.insuplc_admdvs,
            request_id=request_id,
            idempotency_key=options.get("idempotency_key"),
        )
    except MedicalInsuranceException as exc:
        return Outcome.of_error(exc)
    return Outcome(
        "success",
        msgid=result.msgid,
        outcome="confirmed" if result.state == "CONFIRMED" else None,
        output=summary(tx, result, output_limit),
        file=result.file,
    )


def recovered(database: Any, request_id: str, tx: Transaction) -> Outcome | None:
    """What became of a call started before a crash, from the ledger; None = it may simply run (again).

    None when nothing was recorded (the message never left) or when it is a read.  A write/money message
    that may have left is never sent again: it is `unknown` until the sweeper settles it (2601 / query).
    """
    with database.session() as s:
        entry = s.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.request_id == request_id, LedgerEntry.parent_msgid.is_(None))
            .order_by(LedgerEntry.id.desc())
            .limit(1)
        ).first()
    if entry is None:
        return None
    if entry.state in ("SUCCESS", "CONFIRMED"):
        answer = (entry.response or {}).get("output") if isinstance(entry.response, dict) else None
        outcome = "confirmed" if entry.state == "CONFIRMED" else None
        # the ledger keeps the masked answer only: that is what a resumed batch can show
        return Outcome("success", msgid=entry.msgid, outcome=outcome, output=answer)
    if entry.state == "REVERSED":
        message = f"医保局未应答，报文 {entry.msgid} 已通过 2601 自动冲正，可重新办理"
        return Outcome("failed", 20005, message, entry.msgid, "reversed")
    if entry.state == "FAILED":
        return Outcome(
            "failed", entry.error_code or 20003, entry.error_message, entry.msgid, infcode=entry.infcode
        )
    if tx.safety is Safety.QUERY:
        return None  # a read whose answer was lost: asking again changes nothing
    message = f"进程中断时报文 {entry.msgid} 已发出或正在发出，结果未知；补偿程序将自动核对，请勿重复办理"
    return Outcome("unknown", 20005, message, entry.msgid, "unknown")


def acting_as(state: GatewayState, institution_id: int) -> InstitutionConfig:
    """The engine's view of a stored job's institution (10007 once it is gone or deactivated)."""
    with state.database.session() as s:
        row = s.get(Institution, institution_id)
        record = InstitutionRecord.of(row) if row is not None else None
    if record is None or not record.active:
        raise AuthenticationError(f"机构信息无效: 机构 {institution_id} 不存在或已停用", code=10007)
    return state.tenants.config_for(record)


# -------------------------------------------------------------------------------------------- running


@dataclass(frozen=True, order=True)
class _Op:
    """What the scheduler knows of an operation; ordered by (sequence, position)."""

    sequence: int
    position: int
    id: int = field(compare=False)
    lane: int = field(compare=False)
    infno: str = field(compare=False)
    status: str = field(compare=False)


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
) -> dict[str, Any] | None:
    """Run (or resume) a stored batch; returns its final view, or None when the lease was lost midway."""
    database = state.database
    batch = await _db(_load_batch, database, batch_log_id)
    institution = await _db(acting_as, state, batch.institution_id)
    ops: list[_Op] = await _db(_load_operations, database, batch_log_id)
    for op in [o for o in ops if o.status == "running"]:  # interrupted by a crash
        await _db(_resume, database, op, batch.operation_type)
    ops = await _db(_load_operations, database, batch_log_id)
    # a visit whose step ended unknown (before the crash, or just now from the ledger) goes no further
    unknown: dict[int, _Op] = {}
    for op in ops:
        if op.status == "unknown":
            unknown.setdefault(op.lane, op)
    orphans = [o.id for o in ops if o.status == "pending" and o.lane in unknown and o > unknown[o.lane]]
    if orphans:
        await _db(_skip, database, orphans, LANE_ABANDONED, utcnow())
        ops = await _db(_load_operations, database, batch_log_id)
    tracker = _Progress(len(ops), sum(1 for o in ops if o.status not in ("pending", "running")))
    stopped = batch.stop_on_error and any(o.status in FAILURES for o in ops)

    async def run_one(op: _Op) -> str:
        try:
            outcome = await _run_operation(state, institution, batch.operation_type, op)
        except Exception as exc:  # a bug or a lost database must not take the other operations down
            log.exception("batch %s operation %s failed unexpectedly", batch.batch_id, op.sequence)
            outcome = Outcome("failed", 60010, f"服务进程异常: {type(exc).__name__}")
        try:
            await _db(_record, database, op.id, outcome, utcnow())
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
        await _db(_skip, database, [o.id for o in abandoned], LANE_ABANDONED, utcnow())
    else:
        left = pending
    if left and not stopped:
        return None  # the lease was lost: the task's next owner resumes the rest
    await _db(_skip, database, [o.id for o in left], STOPPED, utcnow())
    return await _db(_finish, database, batch_log_id, utcnow())


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


async def _run_operation(
    state: GatewayState, institution: InstitutionConfig, operation_type: str, op: _Op
) -> Outcome:
    tx = REGISTRY[op.infno]
    data, options = await _db(_start_operation, state.database, op.id, utcnow())
    if operation_type == CATALOG_DOWNLOAD:
        return await sync_catalog(state, institution, op.infno)
    return await execute_call(state, institution, tx, data, options, f"bop-{op.id}")


async def _schedule(
    ops: list[_Op],
    run: Callable[[_Op], Awaitable[str]],
    *,
    limit: int,
    stop_on_error: bool,
    held: Callable[[], bool],
) -> tuple[bool, list[_Op], list[_Op]]:
    """Start operations lowest sequence first, one per lane, at most `max_concurrent` at once.

    Returns (stopped by an error, operations abandoned after an unknown outcome in their lane, operations
    never started).  A started operation always runs to its end: cancelling it mid-call (a shutdown)
    would turn a clean answer into an unknown outcome.
    """
    lanes: dict[int, list[_Op]] = {}
    for op in sorted(ops, reverse=True):
        lanes.setdefault(op.lane, []).append(op)  # each lane's next operation is at its end
    ready = [lane[-1] for lane in lanes.values()]
    heapq.heapify(ready)
    abandoned: list[_Op] = []
    stopped = False
    running = 0
    send, receive = anyio.create_memory_object_stream[tuple[_Op, str]](max_buffer_size=math.inf)

    async def one(op: _Op) -> None:
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


def _load_batch(database: Any, batch_log_id: int) -> BatchOperationLog:
    with database.session() as s:
        row = s.get(BatchOperationLog, batch_log_id)
        if row is None:
            raise DataValidationError(message=f"数据不存在: 批次 {batch_log_id}", code=30007)
        if row.status == "pending":
            row.status = "processing"
        return row


def _load_operations(database: Any, batch_log_id: int) -> list[_Op]:
    with database.session() as s:
        rows = s.execute(
            select(
                BatchOperation.sequence,
                BatchOperation.position,
                BatchOperation.id,
                BatchOperation.lane,
                BatchOperation.infno,
                BatchOperation.status,
            ).where(BatchOperation.batch_log_id == batch_log_id)
        ).all()
    return sorted(_Op(*row) for row in rows)


def _resume(database: Any, op: _Op, operation_type: str) -> None:
    """An operation left running by a crash: settled from the ledger, or back to pending if it never left."""
    found = None
    if operation_type == DATA_UPLOAD:
        found = recovered(database, f"bop-{op.id}", REGISTRY[op.infno])
    # a catalogue sync only reads, and picks up its own pending file: it simply runs again
    if found is None:
        with database.session() as s:
            s.execute(update(BatchOperation).where(BatchOperation.id == op.id).values(status="pending"))
        return
    _record(database, op.id, found, utcnow())


def _finish(database: Any, batch_log_id: int, now: datetime) -> dict[str, Any]:
    with database.session() as s:
        row = s.get(BatchOperationLog, batch_log_id)
        assert row is not None
        counts = _counts(s, batch_log_id)
        row.success_count = counts.get("success", 0)
        row.failed_count = counts.get("failed", 0) + counts.get("unknown", 0)
        first = None
        if row.failed_count:
            first = s.scalars(
                select(BatchOperation)
                .where(BatchOperation.batch_log_id == batch_log_id, BatchOperation.status.in_(FAILURES))
                .order_by(BatchOperation.sequence, BatchOperation.position)
                .limit(1)
            ).first()
        stopped = row.stop_on_error and first is not None
        row.status = "failed" if stopped else "completed"
        if first is not None:
            skipped = counts.get("skipped", 0)
            tail = f"，其后 {skipped} 项未执行" if stopped and skipped else ""
            row.error_message = (
                f"第 {first.sequence} 项（{first.infno}）{_STATUS_TEXT[first.status]}: "
                f"{first.error_message or first.error_code}{tail}"
            )
        row.end_time = now
        # the first failure as its operation answers it: a batch task's error keeps its outcome and infcode
        return {
            **batch_view(row, counts),
            "error_code": first.error_code if first is not None else None,
            "failed_operation": operation_view(first) if first is not None else None,
        }


_STATUS_TEXT = {"failed": "失败", "unknown": "结果未知"}


# --------------------------------------------------------------------------------------------- views


def _counts(session: Session, batch_log_id: int) -> dict[str, int]:
    rows = session.execute(
        select(BatchOperation.status, func.count())
        .where(BatchOperation.batch_log_id == batch_log_id)
        .group_by(BatchOperation.status)
    ).all()
    return {status: int(n) for status, n in rows}


def batch_view(row: BatchOperationLog, counts: Mapping[str, int]) -> dict[str, Any]:
    """A batch as answered: the §4.2 columns plus how many are unknown, skipped, pending and running."""
    finished = sum(n for status, n in counts.items() if status not in ("pending", "running"))
    return {
        "batch_id": row.batch_id,
        "task_id": row.task_id,
        "operation_type": row.operation_type,
        "status": row.status,
        "total_count": row.total_count,
        "success_count": counts.get("success", 0),
        "failed_count": counts.get("failed", 0) + counts.get("unknown", 0),
        "unknown_count": counts.get("unknown", 0),
        "skipped_count": counts.get("skipped", 0),
        "pending_count": counts.get("pending", 0),
        "running_count": counts.get("running", 0),
        "progress": round(100 * finished / row.total_count) if row.total_count else 100,
        "options": {"stop_on_error": row.stop_on_error, "max_concurrent": row.max_concurrent},
        "start_time": iso(row.start_time),
        "end_time": iso(row.end_time),
        "error_message": row.error_message,
    }


def operation_view(row: BatchOperation) -> dict[str, Any]:
    return {
        "sequence": row.sequence,
        "position": row.position,
        "interface_type": row.interface_type,
        "infno": row.infno,
        "status": row.status,
        "error_code": row.error_code,
        "error_message": row.error_message,
        "msgid": row.msgid,
        "outcome": row.outcome,
        "infcode": _infcode(row),
        "output": row.output,
        "started_at": iso(row.started_at),
        "finished_at": iso(row.finished_at),
    }


def _infcode(row: BatchOperation) -> int | None:
    if row.status in ("success", "pending", "running", "skipped") or not isinstance(row.output, dict):
        return None
    infcode = row.output.get("infcode")
    return infcode if isinstance(infcode, int) else None


def batch_summary(database: Any, batch_log_id: int) -> dict[str, Any]:
    with database.session() as s:
        row = s.get(BatchOperationLog, batch_log_id)
        assert row is not None
        return batch_view(row, _counts(s, batch_log_id))


def batch_status(
    database: Any, institution_id: int, batch_id: str, *, page: int = 1, page_size: int = 100
) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
    """(batch view, one page of its operations in sequence order, §1.4 pagination); 30007 if not this
    institution's."""
    with database.session() as s:
        row = s.scalar(
            select(BatchOperationLog).where(
                BatchOperationLog.institution_id == institution_id, BatchOperationLog.batch_id == batch_id
            )
        )
        if row is None:
            raise DataValidationError(message=f"数据不存在: 批次 {batch_id}", code=30007)
        counts = _counts(s, row.id)
        operations = s.scalars(
            select(BatchOperation)
            .where(BatchOperation.batch_log_id == row.id)
            .order_by(BatchOperation.sequence, BatchOperation.position)
            .offset((page - 1) * page_size)
            .limit(page_size)
        ).all()
        pages = max(1, math.ceil(row.total_count / page_size))
        return (
            batch_view(row, counts),
            [operation_view(op) for op in operations],
            pagination(total=row.total_count, page=page, page_size=page_size, total_pages=pages),
        )


# ------------------------------------------------------------------------------------------ catalogues


class LoopTransport(httpx.BaseTransport):
    """A blocking transport that sends through the gateway's async client, from a worker thread.

    `CatalogSync` is synchronous; run in a worker thread (anyio.to_thread), it reaches the bureau through
    the same client, transport and connection pool as every other call of the gateway.
    """

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        inner = httpx.Request(
            request.method,
            request.url,
            headers=request.headers,
            content=request.read(),
            extensions=request.extensions,
        )
        status, headers, content = anyio.from_thread.run(self._exchange, inner)
        return httpx.Response(status, headers=headers, content=content, request=request)

    async def _exchange(self, request: httpx.Request) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        response = await self.client.send(request)
        try:
            return response.status_code, response.headers.raw, await response.aread()
        finally:
            await response.aclose()


async def sync_catalog(state: GatewayState, institution: InstitutionConfig, kind: str) -> Outcome:
    """One catalogue through `CatalogSync` (13xx → 9102 → catalog_item), as the institution.

    Progress is reported per catalogue, not per row: the sync's import transaction holds SQLite's writer
    lock, and a progress write from inside it would wait for itself.
    """
    engine = state.engine
    bureau = BureauEngine(
        state.database, engine.msgids.allocator, transport=LoopTransport(engine.client), flow=engine.flow
    )
    try:
        sync = CatalogSync(bureau, state.database)
        results = await anyio.to_thread.run_sync(sync.sync, institution, [kind])
    except MedicalInsuranceException as exc:
        return Outcome.of_error(exc)
    finally:
        bureau.close()
    result = results[0]
    output = {
        "kind": result.kind,
        "title": result.title or LAYOUTS[kind].title,
        "files": result.files,
        "rows": result.rows,
        "bad_rows": result.bad_rows,
        "ver_name": result.ver_name,
        "resumed": result.resumed,
        "errors": [{"line": e.line, "reason": e.reason} for e in result.errors[:CATALOG_ERRORS_SHOWN]],
    }
    if result.ok:
        return Outcome("success", output=output)
    code, _, _ = (result.error or "").partition(" - ")
    return Outcome("failed", int(code) if code.isdigit() else 20003, result.error, output=output)
