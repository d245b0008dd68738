"""Data key rotation: re-seal every sealed column under the primary key, in batches, resumable.

    report = rotate(database, batch_size=500)       # `yibao data-key rotate`
    counts = key_counts(database)                    # `yibao data-key status`: {table.column: {kid: rows}}
    rotate_files(database, files_root)               # the uploaded files, one by one (atomic each)

Every table with an `EncryptedJSON` column is walked in primary-key order, `batch_size` rows per
transaction; each batch commits together with the table's progress (`data_key_rotation.last_id`), so a
rotation that is stopped (Ctrl-C, a crash, `limit`) goes on after the last committed batch when it runs
again.  Old keys stay in the ring: rows not yet re-sealed keep opening with them while the gateway runs.

A value is rewritten only if it is still what was read (its ciphertext, or still unsealed): a gateway
writing the row meanwhile seals with the primary key itself, and its newer value is not overwritten.
Plain values of rows written before encryption existed are sealed on the way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Column, Table, func, select, type_coerce, update

from medical_insurance_sdk.storage.database import Database
from medical_insurance_sdk.storage.models import Base, DataKeyRotation
from medical_insurance_sdk.storage.protection import EncryptedJSON, file_key_id, is_sealed, reseal_file

UNSEALED = "(未加密)"


def _load_models() -> None:
    # the gateway's tables live on the same metadata; importing their modules registers them
    import medical_insurance_sdk.gateway.audit.models
    import medical_insurance_sdk.gateway.jobs_models
    import medical_insurance_sdk.gateway.models  # noqa: F401


def sealed_tables() -> dict[str, tuple[Table, list[Column[Any]]]]:
    """{table name: (table, its EncryptedJSON columns)}, in name order."""
    _load_models()
    found: dict[str, tuple[Table, list[Column[Any]]]] = {}
    for name in sorted(Base.metadata.tables):
        table = Base.metadata.tables[name]
        columns = [c for c in table.columns if isinstance(c.type, EncryptedJSON)]
        if columns:
            found[name] = (table, columns)
    return found


def _raw(column: Column[Any]) -> Any:
    """The column as stored (the sealed object itself, not opened)."""
    return type_coerce(column, JSON)


@dataclass
class RotationReport:
    target_kid: str
    resealed: dict[str, int] = field(default_factory=dict)  # table → rows rewritten in this run
    finished: bool = True


def rotate(
    database: Database,
    *,
    batch_size: int = 500,
    limit: int | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> RotationReport:
    """Re-seal every sealed value not under the ring's primary key; `limit` stops after that many batches
    (the next run resumes); `progress(table, last_id, rows_rewritten)` is told after each batch."""
    ring = database.key_ring
    target = ring.primary
    report = RotationReport(target)
    batches = 0
    for name, (table, columns) in sealed_tables().items():
        pk = table.primary_key.columns.values()[0]
        with database.session() as s:
            state = s.get(DataKeyRotation, name)
            if state is None or state.target_kid != target:
                state = DataKeyRotation(
                    table_name=name, target_kid=target, last_id=0, rows_sealed=0, updated_at=_now()
                )
                state = s.merge(state)
            last_id = state.last_id
        report.resealed.setdefault(name, 0)
        while True:
            if limit is not None and batches >= limit:
                report.finished = False
                return report
            with database.session() as s:
                rows = s.execute(
                    select(pk, *(_raw(c).label(c.name) for c in columns))
                    .where(pk > last_id)
                    .order_by(pk)
                    .limit(batch_size)
                ).all()
                if not rows:
                    break
                rewritten = 0
                for row in rows:
                    rewritten += _reseal_row(s, table, pk, columns, row, target)
                last_id = rows[-1][0]
                state = s.get(DataKeyRotation, name)
                assert state is not None
                state.last_id, state.updated_at = last_id, _now()
                state.rows_sealed = (state.rows_sealed or 0) + rewritten
            report.resealed[name] += rewritten
            batches += 1
            if progress is not None:
                progress(name, last_id, report.resealed[name])
    return report


def _reseal_row(
    session: Any, table: Table, pk: Column[Any], columns: list[Column[Any]], row: Any, target: str
) -> int:
    changes: dict[str, Any] = {}
    unchanged = []
    for column in columns:
        stored = row._mapping[column.name]
        if stored is None or (is_sealed(stored) and stored["kid"] == target):
            continue
        # opened through the column's type (old key or plain), sealed again by it under the primary key
        sealed_type = column.type
        assert isinstance(sealed_type, EncryptedJSON)
        opened = sealed_type.process_result_value(stored, session.bind.dialect)
        changes[column.name] = opened
        raw = _raw(column)
        if is_sealed(stored):
            unchanged.append(raw["ct"].as_string() == stored["ct"])
        else:
            unchanged.append(raw["enc"].as_string().is_(None))
    if not changes:
        return 0
    done = session.execute(
        update(table)
        .where(pk == row[0], *unchanged)
        .values(**changes)
        .execution_options(synchronize_session=False)
    )
    return 1 if getattr(done, "rowcount", 0) == 1 else 0


def key_counts(database: Database) -> dict[str, dict[str, int]]:
    """{"table.column": {kid or "(未加密)": rows}} of the values stored (SQL NULL and JSON null left out)."""
    counts: dict[str, dict[str, int]] = {}
    with database.session() as s:
        for name, (_table, columns) in sealed_tables().items():
            for column in columns:
                kid = _raw(column)["kid"].as_string()
                per_kid: dict[str, int] = {}
                for value, n in s.execute(
                    select(kid, func.count()).where(column.is_not(None)).group_by(kid)
                ).all():
                    if value is not None:
                        per_kid[str(value)] = int(n)
                unsealed = sum(
                    1
                    for (stored,) in s.execute(select(_raw(column)).where(column.is_not(None), kid.is_(None)))
                    if stored is not None
                )
                if unsealed:
                    per_kid[UNSEALED] = unsealed
                counts[f"{name}.{column.name}"] = per_kid
    return counts


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def stored_files(database: Database, root: Path) -> Iterator[tuple[Path, str]]:
    """(path, sealing purpose) of every stored file of the gateway that is still on disk."""
    from medical_insurance_sdk.gateway.jobs_models import StoredFile

    last = 0
    while True:
        with database.session() as s:
            rows = s.execute(
                select(StoredFile.id, StoredFile.path)
                .where(StoredFile.id > last)
                .order_by(StoredFile.id)
                .limit(500)
            ).all()
        if not rows:
            return
        for _id, relative in rows:
            path = root / relative
            if path.is_file():
                yield path, f"stored_file:{relative}"
        last = rows[-1][0]


def rotate_files(database: Database, root: Path) -> int:
    """Re-seal the stored files not under the primary key (each file atomically: a restart goes on)."""
    return sum(
        reseal_file(database.key_ring, path, purpose=purpose)
        for path, purpose in stored_files(database, root)
    )


def file_key_counts(database: Database, root: Path) -> dict[str, int]:
    """{kid or "(未加密)": files} of the stored files."""
    counts: dict[str, int] = {}
    for path, _purpose in stored_files(database, root):
        kid = file_key_id(path) or UNSEALED
        counts[kid] = counts.get(kid, 0) + 1
    return counts
