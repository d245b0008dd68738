"""One answer contract: the same bureau answer gives the same error, whichever way the SDK sent the call.

A fake bureau (an httpx transport, the only seam) answers each transaction as a test tells it: success
(the registry's sample of its response), a business refusal (infcode -2), a system error (infcode -1), or
no answer at all (httpx.ReadTimeout after the request was read; a read loses its first answer only).

- every registry transaction × {success, refusal, system error}, every money transaction and one read ×
  lost answer: through the gateway (sync SDK over ASGI) and the in-process SDK;
- one transaction per way an outcome is resolved (safety class, reversible, confirming query) × the same
  cases: also the sync client's `*_async` twin, the async client over the gateway and in process, a gateway
  batch (`item.exception`), a transaction task and a batch task (`create_task` + `wait_task`).

What the caller gets is compared as (exception class, code, retry, outcome).  A lost money answer is an
OutcomeUnknownError with retry False (or, proven by the engine's query never to have taken effect, 20003
"failed" with retry True) on every path, so `if e.retry:` never settles twice.  Two more tests lose the
gateway's own answers: a task creation is unknown and not sent again, a status read is asked again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

pytest.importorskip("fastapi")

from anyio.from_thread import BlockingPortal, start_blocking_portal

from medical_insurance_sdk.exceptions import MedicalInsuranceException, OutcomeUnknownError
from medical_insurance_sdk.gateway import GatewaySettings, create_app
from medical_insurance_sdk.gateway.keys import create_key
from medical_insurance_sdk.protocol import jsoncodec
from medical_insurance_sdk.registry import API_PREFIX, REGISTRY, Safety, Transaction
from medical_insurance_sdk.registry.samples import sample_message
from medical_insurance_sdk.sdk import AsyncMedicalInsuranceSDK, MedicalInsuranceSDK
from medical_insurance_sdk.sdk._config import SDKConfig
from medical_insurance_sdk.sdk._inprocess import InProcessTransport
from medical_insurance_sdk.sdk._results import BatchItem

HOSPITAL = "H43028110001"
BASE = "http://gateway.test" + API_PREFIX
SUCCESS, REFUSAL, SYSTEM, LOST = "success", "refusal", "system_error", "lost"
TRANSACTIONS: tuple[Transaction, ...] = tuple(REGISTRY.transactions)
MONEY = tuple(tx for tx in TRANSACTIONS if tx.safety is Safety.MONEY)
MONEY_TX = REGISTRY["2207"]
LOST_QUERY = REGISTRY["1101"]  # a read whose first answer is lost: asked again, then answered
ZIP_BYTES = b"PK\x05\x06" + b"\x00" * 18


def _kind(tx: Transaction) -> tuple[Any, ...]:
    return (tx.safety.value, tx.reversible, bool(tx.confirm_by), tx.effect_free)


# one transaction of every way an outcome can be resolved (query; write with/without a confirming query;
# money reversible by 2601 or not ...), the everyday ones first, for the slower async, batch and task paths
_PREFERRED = ("1101", "2201", "2207", "2208")
_BY_KIND: dict[tuple[Any, ...], Transaction] = {}
for _tx in sorted(TRANSACTIONS, key=lambda tx: tx.infno not in _PREFERRED):
    _BY_KIND.setdefault(_kind(_tx), _tx)
REPRESENTATIVES = tuple(_BY_KIND.values())
CASES = [(tx, case) for tx in TRANSACTIONS for case in (SUCCESS, REFUSAL, SYSTEM)]
CASES += [(tx, LOST) for tx in (*MONEY, LOST_QUERY)]
SAMPLE_CASES = [(tx, c) for tx in REPRESENTATIVES for c in (SUCCESS, REFUSAL, SYSTEM)]
SAMPLE_CASES += [(tx, LOST) for tx in REPRESENTATIVES if tx.safety is Safety.MONEY] + [(LOST_QUERY, LOST)]


# ------------------------------------------------------------------------------------------ the bureau


@dataclass
class FakeBureau(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Answers each infno as `cases` says (default success).  A read's answer is lost once only; a 2601
    reversing a message this bureau failed (compensation) succeeds."""

    cases: dict[str, str] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)
    lost_reads: set[str] = field(default_factory=set)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        message = jsoncodec.loads(request.read())
        infno, msgid = str(message.get("infno")), str(message.get("msgid"))
        tx = REGISTRY[infno]
        case = self.cases.get(infno, SUCCESS)
        node = message.get("input") if isinstance(message.get("input"), dict) else {}
        data = node.get("data") if isinstance(node.get("data"), dict) else {}
        if infno == "2601" and data.get("omsgid") in self.failed:
            case = SUCCESS
        if case == LOST and tx.safety is Safety.QUERY:
            if infno in self.lost_reads:
                case = SUCCESS
            self.lost_reads.add(infno)
        if case == LOST:
            self.failed.add(msgid)
            raise httpx.ReadTimeout("the bureau did not answer", request=request)
        if case == SYSTEM:
            self.failed.add(msgid)
            return _bureau(msgid, -1, "系统繁忙，请稍后再试")
        if case == REFUSAL:
            return _bureau(msgid, -2, "参保人不存在或已停保")
        if infno == "9102":
            headers = {"content-type": "application/octet-stream"}
            headers["content-disposition"] = 'attachment; filename="plc_1301.zip"'
            return httpx.Response(200, content=ZIP_BYTES, headers=headers)
        output = sample_message(tx.schema.response) if tx.schema.response else {}
        return _bureau(msgid, 0, "", output)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        return self.handle_request(request)

    def reset(self, cases: dict[str, str]) -> None:
        self.cases, self.lost_reads = cases, set()


def _bureau(msgid: str, infcode: int, err_msg: str, output: Any = None) -> httpx.Response:
    body = {
        "infcode": infcode,
        "inf_refmsgid": f"R{msgid}",
        "refmsg_time": "20250714103000000",
        "respond_time": "20250714103000001",
        "err_msg": err_msg,
        "warn_msg": "",
        "output": output,
    }
    return httpx.Response(200, content=jsoncodec.dumps(body), headers={"content-type": "application/json"})


# ------------------------------------------------------------------------------------------- outcome


def verdict(error: BaseException | None) -> tuple[Any, ...]:
    """What a caller acts on: exception class, code, retry and outcome (or "ok")."""
    if error is None:
        return ("ok",)
    assert isinstance(error, MedicalInsuranceException), repr(error)
    outcome = error.outcome if isinstance(error, OutcomeUnknownError) else error.details.get("outcome")
    return (type(error).__name__, error.code, error.retry, outcome)


def attempt(call: Callable[[], Any]) -> tuple[Any, ...]:
    try:
        call()
    except MedicalInsuranceException as exc:
        return verdict(exc)
    return verdict(None)


def item_verdict(item: BatchItem) -> tuple[Any, ...]:
    return verdict(None if item.success else item.exception)


def assert_never_twice(got: tuple[Any, ...]) -> None:
    """A lost money answer: unknown or reversed (retry False), or proven never to have taken effect."""
    if got[3] == "failed":
        assert got[1:3] == (20003, True)
    else:
        assert got[0] == "OutcomeUnknownError" and got[2] is False and got[3] in ("unknown", "reversed")


def sample_input(tx: Transaction) -> dict[str, Any]:
    message = sample_message(tx.request_nodes, optional=False)
    return {k: (v or {"psn_no": "43000030281000128715"}) for k, v in message.items()}


def expected(tx: Transaction, case: str) -> tuple[Any, ...] | None:
    """What the contract fixes whatever the path (None: only parity is checked)."""
    if case == SUCCESS or (case == LOST and tx.safety is Safety.QUERY):
        return ("ok",)
    if case == REFUSAL:
        return None  # a 5000x BureauRefusalError; the code follows the bureau's words
    if case == SYSTEM and tx.safety is Safety.QUERY:
        return ("BureauError", 20006, True, None)
    return None


# ------------------------------------------------------------------------------------------- harness


class PortalTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Into the gateway app running on a portal's event loop (as a server would): blocking calls go
    through the portal, async ones (made on that loop) straight to the app."""

    def __init__(self, portal: BlockingPortal, app: Any) -> None:
        self.portal, self.asgi = portal, httpx.ASGITransport(app=app)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        inner = httpx.Request(request.method, request.url, headers=request.headers, content=request.read())
        status, headers, content = self.portal.call(self._exchange, inner)
        return httpx.Response(status, headers=headers, content=content, request=request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.asgi.handle_async_request(request)

    async def _exchange(self, request: httpx.Request) -> tuple[int, Any, bytes]:
        response = await self.asgi.handle_async_request(request)
        return response.status_code, response.headers.raw, await response.aread()


@dataclass
class Paths:
    bureau: FakeBureau
    portal: BlockingPortal
    gateway: MedicalInsuranceSDK
    gateway_async: AsyncMedicalInsuranceSDK
    local: MedicalInsuranceSDK
    local_async: AsyncMedicalInsuranceSDK
    into_gateway: PortalTransport
    remote: dict[str, Any]

    def on_loop(self, make: Callable[[], Any]) -> tuple[Any, ...]:
        async def run() -> tuple[Any, ...]:
            try:
                await make()
            except MedicalInsuranceException as exc:
                return verdict(exc)
            return verdict(None)

        result: tuple[Any, ...] = self.portal.call(run)
        return result


def no_sleep(seconds: float) -> None:
    return None


async def no_sleep_async(seconds: float) -> None:
    return None


@pytest.fixture(scope="module")
def paths(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Paths]:
    folder: Path = tmp_path_factory.mktemp("parity")
    bureau = FakeBureau()
    settings = GatewaySettings(
        database_url=f"sqlite:///{folder / 'gateway.sqlite3'}",
        data_dir=folder,
        environment="development",
        jwt_secret="parity-tests-" + "x" * 40,
        sweeper_interval_s=0,
        demo_institution=True,
        auth_cache_ttl_s=0,
        rate_limits_enabled=False,
    )
    app = create_app(settings, bureau_transport=bureau)
    common: dict[str, Any] = {"env": {}, "cache_enabled": False, "backoff_factor": 0.01}
    with (
        start_blocking_portal() as portal,
        portal.wrap_async_context_manager(app.router.lifespan_context(app)),
    ):
        key = create_key(app.state.gateway.database, HOSPITAL, "admin").key
        remote = {**common, "api_base_url": BASE, "api_key": key, "institution_code": HOSPITAL}
        into_gateway = PortalTransport(portal, app)
        gateway = MedicalInsuranceSDK(transport=into_gateway, sleep=no_sleep, **remote)
        gateway_async = AsyncMedicalInsuranceSDK(
            transport=httpx.ASGITransport(app=app), sleep=no_sleep_async, **remote
        )
        local_options = {**common, "database_url": f"sqlite:///{folder / 'ledger.sqlite3'}"}
        transport = InProcessTransport(SDKConfig.load(**local_options), bureau_transport=bureau)
        local_sdk = MedicalInsuranceSDK(transport=transport, sleep=no_sleep, **local_options)
        local_async = AsyncMedicalInsuranceSDK(transport=transport, sleep=no_sleep_async, **local_options)
        yield Paths(bureau, portal, gateway, gateway_async, local_sdk, local_async, into_gateway, remote)
        gateway.close()
        portal.call(gateway_async.aclose)
        local_sdk.close()
        transport.close()


def _id(value: Any) -> str:
    return value.infno if isinstance(value, Transaction) else str(value)


# --------------------------------------------------------------------------------------------- tests


@pytest.mark.parametrize(("tx", "case"), CASES, ids=_id)
def test_gateway_and_in_process_answer_alike(paths: Paths, tx: Transaction, case: str) -> None:
    data = sample_input(tx)
    paths.bureau.reset({tx.infno: case})
    through_gateway = attempt(lambda: paths.gateway.call(tx.infno, data))
    paths.bureau.reset({tx.infno: case})
    in_process = attempt(lambda: paths.local.call(tx.infno, data))
    assert through_gateway == in_process
    want = expected(tx, case)
    if want is not None:
        assert through_gateway == want
    if case == LOST and tx.safety is not Safety.QUERY:
        assert_never_twice(through_gateway)
    if case == REFUSAL:
        assert through_gateway[0] == "BureauRefusalError" and through_gateway[2] is False


@pytest.mark.parametrize(("tx", "case"), SAMPLE_CASES, ids=_id)
def test_every_path_answers_alike(paths: Paths, tx: Transaction, case: str) -> None:
    data = sample_input(tx)
    seen: dict[str, tuple[Any, ...]] = {}

    def run(name: str, call: Callable[[], tuple[Any, ...]]) -> None:
        paths.bureau.reset({tx.infno: case})
        seen[name] = call()

    run("gateway", lambda: attempt(lambda: paths.gateway.call(tx.infno, data)))
    run("gateway *_async", lambda: paths.on_loop(lambda: paths.gateway.call_async(tx.infno, data)))
    run("gateway async", lambda: paths.on_loop(lambda: paths.gateway_async.call(tx.infno, data)))
    run("in-process", lambda: attempt(lambda: paths.local.call(tx.infno, data)))
    run("in-process async", lambda: paths.on_loop(lambda: paths.local_async.call(tx.infno, data)))
    operation = {"interface_type": tx.interface_type, "data": data, "sequence": 1}

    def batch() -> tuple[Any, ...]:
        result = paths.gateway.submit_batch([operation], stop_on_error=False, poll=0.05)
        (item,) = result.items
        return item_verdict(item)

    def task() -> tuple[Any, ...]:
        created = paths.gateway.create_task("transaction", interface_type=tx.interface_type, data=data)
        return attempt(lambda: paths.gateway.wait_task(created.task_id, poll=0.05))

    def batch_task() -> tuple[Any, ...]:
        body = {"batch_id": f"PARITY{uuid.uuid4().hex[:12]}", "operations": [operation]}
        created = paths.gateway.create_task("batch", body)
        return attempt(lambda: paths.gateway.wait_task(created.task_id, poll=0.05))

    run("gateway task", task)
    run("gateway batch", batch)
    run("gateway batch task", batch_task)
    assert len(set(seen.values())) == 1, "\n".join(f"{path}: {got}" for path, got in seen.items())
    if case == LOST and tx.safety is not Safety.QUERY:
        assert_never_twice(seen["gateway task"])


class LosingAnswers(httpx.BaseTransport):
    """Into the gateway, but the answers to `path` are lost on the way back (the request was handled)."""

    def __init__(self, inner: httpx.BaseTransport, path: str) -> None:
        self.inner, self.path, self.sent = inner, path, 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.url.path.endswith(self.path):
            self.sent += 1
            raise httpx.ReadTimeout("the gateway's answer was lost", request=request)
        return response


def test_a_lost_task_creation_is_unknown_and_not_sent_again(paths: Paths) -> None:
    """Creating a task is a write: its lost answer may mean a settlement already runs."""
    paths.bureau.reset({})
    losing = LosingAnswers(paths.into_gateway, "async/create-task")
    sdk = MedicalInsuranceSDK(transport=losing, sleep=no_sleep, **paths.remote)
    with sdk, pytest.raises(OutcomeUnknownError) as caught:
        sdk.create_task("transaction", interface_type="outpatient_settle", data=sample_input(MONEY_TX))
    assert caught.value.retry is False and caught.value.outcome == "unknown"
    assert losing.sent == 1


def test_a_lost_status_read_is_asked_again(paths: Paths) -> None:
    """Reading a task's status is harmless: a lost answer is asked again, then raised as retryable."""
    losing = LosingAnswers(paths.into_gateway, "async/task-status/T1")
    sdk = MedicalInsuranceSDK(transport=losing, sleep=no_sleep, **paths.remote)
    with sdk, pytest.raises(MedicalInsuranceException) as caught:
        sdk.task_status("T1")
    assert verdict(caught.value) == ("BureauTimeoutError", 20005, True, None)
    assert losing.sent == sdk.config.retry.max_attempts > 1
