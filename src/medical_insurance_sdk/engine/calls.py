"""The values a call of the engine takes and gives: per-call choices, the result, an unresolved entry.

Kept apart from the logic (`flow.py`, `compensation.py`) so that both, the ledger and the gateway can name
them without importing each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from medical_insurance_sdk.protocol.profiles import variant_base
from medical_insurance_sdk.protocol.result import BureauResult, FileAnswer
from medical_insurance_sdk.registry import REGISTRY, Registry, Transaction


@dataclass(frozen=True)
class CallOptions:
    """Per-call choices; None means the institution's default."""

    operator: str | None = None
    operator_name: str | None = None
    insuplc_admdvs: str | None = None
    request_id: str | None = None
    timeout_s: float | None = None
    # resolve an UNKNOWN write/money outcome inside the call (the compensation's own calls say False)
    resolve: bool = True
    parent_msgid: str | None = None


@dataclass(frozen=True)
class CallResult:
    """A definite, successful outcome.  `state` is SUCCESS, or CONFIRMED when a lost answer was recovered
    by a query (then `output` is the query's answer row, `confirmed_by` its infno)."""

    msgid: str
    infno: str
    state: str
    output: Any = None
    file: FileAnswer | None = None
    result: BureauResult | None = None
    confirmed_by: str | None = None

    def parsed(self, registry: Registry = REGISTRY) -> Any:
        """The output read with its transaction's response model (a province variant's: its base's)."""
        tx = sent_transaction(self.infno, registry)
        if tx is None:
            raise KeyError(self.infno)
        return tx.parse_output(self.output)


def sent_transaction(infno: str, registry: Registry = REGISTRY) -> Transaction | None:
    """The transaction of a code the engine sent (a CallResult's, a request's `infno`): its own record, or
    for a province variant code its base's — as `Profile.resolve` found it before sending, since a profile
    declares a variant only with the base `variant_base` names (`2206A` → `2206`).  None for other codes."""
    tx = registry.get(infno)
    if tx is not None:
        return tx
    base = variant_base(infno)
    tx = registry.get(base) if base is not None else None
    return tx if tx is not None and tx.infno == base else None


@dataclass(frozen=True)
class PendingView:
    """What resolution needs to know about a ledger entry.  `created_at` is when it was recorded, just
    before it was sent; `bureau` the identity of the bureau it went to (None: recorded before 0005)."""

    msgid: str
    infno: str
    institution_code: str
    operator: str
    created_at: datetime
    business_keys: Mapping[str, Any] = field(default_factory=dict)
    error_message: str | None = None
    bureau: str | None = None
