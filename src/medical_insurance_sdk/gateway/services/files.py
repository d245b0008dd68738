"""Files (spec §3.4): received as a stream, kept on disk per institution, checksummed, found only by
their owner, and parsed (catalogue files, 3202 files, HIS fee lists).

    upload = await receive_upload(request.stream(), content_type, spool=root / code, limit=max_bytes)
    view = await anyio.to_thread.run_sync(store_upload, database, root, institution_id, code, upload)
    path, row = checked_file(database, root, institution_id, file_id)     # 40001 / 40008
    parsed = parse_stored(path, row, spec)                                # catalog / 3202_detail / fee_list

Layout: <file_dir>/<institution code>/<sha256[:2]>/<file_id>.  An upload is written under a temporary
name in <file_dir>/<institution code>/.incoming while its size and SHA-256 are counted, and moved into
place once whole: memory stays flat whatever the size, and a refused upload leaves nothing behind.

Codes (§5.2.4): 40001 not found (also another institution's file: it does not exist for the caller) ·
40002 type not supported (extension, or content unlike it) · 40003 larger than the limit (§6.2.2 500MB) ·
40005 cannot be parsed · 40008 damaged (checksum or zip) · 40010 cannot be unzipped.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import secrets
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Literal
from urllib.parse import unquote

import anyio.to_thread
from pydantic import BaseModel, ConfigDict, Field
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from sqlalchemy import select

from medical_insurance_sdk.exceptions import FileError, RequestError
from medical_insurance_sdk.gateway.jobs_models import StoredFile
from medical_insurance_sdk.gateway.paging import MAX_PAGE
from medical_insurance_sdk.gateway.responses import pagination, utc_timestamp
from medical_insurance_sdk.gateway.services import fee_import
from medical_insurance_sdk.protocol.catalog_file import BadRow, iter_rows
from medical_insurance_sdk.protocol.catalog_layouts import LAYOUTS, CatalogLayout
from medical_insurance_sdk.storage.database import Database
from medical_insurance_sdk.storage.protection import KeyRingError, open_file, seal_file

# The types §3.4 handles: the bureau's zipped/plain TSV files, HIS exports, and JSON.
CONTENT_TYPES = {
    ".zip": "application/zip",
    ".txt": "text/plain; charset=utf-8",
    ".tsv": "text/tab-separated-values; charset=utf-8",
    ".csv": "text/csv",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".json": "application/json",
}
_ZIPPED = frozenset({".zip", ".xlsx"})
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_SNIFF = 8192  # bytes looked at to tell text from binary
_CHUNK = 1 << 20  # written to disk in pieces of about this size
_FIELD_LIMIT = 64 * 1024  # a non-file form field (they carry a word or two)
_FILENAME_STAR = re.compile(r"filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)")
INCOMING = ".incoming"


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def new_file_id(now: datetime | None = None) -> str:
    return f"F{(now or utcnow()):%Y%m%d%H%M%S}{secrets.token_hex(6).upper()}"


def suffix_of(filename: str) -> str:
    """The file's type by its extension; 40002 for anything §3.4 does not handle."""
    suffix = Path(filename).suffix.lower()
    if suffix not in CONTENT_TYPES:
        allowed = " ".join(sorted(CONTENT_TYPES))
        raise FileError(f"文件格式不支持: {filename}（支持 {allowed}）", code=40002)
    return suffix


def check_content(suffix: str, head: bytes, filename: str) -> None:
    """The first bytes must fit the extension: a zip is a zip, a text file holds no binary."""
    if not head:
        raise RequestError(f"请求参数缺失: 上传的文件 {filename} 为空", code=10001)
    zipped = head[:4] in _ZIP_MAGIC
    if suffix in _ZIPPED and not zipped:
        raise FileError(f"文件格式不支持: {filename} 的内容不是 {suffix} 文件（不是压缩包）", code=40002)
    if suffix not in _ZIPPED and (zipped or b"\x00" in head[:_SNIFF]):
        raise FileError(f"文件格式不支持: {filename} 的内容不是文本，与扩展名 {suffix} 不符", code=40002)


def clean_filename(raw: str) -> str:
    """The last path component, without control characters, at most 255 characters."""
    name = re.split(r"[\\/]", raw)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip() or "upload"
    return name[-255:]


# ---------------------------------------------------------------------------------------------- upload


@dataclass
class Upload:
    """A received file, whole, under a temporary name; `store_upload` moves it into place."""

    filename: str
    suffix: str
    size: int
    sha256: str
    temp_path: Path


@dataclass
class _Part:
    headers: dict[bytes, bytes] = field(default_factory=dict)
    name: str = ""
    filename: str | None = None


class _MultipartFile:
    """python-multipart callbacks that keep the first file part, in order, as pieces to write."""

    def __init__(self) -> None:
        self.part = _Part()
        self.field_name = b""
        self.header_value = b""
        self.pieces: list[bytes] = []
        self.file: _Part | None = None
        self.files = 0
        self.in_file = False
        self.field_bytes = 0
        self.malformed = False

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
        }

    def _part_begin(self) -> None:
        self.part = _Part()

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self.field_name += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def _header_end(self) -> None:
        self.part.headers[self.field_name.lower()] = self.header_value
        self.field_name, self.header_value = b"", b""

    def _headers_finished(self) -> None:
        if b"content-disposition" not in self.part.headers:
            self.malformed = True  # every form-data part names itself (RFC 7578 §4.2)
        disposition = self.part.headers.get(b"content-disposition", b"")
        _, params = parse_options_header(disposition)
        self.part.name = params.get(b"name", b"").decode("utf-8", "replace")
        starred = _FILENAME_STAR.search(disposition.decode("latin-1"))
        if starred:
            self.part.filename = unquote(starred.group(1).strip().strip('"'))
        elif b"filename" in params:
            self.part.filename = _text(params[b"filename"])
        self.in_file = self.part.filename is not None and self.file is None
        if self.part.filename is not None:
            self.files += 1
            if self.file is None:
                self.file = self.part

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self.in_file:
            self.pieces.append(data[start:end])
        else:
            self.field_bytes += end - start  # form fields are not used; only their size is bounded

    def _part_end(self) -> None:
        self.in_file = False


def _text(raw: bytes) -> str:
    # browsers send UTF-8; some Windows HIS clients send GBK
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030", "replace")


def boundary_of(content_type: str | None) -> bytes:
    kind, params = parse_options_header(content_type or "")
    boundary = params.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise RequestError("请求参数格式错误: 文件上传应为 multipart/form-data（字段 file）", code=10002)
    return boundary


async def receive_upload(
    stream: AsyncIterator[bytes], content_type: str | None, *, spool: Path, limit: int
) -> Upload:
    """Read a multipart body as it arrives, writing its file part to disk; nothing larger than `limit`.

    Refused uploads (40002 type, 40003 size, 10001 no file) leave no file behind.
    """
    sink = _MultipartFile()
    parser = MultipartParser(boundary_of(content_type), sink.callbacks())  # type: ignore[arg-type]
    incoming = spool / INCOMING
    await anyio.to_thread.run_sync(lambda: incoming.mkdir(parents=True, exist_ok=True, mode=0o700))
    temp = incoming / f"{uuid.uuid4().hex}.part"
    digest = hashlib.sha256()
    size = 0
    suffix = ""
    handle: IO[bytes] = await anyio.to_thread.run_sync(_private_file, temp)
    try:
        async for chunk in stream:
            _parsed(parser.write, chunk)
            if sink.malformed:
                raise RequestError(_MALFORMED + "每个部分都应有 Content-Disposition", code=10002)
            if sink.field_bytes > _FIELD_LIMIT:
                raise RequestError("请求参数格式错误: 表单字段过大", code=10002)
            if sink.files > 1:
                raise RequestError("请求参数格式错误: 一次只能上传一个文件", code=10002)
            if not sink.pieces:
                continue
            data = b"".join(sink.pieces)
            sink.pieces.clear()
            if size == 0:
                assert sink.file is not None and sink.file.filename is not None
                suffix = suffix_of(sink.file.filename)
                check_content(suffix, data, sink.file.filename)
            size += len(data)
            if size > limit:
                raise FileError(f"文件大小超限: 上传文件不能超过 {_size_text(limit)}", code=40003)
            digest.update(data)
            await anyio.to_thread.run_sync(handle.write, data)
        _parsed(parser.finalize)
        if sink.file is None or sink.file.filename is None:
            raise RequestError("请求参数缺失: 没有上传文件（multipart 字段 file）", code=10001)
        if size == 0:
            check_content(suffix_of(sink.file.filename), b"", sink.file.filename)
    except BaseException:
        await anyio.to_thread.run_sync(handle.close)
        await anyio.to_thread.run_sync(lambda: temp.unlink(missing_ok=True))
        raise
    await anyio.to_thread.run_sync(handle.close)
    return Upload(clean_filename(sink.file.filename), suffix, size, digest.hexdigest(), temp)


_MALFORMED = "请求参数格式错误: multipart 报文不完整或格式不对，"


def _parsed(step: Callable[..., Any], *args: Any) -> None:
    """One step of the multipart parser; its complaints are the caller's: 400 + 10002, never a 500."""
    try:
        step(*args)
    except MultipartParseError as exc:
        raise RequestError(_MALFORMED + "无法解析", code=10002) from exc


def _private_file(path: Path) -> IO[bytes]:
    """A new file readable by its owner only (0600)."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")


def _size_text(size: int) -> str:
    return f"{size // (1024 * 1024)}MB" if size >= 1024 * 1024 else f"{size} 字节"


# ----------------------------------------------------------------------------------------------- store


def _place(code: str, sha256: str, file_id: str) -> Path:
    """Where a file lies under the file directory (two hex digits of its hash spread the directories)."""
    return Path(code) / sha256[:2] / file_id


def store_upload(
    database: Database, root: Path, institution_id: int, code: str, upload: Upload
) -> dict[str, Any]:
    """Move a received file into place and record it; the file's view."""
    now = utcnow()
    file_id = new_file_id(now)
    relative = _place(code, upload.sha256, file_id)
    target = root / relative
    # sealed with the data key (spec §7.3.1): the plaintext never stays on disk
    try:
        seal_file(database.key_ring, upload.temp_path, target, purpose=_purpose(relative.as_posix()))
    finally:
        upload.temp_path.unlink(missing_ok=True)
    row = StoredFile(
        file_id=file_id,
        institution_id=institution_id,
        filename=upload.filename,
        content_type=CONTENT_TYPES[upload.suffix],
        size=upload.size,
        sha256=upload.sha256,
        path=relative.as_posix(),
        created_at=now,
    )
    try:
        with database.session() as s:
            s.add(row)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return file_view(row)


def save_bytes(
    database: Database, root: Path, institution_id: int, code: str, filename: str, content: bytes
) -> dict[str, Any]:
    """Keep bytes the gateway obtained itself (a 9102 answer of an async task) as a stored file."""
    name = clean_filename(filename)
    suffix = Path(name).suffix.lower()
    if suffix not in CONTENT_TYPES:
        suffix = ".zip" if content[:4] in _ZIP_MAGIC else ".txt"
        name = f"{name}{suffix}"
    spool = root / code / INCOMING
    spool.mkdir(parents=True, exist_ok=True, mode=0o700)
    temp = spool / f"{uuid.uuid4().hex}.part"
    with _private_file(temp) as out:
        out.write(content)
    upload = Upload(name, suffix, len(content), hashlib.sha256(content).hexdigest(), temp)
    return store_upload(database, root, institution_id, code, upload)


def file_view(row: StoredFile) -> dict[str, Any]:
    return {
        "file_id": row.file_id,
        "filename": row.filename,
        "content_type": row.content_type,
        "size": row.size,
        "sha256": row.sha256,
        "created_at": utc_timestamp(row.created_at.replace(tzinfo=UTC)),
    }


def find_file(database: Database, institution_id: int, file_id: str) -> StoredFile:
    """The institution's own file; 40001 otherwise (another institution's file does not exist for it)."""
    with database.session() as s:
        row = s.scalar(
            select(StoredFile).where(
                StoredFile.file_id == file_id, StoredFile.institution_id == institution_id
            )
        )
    if row is None:
        raise FileError(f"文件不存在: {file_id}", code=40001)
    return row


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def checked_file(
    database: Database, root: Path, institution_id: int, file_id: str
) -> tuple[Path, StoredFile]:
    """The file's path once it is found, still on disk and unchanged (40001 / 40008)."""
    row = find_file(database, institution_id, file_id)
    path = root / row.path
    if not path.is_file():
        raise FileError(f"文件不存在: {file_id} 已不在文件存储中", code=40001)
    size, digest = 0, hashlib.sha256()
    try:
        for chunk in plain_chunks(database, path, row):
            size += len(chunk)
            digest.update(chunk)
    except KeyRingError:
        size = -1
    if size != row.size or digest.hexdigest() != row.sha256:
        raise FileError(f"文件损坏: {file_id} 的校验和与上传时不一致", code=40008)
    return path, row


def _purpose(relative: str) -> str:
    return f"stored_file:{relative}"


def plain_chunks(database: Database, path: Path, row: StoredFile) -> Iterator[bytes]:
    """The stored file's plaintext, chunk by chunk (it is sealed on disk)."""
    return open_file(database.key_ring, path, purpose=_purpose(row.path))


@contextmanager
def plain_copy(database: Database, path: Path, row: StoredFile) -> Iterator[Path]:
    """A private plaintext copy of a stored file for a parser that needs a path, removed afterwards."""
    spool = path.parent.parent / INCOMING  # <root>/<institution>/.incoming, as for uploads
    spool.mkdir(parents=True, exist_ok=True, mode=0o700)
    temp = spool / f"{uuid.uuid4().hex}{Path(row.filename).suffix.lower()}"
    try:
        with os.fdopen(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
            for chunk in plain_chunks(database, path, row):
                out.write(chunk)
        yield temp
    finally:
        temp.unlink(missing_ok=True)


# ----------------------------------------------------------------------------------------------- parse

ParseKind = Literal["catalog", "3202_detail", "fee_list"]
_KINDS_BY_SUFFIX: dict[str, tuple[ParseKind, ...]] = {
    ".zip": ("catalog", "3202_detail"),
    ".txt": ("catalog", "3202_detail", "fee_list"),
    ".tsv": ("catalog", "3202_detail", "fee_list"),
    ".csv": ("fee_list",),
    ".xlsx": ("fee_list",),
    ".json": (),
}


class ParseIn(BaseModel):
    """POST file/parse.

    kind: catalog (a 13xx file; `infno` names its layout), 3202_detail (the 对明细账 upload or result
    file; `layout` 3202_upload / 3202_result, else told by its column count) or fee_list (a HIS export,
    CSV or XLSX with a header row, read as `infno`'s feedetail rows, default 2204).  Omitted: fee_list for
    CSV/XLSX, catalog when an infno is given.
    """

    model_config = ConfigDict(extra="ignore")

    file_id: str = Field(min_length=1, max_length=50)
    kind: ParseKind | None = None
    infno: str | None = Field(default=None, max_length=20)
    layout: str | None = Field(default=None, max_length=20)
    sheet: str | None = Field(default=None, max_length=100)
    defaults: dict[str, Any] = Field(default_factory=dict)  # fee_list: values for columns the file lacks
    page: int = Field(default=1, ge=1, le=MAX_PAGE)
    page_size: int = Field(default=100, ge=1, le=1000)
    max_errors: int = Field(default=1000, ge=1, le=10000)


def parse_kind(spec: ParseIn, suffix: str) -> ParseKind:
    kinds = _KINDS_BY_SUFFIX.get(suffix, ())
    kind = spec.kind or ("fee_list" if suffix in (".csv", ".xlsx") else "catalog")
    if kind not in kinds:
        raise FileError(f"文件格式不支持: {suffix} 文件不能按 {kind} 解析", code=40002)
    return kind


def parse_stored(path: Path, row: StoredFile, spec: ParseIn) -> dict[str, Any]:
    """Parse a stored file; one page of good rows, the bad rows (numbered) and the counts.

    Blocking and streaming (run it in a worker thread): rows outside the page are counted, not kept.
    """
    suffix = Path(row.filename).suffix.lower()
    kind = parse_kind(spec, suffix)
    window = range((spec.page - 1) * spec.page_size, spec.page * spec.page_size)
    if kind == "fee_list":
        fees = fee_import.read_fee_list(
            path,
            suffix,
            infno=spec.infno or "2204",
            defaults=spec.defaults,
            window=window,
            max_errors=spec.max_errors,
            sheet=spec.sheet,
        )
        body = {
            "file_id": row.file_id,
            "kind": kind,
            "infno": fees.infno,
            "node": fees.node,
            "columns": fees.columns,
            "unmapped_columns": fees.unmapped,
            "total_rows": fees.total,
            "valid_rows": fees.valid,
            "error_count": fees.error_count,
            "total_amount": fees.total_amount,
            "rows": fees.rows,
            "errors": fees.errors,
        }
        return _paged(body, fees.valid, spec)
    layout = _layout(kind, spec, path)
    rows: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    good = bad = 0
    for item in iter_rows(path, layout):
        if isinstance(item, BadRow):
            bad += 1
            if len(errors) < spec.max_errors:
                errors.append({"row": item.line, "code": 30009, "message": item.reason, "text": item.text})
            continue
        if good in window:
            rows.append(
                {"line": item.line, **item.values, **({"_extra": list(item.extra)} if item.extra else {})}
            )
        good += 1
    body = {
        "file_id": row.file_id,
        "kind": kind,
        "layout": layout.kind,
        "title": layout.title,
        "total_rows": good + bad,
        "valid_rows": good,
        "error_count": bad,
        "rows": rows,
        "errors": errors,
    }
    return _paged(body, good, spec)


def _paged(body: dict[str, Any], total: int, spec: ParseIn) -> dict[str, Any]:
    pages = max(1, math.ceil(total / spec.page_size))
    body["pagination"] = pagination(total=total, page=spec.page, page_size=spec.page_size, total_pages=pages)
    return body


def _layout(kind: ParseKind, spec: ParseIn, path: Path) -> CatalogLayout:
    if kind == "catalog":
        if not spec.infno:
            raise RequestError("请求参数缺失: 解析目录文件需要 infno（如 1301）", code=10001)
        layout = LAYOUTS.get(spec.infno)
        if layout is None or not spec.infno.isdigit():
            known = ", ".join(k for k in LAYOUTS if k.isdigit())
            raise FileError(
                f"文件格式不支持: 没有 {spec.infno} 目录文件的列定义（已知: {known}）", code=40002
            )
        return layout
    if spec.layout is not None:
        if spec.layout not in ("3202_upload", "3202_result"):
            raise RequestError("请求参数格式错误: layout 应为 3202_upload 或 3202_result", code=10002)
        return LAYOUTS[spec.layout]
    return _sniff_3202(path)


def _sniff_3202(path: Path) -> CatalogLayout:
    """The 3202 upload file has 7 columns, the bureau's result file 10: the first record tells."""
    result, upload = LAYOUTS["3202_result"], LAYOUTS["3202_upload"]
    rows: Iterator[Any] = iter_rows(path, result)
    try:
        first = next(rows, None)
    finally:
        close = getattr(rows, "close", None)
        if close is not None:
            close()
    if isinstance(first, BadRow) and first.columns == upload.width:
        return upload
    return result
