"""The I/O-free core of the SDK: build the request, send it until answered or the policy says stop.

    core = Core(config)
    flow = core.call("1101", {"data": {...}}, CallOptions())   # a generator of effects
    result = SyncShell(http).run(flow)                        # or: await AsyncShell(http).run(flow)

A call is a generator that yields two kinds of effect, `Send(request)` and `Sleep(seconds)`, and returns a
typed `Result`; a shell performs the effects (blocking or awaiting) and hands back the response or the
transport exception.  So request building, answer parsing (`_answers.py`), retry decisions (`_retry.py`) and
caching are written once, for the sync and the async client alike.  Reading order: `call` → `exchange`.
"""

from __future__ import annotations

import keyword
import logging
import uuid
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from medical_insurance_sdk import __version__
from medical_insurance_sdk.exceptions import (
    DataValidationError,
    FieldError,
    UnsupportedInterfaceError,
)
from medical_insurance_sdk.protocol.jsoncodec import dumps
from medical_insurance_sdk.protocol.profiles import variant_base
from medical_insurance_sdk.registry import API_PREFIX, REGISTRY, Registry, Safety, Transaction
from medical_insurance_sdk.sdk._answers import Answer, final_error, read_answer, transport_failure
from medical_insurance_sdk.sdk._cache import AnswerCache, cache_key
from medical_insurance_sdk.sdk._config import SDKConfig
from medical_insurance_sdk.sdk._results import Result, result_class
from medical_insurance_sdk.sdk._retry import RetryPolicy
from medical_insurance_sdk.sdk.lib.memory import FlowMemory

T = TypeVar("T")
log = logging.getLogger("medical_insurance_sdk.sdk")

IN_PROCESS_BASE = "http://in-process.local/api/v1/medical-insurance/"
# The gateway's proxy route (gateway/routes/proxy.py), beside the API prefix: where a province variant code
# is sent (`POST /api/medical-insurance/2206A`); the gateway checks the caller's profile declares it.
PROXY_PREFIX = "/api/medical-insurance/"
USER_AGENT = f"medical-insurance-sdk-python/{__version__}"


@dataclass(frozen=True)
class Send:
    request: httpx.Request


@dataclass(frozen=True)
class Sleep:
    seconds: float


Effect = Send | Sleep
Flow = Generator[Effect, Any, T]


@dataclass(frozen=True)
class CallOptions:
    """Per-call choices; None means the configured default.  Users pass a dict: `options={"timeout": 5}`."""

    timeout: float | None = None
    max_attempts: int | None = None
    request_id: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    use_cache: bool = True
    # envelope choices the gateway takes from headers (spec: operator of the message, 参保地 of the person)
    operator: str | None = None
    operator_name: str | None = None
    insuplc_admdvs: str | None = None
    # write/money calls: the `Idempotency-Key` header; the same key and input answer the first outcome again
    idempotency_key: str | None = None

    @classmethod
    def of(cls, value: CallOptions | Mapping[str, Any] | None) -> CallOptions:
        if value is None:
            return cls()
        return value if isinstance(value, CallOptions) else cls(**value)


class Core:
    """Everything but I/O; one per SDK instance (copies made by `with_options` share the cache)."""

    def __init__(
        self,
        config: SDKConfig,
        *,
        registry: Registry = REGISTRY,
        retry: RetryPolicy | None = None,
        cache: AnswerCache | None = None,
        memory: FlowMemory | None = None,
    ) -> None:
        self.config = config
        self.registry = registry
        self.retry = retry or RetryPolicy(config.retry)
        self.cache = cache if cache is not None else AnswerCache(config.cache.ttl)
        self.memory = memory if memory is not None else FlowMemory()

    @property
    def base_url(self) -> str:
        return self.config.api_base_url or IN_PROCESS_BASE

    def transaction(self, key: str) -> Transaction:
        """By infno, interface_type or SDK method name; an unknown one is 20001."""
        try:
            return self.registry[key]
        except KeyError:
            raise UnsupportedInterfaceError(f"不支持的接口类型: {key}") from None

    def lookup(self, key: str) -> tuple[str, Transaction]:
        """(the code to send, its transaction): a registered one, or a province variant code (`2206A`) with
        its base's tables; whether the institution's province has that code is the gateway's to say."""
        base = None if key in self.registry else variant_base(key)
        tx = self.registry.get(base) if base is not None else None
        if tx is not None and tx.infno == base:
            return key, tx
        tx = self.transaction(key)
        return tx.infno, tx

    # ------------------------------------------------------------------------------------------- call
    def call(self, key: str, input_: Mapping[str, Any] | None, options: CallOptions) -> Flow[Result]:
        """One transaction: answer from the cache, or exchange with the gateway; returns its typed result."""
        infno, tx = self.lookup(key)
        payload = normalize_input(tx, input_ or {})
        use_cache = self.config.cache.enabled and options.use_cache and tx.cacheable
        scope = f"{self.base_url}|{self.config.institution_code or ''}"
        key_text = cache_key(scope, infno, payload) if use_cache else ""
        if use_cache and (cached := self.cache.get(key_text)) is not None:
            result: Result = cached
            return result
        if options.insuplc_admdvs is None and (psn_no := _first(payload, "psn_no")):
            # the bureau wants the insured's 参保地 whenever the input names a person: 1101 told us
            known = self.memory.person(str(psn_no)).get("insuplc_admdvs")
            options = replace(options, insuplc_admdvs=known) if known else options
        answer = yield from self.exchange(tx, payload, options, infno)
        result = to_result(tx, answer)
        self.memory.learn(tx, payload, answer.data)
        if use_cache:
            self.cache.put(key_text, result)
        return result

    def exchange(
        self, tx: Transaction, payload: Mapping[str, Any], options: CallOptions, infno: str | None = None
    ) -> Flow[Answer]:
        """One transaction's request, sent by `send` under the transaction's safety class; `infno` is the
        code to send when it is a province variant of `tx`."""
        request_id = options.request_id or new_request_id()
        return (
            yield from self.send(
                lambda attempt: self.build_request(tx, payload, options, request_id, attempt, infno),
                safety=tx.safety,
                request_id=request_id,
                infno=infno or tx.infno,
                max_attempts=options.max_attempts,
                file=tx.answer_is_file,
            )
        )

    def send(
        self,
        make: Callable[[int], httpx.Request],
        *,
        safety: Safety,
        request_id: str,
        infno: str | None = None,
        max_attempts: int | None = None,
        file: bool = False,
    ) -> Flow[Answer]:
        """Send `make(attempt)` until answered or the retry policy says stop; one X-Request-ID for every
        attempt.  The one request loop of the SDK: transactions and the gateway's own endpoints alike."""
        label = f"【{infno}】" if infno else ""
        attempt = 0
        while True:
            attempt += 1
            request = make(attempt)
            try:
                response = yield Send(request)
            except httpx.TransportError as exc:
                failure = transport_failure(infno, exc, request_id)
            else:
                outcome = read_answer(response, request_id, infno=infno, file=file)
                if isinstance(outcome, Answer):
                    return outcome
                failure = outcome
            limit = max_attempts or self.config.retry.max_attempts
            delay = self.retry.delay(safety, failure, attempt) if attempt < limit else None
            if delay is None:
                error = final_error(safety, infno, failure, request_id)
                log.info("%s%s %s 失败（第 %d 次）: %s", label, request.url.path, request_id, attempt, error)
                raise error
            log.warning(
                "%s%s %s 第 %d 次未成功（%s），%.1f 秒后重发: %s",
                label,
                request.url.path,
                request_id,
                attempt,
                failure.kind,
                delay,
                failure.error,
            )
            yield Sleep(delay)

    def build_request(
        self,
        tx: Transaction,
        payload: Mapping[str, Any],
        options: CallOptions,
        request_id: str,
        attempt: int = 1,
        infno: str | None = None,
    ) -> httpx.Request:
        """The HTTP request for one attempt: the route of the registry, the input as the JSON body; a
        province variant code (`infno` other than tx's) goes to the gateway's proxy route instead."""
        route = tx.route
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
            "X-Request-ID": request_id,
            "X-Retry-Count": str(attempt - 1),
        }
        if self.config.api_key:
            headers["X-API-Key"] = self.config.api_key
        if self.config.institution_code:
            headers["X-Institution-Code"] = self.config.institution_code
        if self.config.jwt_token:
            headers["Authorization"] = f"Bearer {self.config.jwt_token}"
        for name, value in (
            ("X-Operator", options.operator),
            ("X-Operator-Name", options.operator_name),
            ("X-Insuplc-Admdvs", options.insuplc_admdvs),
        ):
            if value:
                headers[name] = quote(value)  # header values are Latin-1: Chinese names go percent-encoded
        if options.idempotency_key is not None:
            headers["Idempotency-Key"] = options.idempotency_key  # as given: the gateway checks it (10002)
        headers.update(options.headers)
        total = options.timeout or self.config.timeout
        timeout = httpx.Timeout(total, connect=min(self.config.connect_timeout, total))
        url = self.base_url + route.path
        extensions = {"timeout": timeout.as_dict()}
        if infno is not None and infno != tx.infno:
            url = proxy_url(self.base_url, infno)
            return httpx.Request("POST", url, headers=headers, content=dumps(payload), extensions=extensions)
        if route.method == "GET":
            # the gateway reads a GET's input from the query: flat fields of the single input node
            del headers["Content-Type"]
            params = httpx.QueryParams(tuple(query_params(tx, payload)))
            return httpx.Request("GET", url, params=params, headers=headers, extensions=extensions)
        return httpx.Request(
            route.method, url, headers=headers, content=dumps(payload), extensions=extensions
        )


def new_request_id() -> str:
    return "REQ" + uuid.uuid4().hex


def proxy_url(base_url: str, key: str) -> str:
    """The gateway's proxy route for `key`, beside the API prefix the SDK is configured with."""
    root = base_url[: -len(API_PREFIX)] if base_url.endswith(API_PREFIX) else base_url.rstrip("/")
    return f"{root}{PROXY_PREFIX}{quote(key, safe='')}"


# --------------------------------------------------------------------------------------------- input


def normalize_input(tx: Transaction, given: Mapping[str, Any]) -> dict[str, Any]:
    """The bureau `input` of `tx` from what the caller gave: whole nodes, or a single node's flat fields.

    `{"data": {...}}` passes as is; `{"psn_no": ...}` for a one-node transaction becomes that node; both
    may be mixed.  A keyword-escaped name (`in_`) means the bureau field (`in`).  A transaction without a
    public field table (one open node) may have more nodes than the registry knows: next to the node itself,
    an object or a list is another node (2101's `{"data": {...}, "feedetail": [...]}`).
    """
    nodes = {n.name for n in tx.request_nodes}
    result: dict[str, Any] = {}
    loose: dict[str, Any] = {}
    for raw_key, value in given.items():
        key = raw_key[:-1] if raw_key.endswith("_") and keyword.iskeyword(raw_key[:-1]) else raw_key
        if key in nodes:
            result[key] = _unescape(value)
        else:
            loose[key] = value
    lone = open_node(tx)
    if lone is not None and lone in result:
        for key in [k for k, v in loose.items() if isinstance(v, Mapping | list | tuple)]:
            result[key] = _unescape(loose.pop(key))
    if loose:
        if len(tx.request_nodes) != 1 or tx.request_nodes[0].many:
            raise DataValidationError(
                [FieldError(30001, key, f"不是 {tx.infno} 的输入节点") for key in loose], infno=tx.infno
            )
        name = tx.request_nodes[0].name
        base = result.get(name)
        result[name] = {**(base if isinstance(base, Mapping) else {}), **loose}
    return result


def query_params(tx: Transaction, payload: Mapping[str, Any]) -> list[tuple[str, str]]:
    """A GET's query: the single node's fields as text (objects and lists as JSON text)."""
    node = payload.get(tx.request_nodes[0].name) if len(tx.request_nodes) == 1 else payload
    params: list[tuple[str, str]] = []
    for key, value in (node if isinstance(node, Mapping) else payload).items():
        if value is None:
            continue
        if isinstance(value, Mapping | list | tuple):
            text = dumps(value).decode("utf-8")
        else:
            text = dumps(value).decode("utf-8").strip('"') if not isinstance(value, str) else value
        params.append((key, text))
    return params


def _first(message: Any, name: str) -> Any:
    """The first non-empty value of field `name` anywhere in a message."""
    if isinstance(message, Mapping):
        if message.get(name) not in (None, ""):
            return message[name]
        values: Any = message.values()
    elif isinstance(message, list | tuple):
        values = message
    else:
        return None
    for value in values:
        found = _first(value, name)
        if found is not None:
            return found
    return None


def open_node(tx: Transaction) -> str | None:
    """The name of the transaction's only input node when it has no field table (schema "generic")."""
    nodes = tx.request_nodes
    if len(nodes) == 1 and not nodes[0].many and not nodes[0].fields:
        return nodes[0].name
    return None


def _unescape(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {(k[:-1] if k.endswith("_") and keyword.iskeyword(k[:-1]) else k): v for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_unescape(v) for v in value]
    return value


def to_result(tx: Transaction, answer: Answer) -> Result:
    cls = result_class(tx.infno)
    receipt = answer.receipt()
    if answer.content is not None:
        receipt.update(content=answer.content, filename=answer.filename)
    return cls.build(tx.infno, answer.data, **receipt)
