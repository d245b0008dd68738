"""Batches (spec §3.2), what is asked: the request models, and a checked `BatchPlan` made of them.

    plan = plan_data_upload(body, headers, allow=check_permission)     # checked; nothing stored yet
    plan = plan_catalog_download({"catalogs": ["1301"]})

Order: the operations of one visit (the same mdtrt_id or psn_no anywhere in their data) form a lane and
run one after another in `sequence` order (see `run`).
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import quote, unquote

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from medical_insurance_sdk.engine.catalog_sync import catalog_kinds
from medical_insurance_sdk.engine.idempotency import KEY_PATTERN
from medical_insurance_sdk.exceptions import (
    DataValidationError,
    RequestError,
    UnsupportedInterfaceError,
)
from medical_insurance_sdk.gateway.inputs import RESERVED_HEADERS
from medical_insurance_sdk.gateway.responses import utc_timestamp
from medical_insurance_sdk.protocol import jsoncodec
from medical_insurance_sdk.registry import REGISTRY, Transaction
from medical_insurance_sdk.registry.policy import BATCH_OPERATION_MAX_RECORDS, PER_INSTITUTION_CONCURRENT
from medical_insurance_sdk.registry.validation import field_errors

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


def as_headers(options: Mapping[str, str]) -> dict[str, str]:
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
