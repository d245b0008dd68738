"""Catalog sync: download the bureau's 13xx catalogues (13xx → file_qury_no → 9102) into `catalog_item`.

    sync = CatalogSync(engine, database)
    results = sync.sync(institution, ["1301"], progress=lambda kind, rows, total: ...)

For each catalogue kind the bureau is asked for what is newer than the local version (`ver` = the 版本名称
of the last row imported, "0" at first).  It answers with a file_qury_no, which is written to
`catalog_sync_state` as *pending* before the download starts, so a run that dies after the 13xx call
downloads that same file next time instead of asking again.  The 9102 answer is written to a temporary
file as it arrives (`engine.runner.spooled_downloads`), never held in memory; the zip is read from there
row by row into `catalog_item`, upserted by (kind, code) in batches, and the rows, the new version and the
cleared pending file commit in one transaction: a file counts only once it was read to the end (the zip's
checksum is checked last, reference §3 / catalog_file).  The bureau pages large catalogues by version, so
the kind is asked again with the new version until a file comes back empty, does not advance the version,
or is shorter than `page_size` when that is known.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from medical_insurance_sdk.engine.engine import BureauEngine
from medical_insurance_sdk.engine.runner import spooled_downloads
from medical_insurance_sdk.engine.settings import InstitutionConfig
from medical_insurance_sdk.exceptions import (
    BureauError,
    FileError,
    MedicalInsuranceException,
    UnsupportedInterfaceError,
)
from medical_insurance_sdk.protocol.catalog_file import BadRow, CatalogReader, CatalogRow
from medical_insurance_sdk.protocol.catalog_layouts import LAYOUTS, CatalogLayout
from medical_insurance_sdk.protocol.result import FileAnswer
from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.storage.database import Database
from medical_insurance_sdk.storage.models import CatalogItem, CatalogSyncState

# (kind, rows imported in this run so far, rows expected once the current file is in, or None if unknown)
SyncProgress = Callable[[str, int, int | None], None]

# the dialects' own INSERT … ON CONFLICT DO UPDATE (typed Any: the two insert() differ only in their module)
_INSERTS: dict[str, Any] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
_ITEMS: Any = CatalogItem.__table__
_NAME_LIMIT = 500  # catalog_item.name is String(500); the full text stays in `data`


def catalog_kinds() -> tuple[str, ...]:
    """The catalogue downloads this module can import: 13xx with a file answer and a column layout."""
    return tuple(
        kind for kind in sorted(LAYOUTS) if kind.isdigit() and kind in REGISTRY and REGISTRY[kind].file_output
    )


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class SyncResult:
    """What one kind's sync did in this run.  `errors` holds the first bad rows (with line numbers);
    `bad_rows` counts them all; `error` is set when the kind stopped early (then nothing of the failing
    file was stored)."""

    kind: str
    title: str
    files: int = 0
    rows: int = 0
    bad_rows: int = 0
    errors: list[BadRow] = field(default_factory=list)
    ver_name: str | None = None
    resumed: bool = False
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class _Page:
    """One file to import: from a fresh 13xx answer or from the pending state of an interrupted run."""

    file_qury_no: str
    filename: str
    announced: int | None  # data_cnt of the 13xx answer
    resumed: bool


class CatalogSync:
    """Incremental, resumable download of the 13xx catalogues into the product database.

    `batch_size` rows go to the database per upsert statement; `page_size`, when the province documents
    it, lets a short file end the paging without one more 13xx round trip; `max_pages` guards against a
    bureau that keeps answering with new files forever.
    """

    def __init__(
        self,
        engine: BureauEngine,
        database: Database,
        *,
        batch_size: int = 5000,
        page_size: int | None = None,
        max_pages: int = 1000,
        max_errors: int = 1000,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        if database.dialect not in _INSERTS:
            raise ValueError(f"目录同步需要 SQLite 或 PostgreSQL，当前数据库为 {database.dialect}")
        self.engine = engine
        self.database = database
        self.batch_size = batch_size
        self.page_size = page_size
        self.max_pages = max_pages
        self.max_errors = max_errors
        self.clock = clock

    # ------------------------------------------------------------------------------------------ public
    def sync(
        self,
        institution: InstitutionConfig,
        infnos: Iterable[str] | None = None,
        *,
        progress: SyncProgress | None = None,
    ) -> list[SyncResult]:
        """Sync each kind (default: every importable catalogue); one kind's failure does not stop the rest.

        Bureau and file errors end up in `SyncResult.error`; anything else (a crash) propagates and the
        pending file is picked up by the next run.
        """
        kinds = self._kinds(infnos)
        return [self._sync_kind(institution, kind, progress) for kind in kinds]

    def state(self, kind: str) -> CatalogSyncState | None:
        with self.database.session() as s:
            return s.get(CatalogSyncState, kind)

    # ------------------------------------------------------------------------------------------- steps
    @staticmethod
    def _kinds(infnos: Iterable[str] | None) -> list[str]:
        known = catalog_kinds()
        if infnos is None:
            return list(known)
        kinds = list(dict.fromkeys(str(k) for k in infnos))
        unknown = [k for k in kinds if k not in known]
        if unknown:
            raise UnsupportedInterfaceError(
                f"不支持同步的目录: {', '.join(unknown)}（可同步: {', '.join(known)}）"
            )
        return kinds

    def _sync_kind(
        self, institution: InstitutionConfig, kind: str, progress: SyncProgress | None
    ) -> SyncResult:
        layout = LAYOUTS[kind]
        result = SyncResult(kind, layout.title)
        state = self._load_state(kind)
        result.ver_name = state.last_ver_name
        for _ in range(self.max_pages):
            before = state.last_ver_name
            try:
                page = self._next_page(institution, kind, state)
                if page is None:
                    break
                result.resumed = result.resumed or page.resumed
                try:
                    file = self._download(institution, kind, page)
                except BureauError:
                    if not page.resumed:
                        raise
                    # an interrupted run's file may have expired at the bureau: forget it, ask afresh
                    self._clear_pending(kind)
                    state = self._load_state(kind)
                    continue
                try:
                    imported, errors, count = self._import(kind, layout, file, result.rows, page, progress)
                finally:
                    if file.spool is not None:
                        file.spool.close()  # the temporary file goes with it
            except FileError as exc:
                # the file itself is unreadable: asking again gives a new one, so forget this one
                self._clear_pending(kind)
                result.error = f"{exc.code} - {exc.message}"
                break
            except MedicalInsuranceException as exc:
                result.error = str(exc)
                break
            state = self._load_state(kind)
            result.files += 1
            result.rows += imported
            result.bad_rows += count
            result.errors.extend(errors[: self.max_errors - len(result.errors)])
            result.ver_name = state.last_ver_name
            if imported + count == 0:
                break  # an empty file: nothing newer
            if state.last_ver_name == before:
                break  # the version did not advance: asking again would return the same rows
            if self.page_size is not None and imported + count < self.page_size:
                break  # a short page is the last one
        else:
            result.error = (
                f"分页超过 {self.max_pages} 次仍未结束，已停止；下次同步将从版本 {result.ver_name} 继续"
            )
        return result

    def _next_page(self, institution: InstitutionConfig, kind: str, state: CatalogSyncState) -> _Page | None:
        """The pending file of an interrupted run, or a new 13xx answer (stored as pending first)."""
        if state.pending_file_qury_no:
            return _Page(state.pending_file_qury_no, state.pending_filename or "", None, resumed=True)
        ver = state.last_ver_name or "0"
        answer = self.engine.call(kind, {"data": {"ver": ver}}, institution=institution)
        output = answer.output if isinstance(answer.output, dict) else {}
        file_qury_no = _text(output.get("file_qury_no"))
        announced = _count(output.get("data_cnt", output.get("data_cn")))
        if not file_qury_no or announced == 0:
            return None  # the bureau has nothing newer than `ver`
        filename = _text(output.get("filename")) or f"{kind}_{ver}.zip"
        with self.database.session() as s:
            row = s.get(CatalogSyncState, kind)
            assert row is not None
            row.pending_file_qury_no = file_qury_no
            row.pending_filename = filename
            row.updated_at = self.clock()
        return _Page(file_qury_no, filename, announced, resumed=False)

    def _download(self, institution: InstitutionConfig, kind: str, page: _Page) -> FileAnswer:
        """The 9102 file, written to a temporary file as it arrives (memory stays flat whatever its size)."""
        body = institution.profile.download_input(
            kind, file_qury_no=page.file_qury_no, filename=page.filename, fixmedins_code=institution.code
        )
        with spooled_downloads():
            answer = self.engine.call("9102", {"fsDownloadIn": body}, institution=institution)
        if answer.file is None:
            raise FileError(
                f"{kind} 目录文件下载未返回文件内容（文件查询号 {page.file_qury_no}）", code=40004
            )
        return answer.file

    def _import(
        self,
        kind: str,
        layout: CatalogLayout,
        file: FileAnswer,
        done_before: int,
        page: _Page,
        progress: SyncProgress | None,
    ) -> tuple[int, list[BadRow], int]:
        """Upsert every good row of one file and advance the state, all in one transaction."""
        reader = CatalogReader(file.open(), layout, max_errors=self.max_errors) if file.size else None
        imported = 0
        expected = None if page.announced is None else done_before + page.announced
        with self.database.session() as s:
            if reader is not None:
                upsert = self._upsert_statement()
                now = self.clock()
                for batch in _batches(reader.rows(), self.batch_size):
                    s.execute(upsert, [_item(kind, row, now) for row in _latest_by_code(batch)])
                    imported += len(batch)
                    if progress is not None:
                        progress(kind, done_before + imported, expected)
            self._advance(s, kind, reader, imported)
        if progress is not None:
            progress(kind, done_before + imported, expected)
        if reader is None:
            return 0, [], 0
        return imported, list(reader.errors), reader.error_count

    def _advance(self, s: Session, kind: str, reader: CatalogReader | None, imported: int) -> None:
        row = s.get(CatalogSyncState, kind)
        assert row is not None
        if reader is not None and reader.last_ver_name:
            row.last_ver_name = reader.last_ver_name
        row.rows_done = (row.rows_done or 0) + imported
        row.pending_file_qury_no = None
        row.pending_filename = None
        row.updated_at = self.clock()

    def _upsert_statement(self) -> Any:
        insert = _INSERTS[self.database.dialect](_ITEMS)
        columns = ("name", "ver", "ver_name", "valid", "data", "updated_at")
        return insert.on_conflict_do_update(
            index_elements=[_ITEMS.c.kind, _ITEMS.c.code],
            set_={name: insert.excluded[name] for name in columns},
        )

    # ------------------------------------------------------------------------------------------- state
    def _load_state(self, kind: str) -> CatalogSyncState:
        with self.database.session() as s:
            row = s.get(CatalogSyncState, kind)
            if row is None:
                row = CatalogSyncState(kind=kind, rows_done=0, updated_at=self.clock())
                s.add(row)
            return row

    def _clear_pending(self, kind: str) -> None:
        with self.database.session() as s:
            row = s.get(CatalogSyncState, kind)
            if row is not None:
                row.pending_file_qury_no = None
                row.pending_filename = None
                row.updated_at = self.clock()


def catalog_rows(database: Database, kind: str) -> int:
    """How many items of `kind` the local table holds."""
    with database.session() as s:
        return int(s.scalar(select(func.count()).where(CatalogItem.kind == kind)) or 0)


def _batches(rows: Iterable[CatalogRow], size: int) -> Iterable[list[CatalogRow]]:
    batch: list[CatalogRow] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _latest_by_code(batch: Sequence[CatalogRow]) -> list[CatalogRow]:
    # One statement must not touch a row twice (PostgreSQL refuses it): a later line is the newer record.
    return list({row.code: row for row in batch}.values())


def _item(kind: str, row: CatalogRow, now: datetime) -> dict[str, Any]:
    layout = row.layout
    tx = REGISTRY.get(kind)  # the registry declares the column shown as an item's name
    name_key = tx.catalog_name_column if tx is not None else None
    name = row.values.get(name_key) if name_key else None
    flag = row.values.get(layout.vali_flag_key) if layout.vali_flag_key else None
    data: dict[str, Any] = dict(row.values)
    if row.extra:
        data["_extra"] = list(row.extra)  # columns of a newer edition, kept rather than dropped
    return {
        "kind": kind,
        "code": row.code,
        "name": name[:_NAME_LIMIT] if name else None,
        "ver": row.ver,
        "ver_name": row.ver_name,
        "valid": flag[:3] if flag else None,
        "data": data,
        "updated_at": now,
    }


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _count(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
