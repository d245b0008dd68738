"""What each `yibao reconcile` run concluded, kept in the product database for the operators' alerts.

    record_run(database, report, insutypes=("310",), clr_types=())

One row of `reconcile_run` per run (models.ReconcileRun).  postgres-exporter turns the table into gauges
(deploy/prometheus/postgres-exporter-queries.yaml, query yibao_reconcile): days whose latest run did not
balance, and when a run last reached a verdict.
"""

from __future__ import annotations

from collections.abc import Iterable, Sized
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Protocol

from medical_insurance_sdk.storage.models import ReconcileRun

if TYPE_CHECKING:
    from medical_insurance_sdk.storage.database import Database

BALANCED, UNBALANCED, FAILED = "BALANCED", "UNBALANCED", "FAILED"


class RunReport(Protocol):
    """What is kept of a reconciliation report (engine.reconcile.ReconcileReport)."""

    institution: str
    day: date

    @property
    def discrepancies(self) -> Sized: ...

    @property
    def failed(self) -> bool: ...

    @property
    def balanced(self) -> bool: ...

    @property
    def failure(self) -> str | None: ...


def scope_text(insutypes: Iterable[str] | None, clr_types: Iterable[str] | None) -> str:
    """ "" for the whole day, else the codes the run was narrowed to, in a stable order."""
    parts = [
        f"{name}={','.join(sorted(set(codes)))}"
        for name, codes in (("insutype", insutypes or ()), ("clr_type", clr_types or ()))
        if codes
    ]
    return ";".join(parts)


def outcome_of(report: RunReport) -> str:
    if report.failed:
        return FAILED
    return BALANCED if report.balanced else UNBALANCED


def record_run(
    database: Database,
    report: RunReport,
    *,
    insutypes: Iterable[str] | None = None,
    clr_types: Iterable[str] | None = None,
) -> ReconcileRun:
    """Store the outcome of one run (committed) and return it."""
    run = ReconcileRun(
        institution_code=report.institution,
        stmt_date=report.day,
        scope=scope_text(insutypes, clr_types),
        outcome=outcome_of(report),
        discrepancies=len(report.discrepancies),
        failure=report.failure if report.failed else None,
        finished_at=datetime.now(UTC).replace(tzinfo=None),
    )
    with database.session() as session:
        session.add(run)
    return run
