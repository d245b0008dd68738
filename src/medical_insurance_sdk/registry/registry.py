"""Index over the transactions, and the self-check that runs on import."""

from __future__ import annotations

import dataclasses
import keyword
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping

from medical_insurance_sdk.registry import policy
from medical_insurance_sdk.registry.fields import Schema
from medical_insurance_sdk.registry.results import RESULT_TYPES
from medical_insurance_sdk.registry.transaction import (
    CATEGORY_COUNTS,
    SM_PATH_PREFIXES,
    Category,
    Channel,
    Route,
    Safety,
    Transaction,
)

# reference §3 "2601": besides settlements and their cancellations (declared by clearing_class / undoes),
# 2601 reverses an admission; the sandbox's 2601 implements exactly these
REVERSIBLE_RECORDS = frozenset({"2401"})

# what answers a fee_total declaration: fee lines (FeeUploadResult) or a setlinfo (SettlementResult)
_FEE_RESULTS = {"adds": "FeeUploadResult", "states": "SettlementResult"}

_SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
_PATH = re.compile(r"^[a-z][a-z0-9-]*(/[a-z0-9][a-z0-9-]*)*$")
_INFNO = re.compile(r"^\d{4,6}[A-Z]?$")


class RegistryError(RuntimeError):
    """The registry data is inconsistent; the package refuses to load."""


class Registry(Mapping[str, Transaction]):
    """Immutable index of transactions by infno, interface_type, SDK method name and route."""

    def __init__(self, transactions: Iterable[Transaction], *, expected_counts: bool = True) -> None:
        self._all = tuple(transactions)
        problems = check(self._all, expected_counts=expected_counts)
        if problems:
            raise RegistryError("registry check failed:\n  " + "\n  ".join(problems))
        self._by_key: dict[str, Transaction] = {}
        for t in self._all:
            for key in (t.infno, t.interface_type, t.sdk_method):
                self._by_key.setdefault(key, t)
        self._by_route: dict[tuple[str, str], Transaction] = {
            (r.method, r.path): t for t in self._all for r in t.routes
        }

    def __getitem__(self, key: str) -> Transaction:
        return self._by_key[key]

    def __iter__(self) -> Iterator[str]:
        return (t.infno for t in self._all)

    def __len__(self) -> int:
        return len(self._all)

    @property
    def transactions(self) -> tuple[Transaction, ...]:
        return self._all

    def by_route(self, method: str, path: str) -> Transaction:
        """The transaction behind `METHOD path` (path relative to the API prefix, no leading slash)."""
        return self._by_route[(method.upper(), path.strip("/"))]

    def routes(self) -> dict[tuple[str, str], Transaction]:
        return dict(self._by_route)

    def in_category(self, category: Category) -> tuple[Transaction, ...]:
        return tuple(t for t in self._all if t.category is category)

    def settlements(self) -> dict[str, str]:
        """Settlement infno → its declared clearing class (reconciliation books its messages under it)."""
        return {t.infno: t.clearing_class for t in self._all if t.clearing_class is not None}

    def settlement_cancellations(self) -> dict[str, str]:
        """Cancellation infno → the settlement it undoes (its answer carries the negative amounts)."""
        settlements = self.settlements()
        return {t.infno: t.undoes for t in self._all if t.undoes is not None and t.undoes in settlements}


def check(transactions: tuple[Transaction, ...], *, expected_counts: bool = True) -> list[str]:
    """Every rule the registry must obey; returns the broken ones (empty list = healthy)."""
    problems: list[str] = []

    def dupes(values: Iterable[object], what: str) -> None:
        for value, n in Counter(values).items():
            if n > 1:
                problems.append(f"{what} {value} appears {n} times")

    dupes((t.infno for t in transactions), "infno")
    dupes((t.interface_type for t in transactions), "interface_type")
    dupes((t.sdk_method for t in transactions), "sdk_method")
    dupes(((r.method, r.path) for t in transactions for r in t.routes), "route")
    dupes((t.sm_route for t in transactions if t.sm_route), "sm_route")

    if expected_counts:
        counts = Counter(t.category for t in transactions)
        for category, expected in CATEGORY_COUNTS.items():
            if counts.get(category, 0) != expected:
                problems.append(
                    f"category {category}: {counts.get(category, 0)} transactions, spec says {expected}"
                )
        if len(transactions) != sum(CATEGORY_COUNTS.values()):
            problems.append(f"{len(transactions)} transactions, spec says {sum(CATEGORY_COUNTS.values())}")

    known_infnos = {t.infno for t in transactions}
    by_infno = {t.infno: t for t in transactions}
    for t in transactions:
        where = f"{t.infno} {t.name}"
        if not _INFNO.match(t.infno):
            problems.append(f"{where}: infno format")
        if not _SNAKE.match(t.interface_type):
            problems.append(f"{where}: interface_type {t.interface_type!r} is not snake_case")
        if (
            not t.sdk_method.isidentifier()
            or keyword.iskeyword(t.sdk_method)
            or not _SNAKE.match(t.sdk_method)
        ):
            problems.append(f"{where}: sdk_method {t.sdk_method!r} is not a valid method name")
        if not t.routes:
            problems.append(f"{where}: no route")
        for r in t.routes:
            if not _PATH.match(r.path):
                problems.append(f"{where}: route path {r.path!r} is not in the spec's style")
        if t.permission not in policy.PERMISSIONS:
            problems.append(f"{where}: unknown permission {t.permission!r}")
        if t.perf not in policy.PERFORMANCE_TARGETS:
            problems.append(f"{where}: unknown performance class {t.perf!r}")
        if t.rate_category is not None and t.rate_category not in policy.RATE_CATEGORIES:
            problems.append(f"{where}: unknown rate category {t.rate_category!r}")
        if t.concurrency_class not in policy.CONCURRENCY_CLASSES:
            problems.append(f"{where}: unknown concurrency class {t.concurrency_class!r}")
        if t.effect_free and (t.safety is Safety.QUERY or t.reversible):
            problems.append(f"{where}: effect_free is for write/money calls that no 2601 can reverse")
        if t.reversible and t.safety is Safety.QUERY:
            problems.append(f"{where}: a query cannot be reversible")
        if t.confirm_by is not None and t.confirm_by not in known_infnos:
            problems.append(f"{where}: confirm_by {t.confirm_by} is not a known infno")
        problems.extend(f"{where}: {p}" for p in _evidence_problems(t, by_infno))
        problems.extend(f"{where}: {p}" for p in _records_problems(t, by_infno))
        problems.extend(f"{where}: {p}" for p in _pair_problems(t, by_infno))
        if t.result_type not in RESULT_TYPES:
            problems.append(f"{where}: unknown result type {t.result_type!r}")
        if t.sm_route is not None and t.channel is not Channel.SM:
            problems.append(f"{where}: sm_route {t.sm_route!r} on a transaction outside the SM channel")
        if t.channel is Channel.SM and t.category not in SM_PATH_PREFIXES:
            problems.append(f"{where}: the SM channel has no URL path for category {t.category}")
        if t.catalog_name_column is not None and not t.file_output:
            problems.append(f"{where}: a catalogue name column belongs to a file download")
        if t.spec_flow and not _SNAKE.match(t.spec_flow):
            problems.append(f"{where}: spec_flow key {t.spec_flow!r} is not a snake_case argument name")
        if t.cacheable and t.safety is not Safety.QUERY:
            problems.append(f"{where}: only a query's answer may be cached")
        if t.fee_total is not None and t.result_type != _FEE_RESULTS[t.fee_total]:
            problems.append(f"{where}: fee_total {t.fee_total!r} needs a {_FEE_RESULTS[t.fee_total]}")
        if t.file_output and t.result_type != "FileQueryResult":
            problems.append(f"{where}: a file answer is a FileQueryResult, not {t.result_type}")
        if not t.needs_sign_in and t.interface_type != "sign_in":
            problems.append(f"{where}: only sign-in itself is sent without a sign_no")
        if t.schema.request and tuple(n.name for n in t.schema.request) != t.input_nodes:
            problems.append(
                f"{where}: input_nodes {t.input_nodes} differ from the schema's "
                f"{tuple(n.name for n in t.schema.request)}"
            )
        if t.schema.level != "generic" and not t.schema.request and t.safety is not Safety.QUERY:
            problems.append(f"{where}: a {t.schema.level} schema needs request nodes")
    return problems


def _pair_problems(t: Transaction, by_infno: Mapping[str, Transaction]) -> list[str]:
    """Settlement and cancellation facts agree with each other (reconciliation and 2601 read them)."""
    problems = []
    undone = by_infno.get(t.undoes or "")
    settlement_or_cancel = t.clearing_class is not None or (undone is not None and undone.clearing_class)
    if t.reversible and not settlement_or_cancel and t.infno not in REVERSIBLE_RECORDS:
        problems.append("2601 reverses only settlements, their cancellations and an admission (2401)")
    if t.undoes is not None:
        undone = by_infno.get(t.undoes)
        if undone is None:
            problems.append(f"undoes {t.undoes}, which is not a known infno")
        elif not t.cancels:
            problems.append("undoes a record, so it must be declared cancels=True")
        elif undone.clearing_class is not None and (
            t.safety is not Safety.MONEY or t.reversible != undone.reversible
        ):
            problems.append(f"cancels settlement {t.undoes}: must be money and reversible as it is")
    if t.clearing_class is not None:
        if t.safety is not Safety.MONEY:
            problems.append("a settlement (clearing_class) must be a money transaction")
        cancellations = [c.infno for c in by_infno.values() if c.undoes == t.infno]
        if len(cancellations) != 1:
            problems.append(f"a settlement needs exactly one cancellation undoing it, has {cancellations}")
    return problems


def _records_problems(t: Transaction, by_infno: Mapping[str, Transaction]) -> list[str]:
    """answers_from names writes, on a query; nothing else does it."""
    problems = []
    if t.answers_from and t.safety is not Safety.QUERY:
        problems.append("only a query is answered from the records of other transactions")
    for source in t.answers_from:
        written = by_infno.get(source)
        if written is None:
            problems.append(f"answers_from {source}, which is not a known infno")
        elif written.safety is Safety.QUERY:
            problems.append(f"answers_from {source}, a query, which records nothing")
    return problems


def _evidence_problems(t: Transaction, by_infno: Mapping[str, Transaction]) -> list[str]:
    """confirm_evidence names fields of confirm_by's answer rows and of this request that exist."""
    if not t.confirm_evidence:
        return []
    query = by_infno.get(t.confirm_by or "")
    if query is None or not query.schema.response:
        return ["confirm_evidence needs a confirm_by query with a declared answer"]
    problems = []
    answer_fields = {f.name for node in query.schema.response for f in node.fields}
    request_fields = {f"{node.name}.{f.name}" for node in t.request_nodes for f in node.fields}
    open_nodes = {n.name for n in t.request_nodes if not n.fields}  # no field table: any field may be there
    for answer_field, source in t.confirm_evidence:
        if answer_field not in answer_fields:
            problems.append(f"confirm_evidence: {query.infno} answers no field {answer_field}")
        if source.startswith("="):
            continue
        if source not in request_fields and source.split(".", 1)[0] not in open_nodes:
            problems.append(f"confirm_evidence: the request has no field {source}")
    return problems


def attach_schemas(transactions: Iterable[Transaction], schemas: Mapping[str, Schema]) -> list[Transaction]:
    """Join catalog records with their field tables; a schema for an unknown infno is an error."""
    transactions = list(transactions)
    known = {t.infno for t in transactions}
    unknown = sorted(set(schemas) - known)
    if unknown:
        raise RegistryError(f"schemas declared for unknown infno(s): {unknown}")
    out = []
    for t in transactions:
        schema = schemas.get(t.infno)
        if schema is None:
            out.append(t)
            continue
        nodes = tuple(n.name for n in schema.request) or t.input_nodes
        out.append(dataclasses.replace(t, schema=schema, input_nodes=nodes))
    return out


def assemble() -> Registry:
    """Build the registry from the catalog and schema modules."""
    from medical_insurance_sdk.registry.catalog import TRANSACTIONS
    from medical_insurance_sdk.registry.schemas import SCHEMAS

    return Registry(attach_schemas(TRANSACTIONS, SCHEMAS))


__all__ = ["Registry", "RegistryError", "Route", "assemble", "check"]
