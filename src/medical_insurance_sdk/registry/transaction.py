"""The `Transaction` record: everything the product knows about one bureau transaction, as data.

One record per infno.  Routes, SDK methods, sandbox dispatch, retry and compensation rules, rate limits and
docs are all derived from these records; nothing else names a transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from types import MappingProxyType
from typing import Any, Literal

from pydantic import BaseModel

from medical_insurance_sdk.registry import policy
from medical_insurance_sdk.registry.field_models import build_message_model
from medical_insurance_sdk.registry.fields import (
    ROOT_ROWS,
    Node,
    Schema,
    SchemaLevel,
)
from medical_insurance_sdk.registry.keys import LEDGER_KEYS, REMOVED_MARK, default_identity_keys
from medical_insurance_sdk.registry.validation import validate_message

HttpMethod = Literal["GET", "POST", "PUT", "DELETE"]
API_PREFIX = "/api/v1/medical-insurance/"


class Category(StrEnum):
    """The spec's 11 categories (§2), in its order."""

    BASIC = "基础信息服务"
    BUSINESS = "医保业务服务"
    INSTITUTION = "医药机构管理"
    UPLOAD = "信息采集上传"
    QUERY = "信息查询服务"
    PAYMENT = "线上支付服务"
    PRESCRIPTION = "电子处方服务"
    MONITORING = "场景监控"
    OTHER = "其他功能"
    TICKET = "电子票据"
    POLICY = "政策管理"


CATEGORY_COUNTS: dict[Category, int] = {
    Category.BASIC: 31,
    Category.BUSINESS: 43,
    Category.INSTITUTION: 47,
    Category.UPLOAD: 28,
    Category.QUERY: 15,
    Category.PAYMENT: 8,
    Category.PRESCRIPTION: 20,
    Category.MONITORING: 5,
    Category.OTHER: 4,
    Category.TICKET: 4,
    Category.POLICY: 1,
}


class Safety(StrEnum):
    """What a call may change at the bureau; drives retry and compensation.

    QUERY reads only and may be retried freely.  WRITE changes records.  MONEY moves funds or settlement
    state.  WRITE and MONEY calls are never re-sent once they may have reached the bureau.
    """

    QUERY = "query"
    WRITE = "write"
    MONEY = "money"


class Channel(StrEnum):
    """How the message travels: the common `infno` envelope, or the SM4/SM2 channel (62xx-64xx, 71xx/72xx)."""

    ENVELOPE = "envelope"
    SM = "sm"


# The URL path prefix of each SM sub-channel (reference §2.5), by category: mobile payment (62xx-64xx) on
# `<mpc-host>/org/local/api/hos/<route>`, e-prescription (71xx/72xx) on `<host>/epc/api/fixmedins/<route>`.
# The engine sends to these paths and the sandbox serves them (`Transaction.sm_path`).
SM_PATH_PREFIXES: Mapping[Category, str] = MappingProxyType(
    {Category.PAYMENT: "/org/local/api/hos", Category.PRESCRIPTION: "/epc/api/fixmedins"}
)


@dataclass(frozen=True, slots=True)
class Route:
    method: HttpMethod
    path: str  # relative to /api/v1/medical-insurance/, as the spec writes it

    @property
    def full_path(self) -> str:
        return API_PREFIX + self.path

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True, kw_only=True)
class Transaction:
    """One bureau transaction.  Immutable; built by `tx()` in the catalog modules."""

    infno: str
    name: str
    interface_type: str
    category: Category
    routes: tuple[Route, ...]
    safety: Safety
    permission: str
    perf: str  # key of policy.PERFORMANCE_TARGETS (spec §6.1.1)
    rate_category: str | None  # key of policy.RATE_CATEGORIES (spec §6.2.1), or only global limits
    concurrency_class: str  # key of policy.CONCURRENCY_CLASSES (spec §6.1.2)
    sdk_method: str
    reversible: bool = False  # 2601 may reverse it (reference §3 "2601"); the sandbox's 2601 reads this
    # A cancellation (撤销/删除): it removes a record, so a query confirms it by absence.
    cancels: bool = False
    undoes: str | None = None  # for a cancellation: infno of the call whose record it removes
    # For a settlement: the clearing class (clr_type) its messages are booked under in reconciliation
    # when the message itself does not tell (11 门诊, 21 住院, 41 药店购药).
    clearing_class: str | None = None
    input_nodes: tuple[str, ...] = ("data",)
    file_output: bool = False  # the answer is a file_qury_no to fetch with 9102
    answer_is_file: bool = False  # the successful answer is the file itself, not JSON (9102)
    catalog_name_column: str | None = None  # a catalogue download: the column shown as an item's name
    channel: Channel = Channel.ENVELOPE
    sm_route: str | None = None  # the SM channel's route name (reference §2.5); without one, the infno
    confirm_by: str | None = None  # infno of the query that reveals whether it took effect
    # A query answered from what earlier writes recorded (4103 lists what 4101 uploaded): their infnos.
    # The sandbox answers it from their records.
    answers_from: tuple[str, ...] = ()
    # Fields of the input that name the calling institution itself, not one it asks about (1201 looks another
    # institution up): the gateway fills them with the caller's own values and refuses another's (403 +
    # 10007).  9101/9102: the bureau keeps each institution's files under its code.
    own_institution_fields: tuple[str, ...] = ()
    # For writes without a key of their own (2203 fills in a visit, 2402 ends a stay): the answer-row fields
    # that prove them, each paired with where its value comes from, a request path ("mdtrtinfo.med_type";
    # a list node gives its first row) or a constant ("=2").  All must match one row of confirm_by's answer.
    confirm_evidence: tuple[tuple[str, str], ...] = ()
    # The keys that identify the record it creates (a cancellation: the record it removes) in confirm_by's
    # answer; `tx()` defaults them from registry/keys.py.  The ledger keeps them unmasked.
    identity_keys: tuple[str, ...] = ()
    # Further keys of its messages the ledger keeps unmasked (besides keys.LEDGER_KEYS and identity_keys):
    # the non-personal fields its confirm_by query must be asked with (7103: mdtrtId, psnCertType).
    ledger_keys: tuple[str, ...] = ()
    # For a cancellation: the (field, value) of a confirm_by answer row that shows the record as removed
    # when the query still lists it (7104: rxStasCodg 3 已撤销).
    removed_mark: tuple[str, str] = REMOVED_MARK
    # Personal fields confirm_by must be asked with, (query field, request path) as in confirm_evidence
    # ("psnName", "data.patnName").  Never kept in the ledger: only the call's own resolution has them, a
    # later sweep cannot ask the query and leaves the entry for a person to check.
    confirm_person: tuple[tuple[str, str], ...] = ()
    # For a query: a refusal (regular expression) that means "no such record", so that confirming with it
    # reads as not there (7105 "处方未上传" for a prescription never filed).
    absent_refusal: str = ""
    # The bureau keeps nothing from this call (pre-settlement, trial calculation): an unknown outcome needs no
    # reversal, the call may simply be made again.
    effect_free: bool = False
    # The envelope carries the operator's live 9001 sign_no; only sign-in itself is sent without one
    # (reference §1.1).  Read by the engine (when to sign in) and the sandbox (when to demand a sign_no).
    needs_sign_in: bool = True
    # The spec's convenience method (§11.2.1, §11.3.1): `sdk.<sdk_method>(dict_or_key, **fields)` taking the
    # spec's friendly dict.  None: no such method; "": a dict only; else what a lone string argument is
    # ("visit_id", "settlement_id" …).  The SDK generates the sync, `*_async` and async-client methods.
    spec_flow: str | None = None
    # Spec §9.2.1: the SDK may answer it from its cache (catalogues, dictionaries, institution data: they
    # change at most daily).  Person, visit and money data never are.
    cacheable: bool = False
    # How its answer bears on a visit's fee total (the SDK remembers it for the next step): "adds" (fee lines
    # uploaded: their sum adds to it) or "states" (a (pre-)settlement's setlinfo states the whole total).
    fee_total: Literal["adds", "states"] | None = None
    # Name of the typed result for its answer (one of registry/results.py's RESULT_TYPES); a file answer is
    # a FileQueryResult.
    result_type: str = "Result"
    schema: Schema = field(default_factory=lambda: Schema("generic"))
    notes: str = ""

    # --- derived ---------------------------------------------------------------------------------------
    @property
    def timeout_s(self) -> float:
        return policy.PERFORMANCE_TARGETS[self.perf].timeout_s

    @property
    def target_s(self) -> float:
        return policy.PERFORMANCE_TARGETS[self.perf].target_s

    @property
    def schema_level(self) -> SchemaLevel:
        return self.schema.level

    @property
    def route(self) -> Route:
        """The first (main) route."""
        return self.routes[0]

    @property
    def title(self) -> str:
        return f"【{self.infno}】{self.name}"

    @property
    def sm_path(self) -> str | None:
        """The URL path of an SM-channel transaction: its sub-channel's prefix and its route name (the infno
        when it has none), e.g. /org/local/api/hos/uldFeeInfo for 6201; None outside the SM channel."""
        if self.channel is not Channel.SM:
            return None
        return f"{SM_PATH_PREFIXES[self.category]}/{self.sm_route or self.infno}"

    @property
    def request_nodes(self) -> tuple[Node, ...]:
        if self.schema.request:
            return self.schema.request
        return tuple(Node(name, (), required=True) for name in self.input_nodes)

    @cached_property
    def request_model(self) -> type[BaseModel]:
        """Model of the bureau `input` object (strict; the 3000x codes come from it)."""
        return build_message_model(
            f"Tx{self.infno}Input",
            self.request_nodes,
            flavour="request",
            refuse_empty=self.safety is not Safety.QUERY,
        )

    @cached_property
    def response_model(self) -> type[BaseModel]:
        """Model of the bureau `output` object (tolerant of real-world variations)."""
        return build_message_model(f"Tx{self.infno}Output", self.schema.response, flavour="response")

    @property
    def kept_keys(self) -> tuple[str, ...]:
        """The business keys the ledger keeps unmasked for its messages."""
        return tuple(dict.fromkeys(LEDGER_KEYS + self.identity_keys + self.ledger_keys))

    def evidence(self, data: Mapping[str, Any]) -> dict[str, str] | None:
        """The values `confirm_evidence` expects in the query answer for this request `data` (the
        validated input), or None when the request lacks one of them (then nothing can prove it)."""
        return _values(self.confirm_evidence, data)

    def person_fields(self, data: Mapping[str, Any]) -> dict[str, str]:
        """The `confirm_person` values of this request `data`, for its own resolution only; {} when the
        request lacks one of them."""
        return _values(self.confirm_person, data) or {}

    def validate_input(self, payload: Any) -> BaseModel:
        """Validate an `input` object; raises DataValidationError with every problem at once."""
        return validate_message(self.request_model, payload, infno=self.infno)

    def parse_output(self, output: Any) -> BaseModel:
        """Read an `output` tolerantly; a bare-list output lands in `.rows`."""
        if isinstance(output, list):
            output = {ROOT_ROWS: output}
        return self.response_model.model_validate(output if isinstance(output, dict) else {})


def _values(sources: tuple[tuple[str, str], ...], data: Mapping[str, Any]) -> dict[str, str] | None:
    """{name: value} for (name, "node.field" or "=constant") pairs read from a request; a list node gives
    its first row.  None when the request lacks one of them."""
    found: dict[str, str] = {}
    for name, source in sources:
        if source.startswith("="):
            found[name] = source[1:]
            continue
        node_name, field_name = source.split(".", 1)
        node = data.get(node_name)
        if isinstance(node, list):
            node = node[0] if node else None
        value = node.get(field_name) if isinstance(node, Mapping) else None
        if value in (None, ""):
            return None
        found[name] = str(value)
    return found


def tx(
    infno: str,
    name: str,
    interface_type: str,
    category: Category,
    routes: str | tuple[str, ...],
    *,
    safety: Safety,
    permission: str,
    perf: str,
    sdk_method: str | None = None,
    rate_category: str | Literal["auto"] | None = "auto",
    concurrency_class: str | None = None,
    result_type: str | None = None,
    **kw: Any,
) -> Transaction:
    """Declare a transaction: `routes` is "METHOD path" (or several); limits default from the safety, the
    result type from `file_output`, the identity keys from `cancels` (registry/keys.py)."""
    parsed = tuple(_route(r) for r in ((routes,) if isinstance(routes, str) else routes))
    if rate_category == "auto":
        rate_category = _default_rate_category(safety, perf)
    return Transaction(
        infno=infno,
        name=name,
        interface_type=interface_type,
        category=category,
        routes=parsed,
        safety=safety,
        permission=permission,
        perf=perf,
        rate_category=rate_category,
        concurrency_class=concurrency_class or _default_concurrency(safety, perf),
        sdk_method=sdk_method or interface_type,
        result_type=result_type or ("FileQueryResult" if kw.get("file_output") else "Result"),
        **{"identity_keys": default_identity_keys(bool(kw.get("cancels"))), **kw},
    )


def _route(text: str) -> Route:
    method, path = text.split(None, 1)
    if method not in ("GET", "POST", "PUT", "DELETE"):
        raise ValueError(f"bad method in route {text!r}")
    return Route(method, path.strip())  # type: ignore[arg-type]


def _default_rate_category(safety: Safety, perf: str) -> str | None:
    if perf in ("catalog_download", "dictionary_download"):
        return "catalog_download"
    if perf == "file_upload":
        return "file_upload"
    if safety is Safety.MONEY:
        return "settlement"
    if safety is Safety.QUERY:
        return "data_query"
    return None  # plain uploads: only the global and per-institution limits apply


def _default_concurrency(safety: Safety, perf: str) -> str:
    if perf in ("catalog_download", "dictionary_download"):
        return "catalog_download"
    if perf == "file_upload":
        return "file_upload"
    if safety is Safety.MONEY:
        return "settle"
    if safety is Safety.QUERY:
        return "query"
    return "data_upload"
