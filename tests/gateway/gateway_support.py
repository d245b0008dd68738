"""Gateway test support: a started gateway over the embedded sandbox, and a client that calls it in process.

    with start_gateway(gateway_settings(url, tmp)) as (app, client): ...
    gateway.headers("admin")                          X-API-Key + X-Institution-Code of that key
    gateway.post("basic/person-info", role, json=…)  paths are relative to /api/v1/medical-insurance/

`GatewayPortalTransport` hands each request to the app on the event loop that ran its lifespan (an anyio
blocking portal), the way a server would; app crashes come back as HTTP 500, as from a server.  A plain
module, not conftest.py: pytest puts this folder on sys.path.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import httpx
from anyio.from_thread import BlockingPortal, start_blocking_portal
from fastapi import FastAPI
from sqlalchemy import select

from medical_insurance_sdk.gateway import GatewaySettings, create_app
from medical_insurance_sdk.gateway.audit.recorder import flush_audit
from medical_insurance_sdk.gateway.jobs_models import AsyncTask, BatchOperation, BatchOperationLog
from medical_insurance_sdk.gateway.keys import create_key
from medical_insurance_sdk.gateway.models import Institution
from medical_insurance_sdk.gateway.state import GatewayState
from medical_insurance_sdk.gateway.tenancy import NewInstitution, add_institution, find_institution
from medical_insurance_sdk.protocol import jsoncodec
from medical_insurance_sdk.registry import API_PREFIX
from medical_insurance_sdk.registry.policy import ROLES
from medical_insurance_sdk.sandbox.seed import PERSONS, InsuredPerson
from medical_insurance_sdk.sandbox.settings import SandboxSettings
from medical_insurance_sdk.storage.database import Database
from medical_insurance_sdk.storage.models import LedgerEntry

HOSPITAL = "H43028110001"
PHARMACY = "P43028110002"
TEST_JWT_SECRET = "gateway-tests-" + "x" * 40
# One data key for every test gateway: the suites start several gateways (data dirs) on one database
TEST_DATA_KEYS = "ktest:" + base64.b64encode(b"gateway-tests-data-key-32-bytes!").decode()
# Generous for a CI machine, short enough that a timeout test takes about a second.
TEST_BUREAU_TIMEOUT_S = 1.5
JSON = {"Content-Type": "application/json"}


class GatewayPortalTransport(httpx.BaseTransport):
    """Synchronous httpx transport into an ASGI app running on a blocking portal's event loop."""

    def __init__(self, portal: BlockingPortal, app: FastAPI, *, flush_audit: bool = True) -> None:
        self._portal = portal
        self._app = app
        self._flush_audit = flush_audit
        self._asgi = httpx.ASGITransport(app=app, raise_app_exceptions=False)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        inner = httpx.Request(request.method, request.url, headers=request.headers, content=request.read())
        status, headers, content = self._portal.call(self._exchange, inner)
        return httpx.Response(status, headers=headers, content=content, request=request)

    async def _exchange(self, request: httpx.Request) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        response = await self._asgi.handle_async_request(request)
        content = await response.aread()
        if self._flush_audit:  # the audit writes in batches after the answer; tests read its rows at once
            await flush_audit(self._app)
        return response.status_code, response.headers.raw, content


def gateway_settings(database_url: str, data_dir: Path, **overrides: Any) -> GatewaySettings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "data_dir": data_dir,
        "environment": "development",
        "jwt_secret": TEST_JWT_SECRET,
        "data_keys": TEST_DATA_KEYS,
        "sweeper_interval_s": 0,  # outcomes are resolved inside the calls; a sweeper would race the tests
        "bureau_timeout_s": TEST_BUREAU_TIMEOUT_S,
        # the in-process sandbox finishes or drops a message within milliseconds of receiving it
        "bureau_processing_window_s": 0.3,
        "demo_institution": True,
        # the suites revoke keys and expect the next call refused; test_gateway_auth proves the cache
        "auth_cache_ttl_s": 0,
        # the suites call hundreds of routes a minute as one hospital; test_gateway_limits turns them on
        "rate_limits_enabled": False,
        # the suites refuse hundreds of bad credentials a minute; test_api2 proves the per-address throttle
        "auth_failure_limit": "",
        **overrides,
    }
    return GatewaySettings(**values)


@contextmanager
def start_gateway(
    settings: GatewaySettings, *, flush_audit: bool = True, **create: Any
) -> Iterator[tuple[FastAPI, httpx.Client]]:
    """Run `create_app(settings)` with its lifespan on a portal; yields the app and a client into it.

    The client waits for the audit rows of each request to be written (`flush_audit=False`: it does not)."""
    create.setdefault("sandbox_settings", SandboxSettings())  # in memory: a fresh bureau per gateway
    app = create_app(settings, **create)
    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(app.router.lifespan_context(app)),
        httpx.Client(
            transport=GatewayPortalTransport(portal, app, flush_audit=flush_audit), base_url="http://gateway"
        ) as client,
    ):
        yield app, client


@dataclass
class Gateway:
    """A started gateway and the keys the tests call it with."""

    app: FastAPI
    client: httpx.Client
    database_url: str
    data_dir: Path
    keys: dict[str, str] = field(default_factory=dict)  # role → key of the demo hospital
    other_key: str = ""  # admin key of the demo pharmacy

    @property
    def state(self) -> GatewayState:
        state: GatewayState = self.app.state.gateway
        return state

    def headers(self, role: str = "admin", *, institution: str = HOSPITAL) -> dict[str, str]:
        return {"X-API-Key": self.keys[role], "X-Institution-Code": institution}

    def request(self, method: str, path: str, role: str = "admin", **kw: Any) -> httpx.Response:
        headers = {**self.headers(role), **kw.pop("headers", {})}
        return self.client.request(method, API_PREFIX + path, headers=headers, **kw)

    def post(self, path: str, role: str = "admin", **kw: Any) -> httpx.Response:
        return self.request("POST", path, role, **kw)

    def get(self, path: str, role: str = "admin", **kw: Any) -> httpx.Response:
        return self.request("GET", path, role, **kw)

    def ok(self, method: str, path: str, role: str = "admin", **kw: Any) -> dict[str, Any]:
        """The answer body, asserting HTTP 200 and success."""
        response = self.request(method, path, role, **kw)
        body: dict[str, Any] = response.json()
        assert response.status_code == 200 and body["success"] is True, response.text
        return body


# ------------------------------------------------------------------------ outpatient flow (2201 … 2207)

SERVICE_TIME = "2025-07-14 09:30:00"
DOCTOR = {"atddr_no": "D430302000101", "dr_name": "李医生", "dept_code": "NK01", "dept_name": "普通内科"}
DRUG_CODE, DRUG_COUNT, DRUG_PRICE = (
    "XJ01CAA040A001010100001",
    Decimal("2"),
    Decimal("12.50"),
)  # 阿莫西林, 甲类
AMOUNT_PARTS = ("fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt")


def register_visit(gateway: Gateway, who: InsuredPerson, role: str = "hospital_operator", **kw: Any) -> str:
    """2201 (flat body) → the new mdtrt_id."""
    body = gateway.ok(
        "POST",
        "business/outpatient/register",
        role,
        json={
            "psn_no": who.psn_no,
            "insutype": who.insutype,
            "begntime": SERVICE_TIME,
            "mdtrt_cert_type": "02",
            "mdtrt_cert_no": who.certno,
            "ipt_otp_no": f"MZ{who.psn_no[-8:]}",
            "caty": "A03",
            **DOCTOR,
        },
        **kw,
    )
    mdtrt_id: str = body["data"]["data"]["mdtrt_id"]
    return mdtrt_id


def upload_visit(
    gateway: Gateway, who: InsuredPerson, mdtrt_id: str, role: str = "hospital_operator"
) -> None:
    """2203 in node form: mdtrtinfo + diseinfo."""
    gateway.ok(
        "POST",
        "business/outpatient/visit-upload",
        role,
        json={
            "mdtrtinfo": {
                "mdtrt_id": mdtrt_id,
                "psn_no": who.psn_no,
                "med_type": "11",
                "begntime": SERVICE_TIME,
            },
            "diseinfo": [
                {
                    "diag_type": "1",
                    "diag_srt_no": 1,
                    "diag_code": "J06.900",
                    "diag_name": "急性上呼吸道感染",
                    "diag_dept": "普通内科",
                    "dise_dor_no": DOCTOR["atddr_no"],
                    "dise_dor_name": DOCTOR["dr_name"],
                    "diag_time": "2025-07-14 09:40:00",
                    "vali_flag": "1",
                }
            ],
        },
    )


def upload_fees(
    gateway: Gateway, who: InsuredPerson, mdtrt_id: str, role: str = "hospital_operator"
) -> Decimal:
    """2204 as flat rows of the list node, exact decimals on the wire; returns the total."""
    fee = {
        "feedetl_sn": f"FD{mdtrt_id[-10:]}",
        "mdtrt_id": mdtrt_id,
        "psn_no": who.psn_no,
        "chrg_bchno": "B001",
        "rx_circ_flag": "0",
        "fee_ocur_time": "2025-07-14 09:45:00",
        "med_list_codg": DRUG_CODE,
        "medins_list_codg": "H" + DRUG_CODE[:10],
        "det_item_fee_sumamt": DRUG_COUNT * DRUG_PRICE,
        "cnt": DRUG_COUNT,
        "pric": DRUG_PRICE,
        "bilg_dept_codg": DOCTOR["dept_code"],
        "bilg_dept_name": DOCTOR["dept_name"],
        "bilg_dr_codg": DOCTOR["atddr_no"],
        "bilg_dr_name": DOCTOR["dr_name"],
        "hosp_appr_flag": "1",
    }
    body = gateway.ok(
        "POST", "business/outpatient/expense-upload", role, content=jsoncodec.dumps([fee]), headers=JSON
    )
    assert body["data"]["result"][0]["feedetl_sn"] == fee["feedetl_sn"]
    return DRUG_COUNT * DRUG_PRICE


def pre_settle(
    gateway: Gateway, who: InsuredPerson, mdtrt_id: str, total: Decimal, role: str = "hospital_operator"
) -> dict[str, Any]:
    """2206 → the 2207 body (the request echoed with the four amount parts the bureau computed)."""
    settle = {
        "psn_no": who.psn_no,
        "mdtrt_cert_type": "02",
        "mdtrt_cert_no": who.certno,
        "med_type": "11",
        "medfee_sumamt": total,
        "psn_setlway": "01",
        "mdtrt_id": mdtrt_id,
        "chrg_bchno": "B001",
        "insutype": who.insutype,
        "acct_used_flag": "1",
    }
    body = gateway.ok(
        "POST", "business/outpatient/pre-settle", role, content=jsoncodec.dumps(settle), headers=JSON
    )
    setlinfo = body["data"]["setlinfo"]
    return {**settle, **{name: setlinfo[name] for name in AMOUNT_PARTS}}


def ready_to_settle(gateway: Gateway, who: InsuredPerson, role: str = "hospital_operator") -> dict[str, Any]:
    """2201 → 2203 → 2204 → 2206 for `who`: the body of the 2207 that settles the visit."""
    mdtrt_id = register_visit(gateway, who, role)
    upload_visit(gateway, who, mdtrt_id, role)
    total = upload_fees(gateway, who, mdtrt_id, role)
    return pre_settle(gateway, who, mdtrt_id, total, role)


# ------------------------------------------------------------------- jobs: batches, tasks, files (§3.2–§3.4)

STRANGER = {"mdtrt_cert_type": "02", "mdtrt_cert_no": "110101199003070012", "psn_cert_type": "01"}  # unknown
FINISHED = ("completed", "failed")


def as_pharmacy(gateway: Gateway) -> dict[str, str]:
    """Headers of the demo pharmacy's admin key (another institution than the tests' hospital)."""
    return {"X-API-Key": gateway.other_key, "X-Institution-Code": PHARMACY}


def person_query(index: int = 0) -> dict[str, Any]:
    """1101 input of a seeded sandbox person."""
    who = PERSONS[index]
    return {"mdtrt_cert_type": "02", "mdtrt_cert_no": who.certno, "psn_cert_type": "01"}


def wait_until(check: Callable[[], Any], timeout: float = 30.0, what: str = "condition") -> Any:
    """Poll `check` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def batch_done(
    gateway: Gateway, batch_id: str, role: str = "admin", timeout: float = 30.0, **kw: Any
) -> dict[str, Any]:
    """GET batch/status until the batch finished; its data (counts + operations)."""

    def finished() -> dict[str, Any] | None:
        data: dict[str, Any] = gateway.ok("GET", f"batch/status/{batch_id}", role, **kw)["data"]
        return data if data["status"] in FINISHED else None

    result: dict[str, Any] = wait_until(finished, timeout, f"batch {batch_id}")
    return result


def task_done(gateway: Gateway, task_id: str, role: str = "admin", timeout: float = 30.0) -> dict[str, Any]:
    """GET async/task-status until the task finished; its status data."""

    def finished() -> dict[str, Any] | None:
        data: dict[str, Any] = gateway.ok("GET", f"async/task-status/{task_id}", role)["data"]
        return data if data["status"] in FINISHED else None

    result: dict[str, Any] = wait_until(finished, timeout, f"task {task_id}")
    return result


def ledger_entries(database: Database, request_id: str) -> list[LedgerEntry]:
    """The messages sent for one request id ("bop-<operation id>", "task-<task id>")."""
    with database.session() as session:
        return list(
            session.scalars(
                select(LedgerEntry).where(LedgerEntry.request_id == request_id).order_by(LedgerEntry.id)
            )
        )


def operation_ids(database: Database, batch_id: str, institution: str = HOSPITAL) -> list[int]:
    """The batch_operation ids of an institution's batch, by position."""
    with database.session() as session:
        log = session.scalar(
            select(BatchOperationLog)
            .join(Institution, Institution.id == BatchOperationLog.institution_id)
            .where(Institution.code == institution, BatchOperationLog.batch_id == batch_id)
        )
        assert log is not None
        return list(
            session.scalars(
                select(BatchOperation.id)
                .where(BatchOperation.batch_log_id == log.id)
                .order_by(BatchOperation.position)
            )
        )


class ConcurrencyProbe(httpx.AsyncBaseTransport):
    """Wraps the bureau's transport: holds each request `delay_s`, and records the most in flight at once."""

    def __init__(self, inner: httpx.AsyncBaseTransport, delay_s: float) -> None:
        self.inner = inner
        self.delay_s = delay_s
        self.in_flight = 0
        self.peak = 0

    def reset(self) -> None:
        self.peak = self.in_flight

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            await anyio.sleep(self.delay_s)
            return await self.inner.handle_async_request(request)
        finally:
            self.in_flight -= 1


# The task suite: run against the in-process executor (test_gateway_tasks.py) and a real Celery worker
# (test_gateway_celery.py).  Each takes a started gateway whose keys include admin and data_analyst.


def check_transaction_task_runs_once(gateway: Gateway) -> None:
    created = gateway.post(
        "async/create-task",
        json={
            "task_type": "transaction",
            "task_data": {"interface_type": "person_info", "data": person_query(1)},
        },
    )
    assert created.status_code == 202, created.text
    task = created.json()["data"]
    assert task["status"] == "pending" and task["progress"] == 0 and task["task_type"] == "transaction"
    status = task_done(gateway, task["task_id"])
    assert status["status"] == "completed" and status["progress"] == 100 and status["attempts"] == 1
    result = gateway.ok("GET", f"async/task-result/{task['task_id']}")["data"]["result"]
    assert result["infno"] == "1101" and result["data"]["baseinfo"]["certno"] == PERSONS[1].certno
    sent = ledger_entries(gateway.state.database, f"task-{task['task_id']}")
    assert [e.msgid for e in sent] == [result["msgid"]]  # one message, recorded under the task


def check_failed_task_answers_its_error(gateway: Gateway) -> None:
    body = {"task_type": "transaction", "task_data": {"interface_type": "1101", "data": STRANGER}}
    task_id = gateway.post("async/create-task", json=body).json()["data"]["task_id"]
    assert task_done(gateway, task_id)["status"] == "failed"
    answer = gateway.get(f"async/task-result/{task_id}")
    failure = answer.json()
    # the bureau refused (infcode -2, 该参保人的基本信息为空): 50001 患者信息不存在, HTTP 404
    assert answer.status_code == 404 and failure["success"] is False and failure["error_code"] == 50001
    assert (failure["error"]["infcode"], failure["error"]["kind"]) == (-2, "business")
    assert failure["data"]["task_id"] == task_id and failure["data"]["result"]["msgid"]


def check_batch_task_reports_progress(gateway: Gateway, batch_id: str) -> None:
    operations = [
        {"interface_type": "person_info", "data": person_query(i), "sequence": i + 1} for i in range(3)
    ]
    body = {"task_type": "batch", "task_data": {"batch_id": batch_id, "operations": operations}}
    created = gateway.post("async/create-task", json=body)
    assert created.status_code == 202, created.text
    task = created.json()["data"]
    assert task["batch_id"] == batch_id and task["batch"]["total_count"] == 3
    assert task_done(gateway, task["task_id"])["progress"] == 100
    result = gateway.ok("GET", f"async/task-result/{task['task_id']}")["data"]["result"]
    assert (result["success_count"], result["total_count"], result["status"]) == (3, 3, "completed")
    status = gateway.ok("GET", f"batch/status/{batch_id}")["data"]
    assert [op["status"] for op in status["operations"]] == ["success"] * 3
    again = gateway.post("async/create-task", json=body).json()["data"]  # the same batch_id: not run again
    assert again["duplicate"] is True and again["task_id"] == task["task_id"]


def check_tasks_are_the_institutions_own(gateway: Gateway) -> None:
    body = {"task_type": "transaction", "task_data": {"interface_type": "1101", "data": person_query(0)}}
    task_id = gateway.post("async/create-task", json=body).json()["data"]["task_id"]
    for path in (f"async/task-status/{task_id}", f"async/task-result/{task_id}"):
        response = gateway.get(path, headers=as_pharmacy(gateway))
        assert response.status_code == 404 and response.json()["error_code"] == 30007
    task_done(gateway, task_id)
    refused = gateway.post(
        "async/create-task",
        "data_analyst",
        json={"task_type": "transaction", "task_data": {"interface_type": "outpatient_settle", "data": {}}},
    )
    assert refused.status_code == 403 and refused.json()["error_code"] == 10009


# --------------------------------------------------------------- crash: a killed worker's task resumes once

SLOW_INFNO = "4301"  # a write with no 2601 and no confirming query: once sent, its outcome stays unknown
SLOW_FAULTS = f'[{{"scope": "{SLOW_INFNO}", "kind": "latency", "latency_ms": 120000}}]'


SLOW_PERSON = "43000030281000999999"


def slow_write() -> dict[str, Any]:
    """A complete 4301 (门急诊诊疗记录) of SLOW_PERSON."""
    return {
        "rgstinfo": {"mdtrt_sn": "MZ-CRASH-0001", "psn_no": SLOW_PERSON, "vali_flag": "1"},
        "caseinfo": [{"chfcomp": "crash test", "vali_flag": "1"}],
        "diseinfo": [{"diag_code": "J06.900", "diag_name": "急性上呼吸道感染", "vali_flag": "1"}],
    }


def crash_batch(batch_id: str) -> dict[str, Any]:
    """1101 (answers), 4301 (held by the bureau until the worker is killed), 1101 (not yet started), and
    1101 of the 4301's person (same lane: must wait for it, and is skipped once it ends unknown)."""
    operations = [
        {"interface_type": "1101", "data": person_query(0), "sequence": 1},
        {"interface_type": SLOW_INFNO, "data": slow_write(), "sequence": 2},
        {"interface_type": "1101", "data": person_query(1), "sequence": 3},
        {"interface_type": "1101", "data": {**person_query(2), "psn_no": SLOW_PERSON}, "sequence": 4},
    ]
    options = {"stop_on_error": False, "max_concurrent": 1}
    return {"batch_id": batch_id, "operations": operations, "options": options}


def in_flight(database: Database, request_id: str) -> bool:
    """The message of `request_id` is recorded (PENDING) but unanswered: the worker may be killed now."""
    return [e.state for e in ledger_entries(database, request_id)] == ["PENDING"]


def check_resumed_exactly_once(
    database: Database, batch_id: str, batch: dict[str, Any], attempts: int
) -> None:
    """After the kill: what had answered is not sent again, the in-flight write is never re-sent (unknown),
    what had not started is sent once."""
    first, slow, last, same_visit = operation_ids(database, batch_id)
    assert [e.state for e in ledger_entries(database, f"bop-{first}")] == ["SUCCESS"]
    (pending,) = ledger_entries(database, f"bop-{slow}")  # one message, never re-sent
    assert pending.state == "PENDING"
    assert [e.state for e in ledger_entries(database, f"bop-{last}")] == ["SUCCESS"]
    assert ledger_entries(database, f"bop-{same_visit}") == []  # its visit's state is uncertain
    operations = {op["sequence"]: op for op in batch["operations"]}
    assert operations[1]["status"] == "success"
    assert operations[2]["status"] == "unknown" and operations[2]["error_code"] == 20005
    assert operations[2]["outcome"] == "unknown" and operations[2]["msgid"] == pending.msgid
    assert operations[3]["status"] == "success"
    assert operations[4]["status"] == "skipped" and "前序操作结果未知" in operations[4]["error_message"]
    assert (batch["status"], batch["success_count"], batch["failed_count"]) == ("completed", 2, 1)
    with database.session() as session:
        task = session.scalar(select(AsyncTask).where(AsyncTask.task_id == batch["task_id"]))
        assert task is not None and task.status == "completed" and task.attempts == attempts


# ------------------------------------------------------- operations: a gateway with settings of its own


@contextmanager
def operations_gateway(
    database_url: str, data_dir: Path, *, create: dict[str, Any] | None = None, **overrides: Any
) -> Iterator[Gateway]:
    """A started gateway with its own settings (limits on, a bureau transport …) over a test database: a
    key per role of the demo hospital and an admin key of the demo pharmacy (created when missing)."""
    settings = gateway_settings(database_url, data_dir, **overrides)
    with start_gateway(settings, **(create or {})) as (app, client):
        state: GatewayState = app.state.gateway
        keys = {role: create_key(state.database, HOSPITAL, role).key for role in ROLES}
        if find_institution(state.database, PHARMACY) is None:
            pharmacy = NewInstitution(code=PHARMACY, name="湘潭演示大药房有限公司", admdvs="430200")
            add_institution(state.database, pharmacy)
        other = create_key(state.database, PHARMACY, "admin").key
        yield Gateway(app, client, database_url, data_dir, keys, other)


class ClientTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """An SDK's transport into a started test gateway: each request goes through `client` (the portal);
    async clients wait for it in a worker thread."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        inner = httpx.Request(request.method, request.url, headers=request.headers, content=request.read())
        answer = self.client.send(inner)
        return httpx.Response(
            answer.status_code, headers=answer.headers, content=answer.content, request=request
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        inner = httpx.Request(
            request.method, request.url, headers=request.headers, content=await request.aread()
        )
        answer = await anyio.to_thread.run_sync(self.client.send, inner)
        return httpx.Response(
            answer.status_code, headers=answer.headers, content=answer.content, request=request
        )


def sdk_for(gateway: Gateway, role: str = "admin", *, asynchronous: bool = False) -> Any:
    """The Python SDK (or its async client) in gateway mode, calling this test gateway with the role's key."""
    from medical_insurance_sdk.sdk import AsyncMedicalInsuranceSDK, MedicalInsuranceSDK

    client = AsyncMedicalInsuranceSDK if asynchronous else MedicalInsuranceSDK
    return client(
        api_base_url="http://gateway" + API_PREFIX,
        api_key=gateway.keys[role],
        institution_code=HOSPITAL,
        transport=ClientTransport(gateway.client),
        env={},
    )
