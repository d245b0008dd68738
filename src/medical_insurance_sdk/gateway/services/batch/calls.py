"""Batches, one operation: admitted as the caller who submitted it, sent through the engine, an `Outcome`.

    outcome = await execute_call(state, caller, tx, data, options, "bop-17")
    outcome = await sync_catalog(state, caller, "1301")
    found = recovered(database, "bop-17", tx)           # after a crash: what the ledger knows

Each operation passes `extensions.admitted` as a direct call of its transaction would: the submitter's
role, the institution's interface switch, rate limits and concurrency.  A refusal is the operation's
outcome (403/10009, 404/20002, 429/10004), never a way around the policies.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import anyio
import anyio.from_thread
import anyio.to_thread
import httpx
from sqlalchemy import select

from medical_insurance_sdk.answer_shapes import call_data
from medical_insurance_sdk.engine.catalog_sync import CatalogSync
from medical_insurance_sdk.engine.engine import BureauEngine
from medical_insurance_sdk.engine.flow import CallResult
from medical_insurance_sdk.engine.settings import InstitutionConfig
from medical_insurance_sdk.exceptions import (
    AuthenticationError,
    MedicalInsuranceException,
    OutcomeUnknownError,
)
from medical_insurance_sdk.gateway.extensions import Admission, admitted
from medical_insurance_sdk.gateway.inputs import from_body
from medical_insurance_sdk.gateway.models import Institution
from medical_insurance_sdk.gateway.policies.auth import Caller
from medical_insurance_sdk.gateway.policies.sizes import check_download, check_input
from medical_insurance_sdk.gateway.services.batch.plan import (
    CATALOG_ERRORS_SHOWN,
    OUTPUT_LIMIT_BYTES,
    as_headers,
)
from medical_insurance_sdk.gateway.state import GatewayState
from medical_insurance_sdk.gateway.tenancy import InstitutionRecord
from medical_insurance_sdk.protocol import jsoncodec
from medical_insurance_sdk.protocol.catalog_layouts import LAYOUTS
from medical_insurance_sdk.protocol.result import FileAnswer
from medical_insurance_sdk.registry import REGISTRY, Safety, Transaction
from medical_insurance_sdk.registry.policy import ROLES, Role
from medical_insurance_sdk.storage.models import LedgerEntry

log = logging.getLogger(__name__)

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
    caller: Caller,
    tx: Transaction,
    data: Any,
    options: Mapping[str, str],
    request_id: str,
    *,
    output_limit: int = OUTPUT_LIMIT_BYTES,
) -> Outcome:
    """One transaction admitted and sent as a route would; every error (a refusal too) becomes an Outcome."""
    institution = caller.config
    try:
        call = from_body(tx, data, as_headers(options)).claimed_by(tx, institution)
        check_input(tx, call.input)  # spec §6.2.2, as a route checks it
        async with admitted(state, Admission(tx, caller)) as admission:
            result = await state.engine.call(
                tx.infno,
                call.input,
                institution=institution,
                operator=call.operator,
                operator_name=call.operator_name,
                insuplc_admdvs=call.insuplc_admdvs,
                request_id=request_id,
                timeout_s=admission.timeout_s,
                idempotency_key=options.get("idempotency_key"),
            )
        if result.file is not None:
            check_download(len(result.file.content), state.settings.download_max_bytes)
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


def _institution(state: GatewayState, institution_id: int) -> InstitutionRecord:
    with state.database.session() as s:
        row = s.get(Institution, institution_id)
        record = InstitutionRecord.of(row) if row is not None else None
    if record is None or not record.active:
        raise AuthenticationError(f"机构信息无效: 机构 {institution_id} 不存在或已停用", code=10007)
    return record


def acting_as(state: GatewayState, institution_id: int) -> InstitutionConfig:
    """The engine's view of a stored job's institution (10007 once it is gone or deactivated)."""
    return state.tenants.config_for(_institution(state, institution_id))


@dataclass(frozen=True)
class Submitter:
    """Who submitted a job, stored with it: a batch operation or a task is admitted as them when it runs."""

    key_id: str
    role: str
    via: Literal["api_key", "jwt"] = "api_key"

    @classmethod
    def of(cls, caller: Caller) -> Submitter:
        return cls(caller.key_id, caller.role.name, caller.via)

    def stored(self) -> dict[str, str]:
        return {"key_id": self.key_id, "role": self.role, "via": self.via}

    @classmethod
    def from_stored(cls, value: Any) -> Submitter | None:
        if not isinstance(value, Mapping) or not isinstance(value.get("role"), str):
            return None
        via: Literal["api_key", "jwt"] = "jwt" if value.get("via") == "jwt" else "api_key"
        return cls(str(value.get("key_id") or ""), value["role"], via)


def job_caller(
    state: GatewayState, institution_id: int, submitter: Submitter | None, permissions: Iterable[str]
) -> Caller:
    """The caller a stored job acts as: its institution (10007 once gone) with its submitter's role.

    A job without a submitter — the nightly catalogue sync, or one stored before submitters were recorded —
    acts with just the `permissions` of the transactions it holds (checked when it was submitted, if it
    was); an unknown role has none.  Either way the interface switch, rate limits and concurrency apply.
    """
    record = _institution(state, institution_id)
    if submitter is None:
        role = Role("submitted", "提交时已核验的权限", frozenset(permissions))
        key_id = "job"
        via: Literal["api_key", "jwt"] = "api_key"
    else:
        role = ROLES.get(submitter.role) or Role(submitter.role, submitter.role, frozenset())
        key_id, via = submitter.key_id, submitter.via
    return Caller(key_id, role, record, state.tenants.config_for(record), via)


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


async def sync_catalog(state: GatewayState, caller: Caller, kind: str) -> Outcome:
    """One catalogue through `CatalogSync` (13xx → 9102 → catalog_item), as the caller's institution,
    admitted as a direct call of the 13xx would be.

    Progress is reported per catalogue, not per row: the sync's import transaction holds SQLite's writer
    lock, and a progress write from inside it would wait for itself.
    """
    engine = state.engine
    bureau = BureauEngine(
        state.database, engine.msgids.allocator, transport=LoopTransport(engine.client), flow=engine.flow
    )
    try:
        sync = CatalogSync(bureau, state.database)
        async with admitted(state, Admission(REGISTRY[kind], caller)):
            results = await anyio.to_thread.run_sync(sync.sync, caller.config, [kind])
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
