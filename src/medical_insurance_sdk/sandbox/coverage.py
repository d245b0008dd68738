"""What the sandbox bureau does with each transaction (rendered per category into docs/interfaces.md).

    behaviour(tx)  ->  "handler" | "records" | "file" | "shape"

- ``handler``: a handler of its own keeps business state (visits, settlements, prescriptions, appeals …).
- ``records``: the generic handler, with state: a write whose records a query reads back (`answers_from`),
  or such a query.
- ``file``: the generic handler stores a generated file for 9102 to fetch.
- ``shape``: the generic handler answers the registry's response table only; nothing is kept.

The first three are stateful behaviour: what a client sends changes what the bureau answers later.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Literal

from medical_insurance_sdk.registry import REGISTRY, Safety, Transaction
from medical_insurance_sdk.sandbox.handlers.base import HANDLERS
from medical_insurance_sdk.sandbox.runtime import load_handlers

Behaviour = Literal["handler", "records", "file", "shape"]
STATEFUL: tuple[Behaviour, ...] = ("handler", "records", "file")


@cache
def _read_back() -> frozenset[str]:
    """Writes whose records some query answers from."""
    return frozenset(source for t in REGISTRY.transactions for source in t.answers_from)


def behaviour(tx: Transaction) -> Behaviour:
    load_handlers()
    if tx.infno in HANDLERS:
        return "handler"
    if tx.answers_from or (tx.safety is not Safety.QUERY and tx.infno in _read_back()):
        return "records"
    if tx.file_output:
        return "file"
    return "shape"


def stateful_count(transactions: Iterable[Transaction]) -> int:
    return sum(behaviour(t) in STATEFUL for t in transactions)
