"""Retention of logs and call records (spec §8.2.2): how long each kind of row is kept, and the deletion.

    policy = RetentionPolicy.from_days({"info": 30, "critical": None})   # None: kept for ever
    results = run_retention(database, policy, files_root=settings.files_root)   # `yibao retention`, the beat

What goes, by class (`DEFAULT_DAYS`; overridden by MEDICAL_INSURANCE_RETENTION_DAYS, gateway/settings.py):

    interface_call_log   by call_time and the level the JSON log gives the same call (audit/logging.py):
                         success INFO 30 天, refused (4xx) WARNING 90 天, failed (5xx) ERROR 1 年,
                         authentication / permission refusals (401/403: security events) CRITICAL 永久
    interface_data       the business data of successful calls, 1 年 by created_at; a call-log row that goes
                         before its data row leaves the data row without its link (call_log_id NULL)
    ledger_entry         only final rows (engine.ledger.FINAL_STATES; PENDING / UNKNOWN never): queries 1 年;
                         write/money messages and every compensation message (parent_msgid) 30 年
    idempotency_record   DONE keys after 180 天, never while IN_FLIGHT or while the ledger message they
                         name is not final
    batch_operation(_log) finished batches (completed / failed, no operation pending, running or unknown)
    async_task           finished tasks (completed / failed): both 90 天
    stored_file          uploaded files after 90 天: the row, then the file on disk
    reconcile_run        one row per `yibao reconcile` run, 3 年 (at least 31 天: the exporter looks back 31)

Why these money defaults.  The ledger is the record of every message that moved money; reconciliation
(3201/3202), compensation (2601 / query) and idempotency replays read it.  Accounting vouchers are kept
30 years in China (会计档案管理办法, 2015), and the ledger's settlement rows are what the hospital's vouchers
rest on: 30 years, with a floor of 3 years no configuration goes under.  An idempotency key, once deleted,
would let a resent request run again; HIS retries come within minutes, a queue or month-end catch-up within
weeks, so 180 days is far beyond any useful replay, while the record's sealed answer (personal data) does
not stay for ever.  DEBUG lines are never stored in the database: they live in process logs, which the
deployment's log collector keeps 7 days (docs/deployment/README.md).

How.  Each class is walked in (time, id) order with keyset pagination, `batch_rows` rows per transaction
(default 5,000): no long lock on a busy table, each old row read once per run, and a run stopped half way
resumes from the start the next time (deletion is idempotent).  Tables with an institution are walked per
institution through their (institution_id, time, id) indexes.  Every DELETE repeats the class's condition,
so a row that changed since it was read (a ledger entry resolved, say) is only deleted if it still
qualifies.  msgid_sequence needs nothing here: the allocator prunes it as it goes (storage/allocators.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, delete, exists, func, not_, or_, select, update
from sqlalchemy.orm import Session

from medical_insurance_sdk.engine.ledger import FINAL_STATES
from medical_insurance_sdk.storage.database import Database
from medical_insurance_sdk.storage.models import Base

log = logging.getLogger(__name__)

DEFAULT_BATCH_ROWS = 5000
YEAR_DAYS = 365
# days per retention class; None = kept for ever
DEFAULT_DAYS: Mapping[str, int | None] = MappingProxyType(
    {
        "info": 30,
        "warning": 90,
        "error": YEAR_DAYS,
        "critical": None,
        "interface_data": YEAR_DAYS,
        "ledger_query": YEAR_DAYS,
        "ledger_money": 30 * YEAR_DAYS,
        "idempotency": 180,
        "jobs": 90,
        "files": 90,
        "reconcile_runs": 3 * YEAR_DAYS,  # one row per institution and day: small, and audits ask for it
    }
)
# the least a configuration may ask for: what reconciliation, compensation and replays still need
MIN_DAYS: Mapping[str, int] = MappingProxyType(
    # reconcile_runs: the exporter's unbalanced-days gauge looks back 31 days
    {"ledger_money": 3 * YEAR_DAYS, "ledger_query": 30, "idempotency": 30, "reconcile_runs": 31}
)
SECURITY_STATUSES = (401, 403)  # authentication and permission refusals: security events (CRITICAL)
UNFINISHED_OPERATIONS = ("pending", "running", "unknown")
FINISHED_JOBS = ("completed", "failed")


def keep_text(days: int | None) -> str:
    """How long a class is kept, as operators read it: 永久, 3 年, 90 天."""
    if days is None:
        return "永久"
    if days % YEAR_DAYS == 0:
        return f"{days // YEAR_DAYS} 年"
    return f"{days} 天"


@dataclass(frozen=True)
class RetentionPolicy:
    """Days per retention class (`DEFAULT_DAYS` keys; None = for ever) and the rows per transaction."""

    days: Mapping[str, int | None] = field(default_factory=lambda: dict(DEFAULT_DAYS))
    batch_rows: int = DEFAULT_BATCH_ROWS

    @classmethod
    def from_days(
        cls, overrides: Mapping[str, int | None] | None = None, *, batch_rows: int = DEFAULT_BATCH_ROWS
    ) -> RetentionPolicy:
        """The defaults with `overrides`; ValueError (Chinese) for an unknown class or too short a time."""
        days = dict(DEFAULT_DAYS)
        for name, value in (overrides or {}).items():
            key = name.strip().lower()
            if key not in DEFAULT_DAYS:
                known = "、".join(DEFAULT_DAYS)
                raise ValueError(f"未知的保留类别 {name!r}（可用: {known}）")
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise ValueError(f"保留类别 {name} 的天数应为整数或 null（永久）: {value!r}")
            least = MIN_DAYS.get(key, 1)
            if value is not None and value < least:
                raise ValueError(
                    f"保留类别 {name} 至少保留 {least} 天（对账、补偿与幂等重放仍需要），收到 {value}"
                )
            days[key] = value
        if batch_rows < 1:
            raise ValueError(f"每批删除行数应为正整数: {batch_rows}")
        return cls(days=MappingProxyType(days), batch_rows=batch_rows)


Where = Callable[[Table, datetime], ColumnElement[bool]]
BeforeDelete = Callable[[Session, list[int]], None]


@dataclass(frozen=True)
class Rule:
    """One class of rows of one table: deleted once `time_column` is older than the class's days."""

    table: str
    kind: str  # the DEFAULT_DAYS key
    label: str  # what these rows are (Chinese, for the CLI)
    time_column: str
    where: Where
    by_institution: bool = False  # walk each institution through its (institution_id, time, id) index
    before_delete: Callable[[], BeforeDelete] | None = None
    files: bool = False  # rows name files under the file directory: removed after the rows


@dataclass(frozen=True)
class RetentionResult:
    table: str
    label: str
    kind: str
    days: int | None
    rows: int  # deleted, or (dry run) that would be
    dry_run: bool


def _t(name: str) -> Table:
    _load_models()
    return Base.metadata.tables[name]


def _load_models() -> None:
    # the gateway's tables live on the same metadata; importing their modules registers them
    import medical_insurance_sdk.gateway.audit.models
    import medical_insurance_sdk.gateway.jobs_models
    import medical_insurance_sdk.gateway.models  # noqa: F401


# ------------------------------------------------------------------------------------------- the rules
def _calls(level: str) -> Where:
    def where(t: Table, _cutoff: datetime) -> ColumnElement[bool]:
        refused = and_(not_(t.c.success), t.c.http_status.not_in(SECURITY_STATUSES))
        return {
            "info": t.c.success.is_(True),
            "warning": and_(refused, t.c.http_status < 500),
            "error": and_(refused, t.c.http_status >= 500),
            "critical": and_(not_(t.c.success), t.c.http_status.in_(SECURITY_STATUSES)),
        }[level]

    return where


def _unlink_call_data() -> BeforeDelete:
    data = _t("interface_data")

    def unlink(session: Session, ids: list[int]) -> None:
        session.execute(update(data).where(data.c.call_log_id.in_(ids)).values(call_log_id=None))

    return unlink


def _everything(t: Table, _cutoff: datetime) -> ColumnElement[bool]:
    return t.c.id.is_not(None)


def _ledger_query(t: Table, _cutoff: datetime) -> ColumnElement[bool]:
    return and_(t.c.safety == "query", t.c.parent_msgid.is_(None), t.c.state.in_(sorted(FINAL_STATES)))


def _ledger_money(t: Table, _cutoff: datetime) -> ColumnElement[bool]:
    return and_(
        or_(t.c.safety != "query", t.c.parent_msgid.is_not(None)), t.c.state.in_(sorted(FINAL_STATES))
    )


def _idempotency(t: Table, _cutoff: datetime) -> ColumnElement[bool]:
    ledger = _t("ledger_entry")
    unresolved = exists().where(ledger.c.msgid == t.c.msgid, ledger.c.state.not_in(sorted(FINAL_STATES)))
    return and_(t.c.state == "DONE", not_(unresolved))


def _finished_batch(t: Table, cutoff: datetime) -> ColumnElement[bool]:
    ops = _t("batch_operation").alias("busy_operation")  # never correlated with an outer batch_operation
    busy = exists().where(ops.c.batch_log_id == t.c.id, ops.c.status.in_(UNFINISHED_OPERATIONS))
    return and_(t.c.status.in_(FINISHED_JOBS), t.c.end_time < cutoff, not_(busy))


def _operations_of_finished_batches(t: Table, cutoff: datetime) -> ColumnElement[bool]:
    batches = _t("batch_operation_log")
    finished = select(batches.c.id).where(batches.c.start_time < cutoff, _finished_batch(batches, cutoff))
    return t.c.batch_log_id.in_(finished)


def _delete_operations() -> BeforeDelete:
    ops = _t("batch_operation")

    def remove(session: Session, ids: list[int]) -> None:
        # normally none are left: the batch_operation rule ran first, in bounded batches
        session.execute(delete(ops).where(ops.c.batch_log_id.in_(ids)))

    return remove


def _finished_task(t: Table, cutoff: datetime) -> ColumnElement[bool]:
    return and_(t.c.status.in_(FINISHED_JOBS), t.c.completed_at < cutoff)


RULES: tuple[Rule, ...] = (
    Rule("interface_data", "interface_data", "调用业务数据", "created_at", _everything, by_institution=True),
    Rule(
        "interface_call_log", "info", "成功调用（INFO）", "call_time", _calls("info"), True, _unlink_call_data
    ),
    Rule(
        "interface_call_log",
        "warning",
        "被拒绝的调用（WARNING，4xx）",
        "call_time",
        _calls("warning"),
        True,
        _unlink_call_data,
    ),
    Rule(
        "interface_call_log",
        "error",
        "失败的调用（ERROR，5xx）",
        "call_time",
        _calls("error"),
        True,
        _unlink_call_data,
    ),
    Rule(
        "interface_call_log",
        "critical",
        "认证/权限拒绝（CRITICAL，安全事件）",
        "call_time",
        _calls("critical"),
        True,
        _unlink_call_data,
    ),
    Rule("ledger_entry", "ledger_query", "查询类报文（已终结）", "created_at", _ledger_query),
    Rule("ledger_entry", "ledger_money", "写入/资金类报文及补偿报文（已终结）", "created_at", _ledger_money),
    Rule("idempotency_record", "idempotency", "幂等键（已完成）", "created_at", _idempotency),
    Rule("batch_operation", "jobs", "已结束批次的操作项", "id", _operations_of_finished_batches),
    Rule(
        "batch_operation_log",
        "jobs",
        "已结束的批次",
        "start_time",
        _finished_batch,
        by_institution=True,
        before_delete=_delete_operations,
    ),
    Rule("async_task", "jobs", "已结束的异步任务", "created_at", _finished_task, by_institution=True),
    Rule("stored_file", "files", "上传文件（含磁盘文件）", "created_at", _everything, True, files=True),
    Rule(
        "reconcile_run",
        "reconcile_runs",
        "对账记录（yibao reconcile 每次运行一行）",
        "finished_at",
        _everything,
    ),
)


def table_names() -> list[str]:
    """The tables retention deletes from, in the order it works on them."""
    return list(dict.fromkeys(rule.table for rule in RULES))


def rules_for(tables: Sequence[str] | None) -> list[Rule]:
    """The rules of `tables` (all when None); a batch's operations go with it.  ValueError: unknown table."""
    if not tables:
        return list(RULES)
    wanted = set(tables)
    unknown = wanted - set(table_names())
    if unknown:
        raise ValueError(f"不支持清理的表: {'、'.join(sorted(unknown))}（可用: {'、'.join(table_names())}）")
    if "batch_operation_log" in wanted:
        wanted.add("batch_operation")
    return [rule for rule in RULES if rule.table in wanted]


# -------------------------------------------------------------------------------------------- the run
def run_retention(
    database: Database,
    policy: RetentionPolicy,
    *,
    tables: Sequence[str] | None = None,
    dry_run: bool = False,
    files_root: Path | None = None,
    now: datetime | None = None,
) -> list[RetentionResult]:
    """Delete (or with `dry_run` count) what `policy` no longer keeps; one result per rule, in order.

    `files_root` is where stored files lie (settings.files_root); without it uploaded files are left alone.
    `now` is naive UTC like every table's times (tests move it)."""
    moment = now or datetime.now(UTC).replace(tzinfo=None)
    results: list[RetentionResult] = []
    for rule in rules_for(tables):
        days = policy.days.get(rule.kind)
        if days is None or (rule.files and files_root is None):
            results.append(RetentionResult(rule.table, rule.label, rule.kind, days, 0, dry_run))
            continue
        cutoff = moment - timedelta(days=days)
        if dry_run:
            rows = _count(database, rule, cutoff)
        else:
            rows = _sweep(database, rule, cutoff, policy.batch_rows, files_root)
            if rows:
                log.info(
                    "retention: %s (%s) deleted %d rows older than %s", rule.table, rule.kind, rows, cutoff
                )
        results.append(RetentionResult(rule.table, rule.label, rule.kind, days, rows, dry_run))
    return results


def _condition(rule: Rule, table: Table, cutoff: datetime) -> ColumnElement[bool]:
    time = table.c[rule.time_column]
    if rule.time_column == table.primary_key.columns.values()[0].name:
        return rule.where(table, cutoff)  # no time of its own: the condition carries the cutoff
    return and_(time < cutoff, rule.where(table, cutoff))


def _count(database: Database, rule: Rule, cutoff: datetime) -> int:
    table = _t(rule.table)
    with database.session() as s:
        return int(
            s.scalar(select(func.count()).select_from(table).where(_condition(rule, table, cutoff))) or 0
        )


def _partitions(database: Database, rule: Rule) -> list[Any]:
    if not rule.by_institution:
        return [None]
    institutions = _t("institution")
    with database.session() as s:
        return list(s.scalars(select(institutions.c.id).order_by(institutions.c.id)))


def _sweep(database: Database, rule: Rule, cutoff: datetime, batch_rows: int, files_root: Path | None) -> int:
    table = _t(rule.table)
    pk = table.primary_key.columns.values()[0]
    time = table.c[rule.time_column]
    deleted = 0
    for institution in _partitions(database, rule):
        condition = _condition(rule, table, cutoff)
        if institution is not None:
            condition = and_(table.c.institution_id == institution, condition)
        last: tuple[Any, int] | None = None
        while True:
            query = select(pk, time).where(condition)
            if last is not None:
                after = (
                    pk > last[1] if time is pk else and_(time >= last[0], or_(time > last[0], pk > last[1]))
                )
                query = query.where(after)
            query = query.order_by(time, pk).limit(batch_rows)
            with database.session() as s:
                rows = s.execute(query).all()
                if not rows:
                    break
                ids = [row[0] for row in rows]
                paths = list(s.scalars(select(table.c.path).where(pk.in_(ids)))) if rule.files else []
                if rule.before_delete is not None:
                    rule.before_delete()(s, ids)
                result = s.execute(delete(table).where(pk.in_(ids), condition))
                deleted += max(result.rowcount or 0, 0)  # type: ignore[attr-defined]
            if files_root is not None:
                _remove_files(files_root, paths)
            last = (rows[-1][1], rows[-1][0])
            if len(rows) < batch_rows:
                break
    return deleted


def _remove_files(root: Path, paths: list[str]) -> None:
    """Remove the files of deleted rows (after their commit: a failed commit never loses a file)."""
    base = root.resolve()
    for relative in paths:
        target = (base / relative).resolve()
        if not target.is_relative_to(base):
            log.warning("retention: stored file path %r is outside %s; left alone", relative, base)
            continue
        try:
            target.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("retention: could not remove %s: %s", target, exc)
