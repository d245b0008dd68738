"""Streaming codec of the bureau's zipped tab-separated files (13xx catalogues, 3202 upload and result).

A file is a zip holding one UTF-8 `.txt`: one record a line, columns split by TAB, no header, missing values
written as the literal `null` (reference §3).  Both directions stream, so memory stays flat whatever the
size: the reader holds one line at a time, the writer one small batch of lines.

    for row in iter_rows("plc_1301_20240101.zip", LAYOUTS["1301"]):
        if isinstance(row, BadRow): log(row.reason) else: upsert(row.code, row.values)

Decisions:
- Reading: "null", "NULL" and "" become None; columns past the layout are kept in `CatalogRow.extra`
  (newer editions append columns); a line with fewer columns than the layout, or without its item code,
  is yielded as a `BadRow` with its line number, never dropped; blank lines are skipped.  A line that is
  not UTF-8 stops the read with FileError 40005, naming the line and whether it looks like GBK, because
  a wrongly encoded catalogue must not be stored as mojibake.
- Writing: None becomes the layout's `null_text` ("null" for bureau-made files, "" for the hospital's
  3202 upload); both read back as None, so the strings "null"/"NULL"/"" are null markers in this format.
  A TAB, CR or LF inside a value would shift columns or split the record, so by default each one is
  replaced by a space (counted in `WriteSummary.replaced`); `on_unsafe="raise"` refuses such a value.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, Literal

from medical_insurance_sdk.exceptions import DataValidationError, FieldError, FileError
from medical_insurance_sdk.protocol.catalog_layouts import CatalogLayout

Source = str | os.PathLike[str] | bytes | bytearray | IO[bytes]
Destination = str | os.PathLike[str] | IO[bytes]

_NULLS = frozenset(("null", "NULL", ""))
_BOM = b"\xef\xbb\xbf"
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_PREVIEW = 200  # characters of a bad line kept for the report
_BATCH = 1024  # lines per write to the zip stream: fewer, larger deflate calls
_SPOOL = 8 << 20  # a non-seekable zip stream is spooled; up to this many bytes stay in memory


@dataclass(frozen=True, slots=True)
class CatalogRow:
    """One record: `values` maps the layout's keys to text or None; `extra` holds trailing columns."""

    line: int
    values: dict[str, str | None]
    extra: tuple[str | None, ...]
    layout: CatalogLayout = field(repr=False, compare=False)

    def __getitem__(self, key: str) -> str | None:
        return self.values[key]

    def get(self, key: str, default: str | None = None) -> str | None:
        value = self.values.get(key)
        return default if value is None else value

    @property
    def code(self) -> str:
        """The item code, the upsert key (医疗目录编码 for drug/service/material catalogues)."""
        value = self.values[self.layout.code_key]
        assert value is not None  # the reader yields a BadRow instead
        return value

    def _named(self, key: str | None) -> str | None:
        return None if key is None else self.values[key]

    @property
    def ver(self) -> str | None:
        return self._named(self.layout.ver_key)

    @property
    def ver_name(self) -> str | None:
        return self._named(self.layout.ver_name_key)

    @property
    def rid(self) -> str | None:
        return self._named(self.layout.rid_key)

    @property
    def valid(self) -> bool | None:
        """有效标志: True for "1", False for "0", None when the file does not say."""
        flag = self._named(self.layout.vali_flag_key)
        return None if flag is None else flag == "1"


@dataclass(frozen=True, slots=True)
class BadRow:
    """A line that could not be read as a record: its 1-based number, why (Chinese), and its start."""

    line: int
    reason: str
    text: str
    columns: int


# ---------------------------------------------------------------------------------------------- reading


def iter_rows(source: Source, layout: CatalogLayout) -> Iterator[CatalogRow | BadRow]:
    """Stream the records of a zipped (or plain) catalogue file, in file order.

    `source` is a path, the file's bytes, or a binary file object.  Raises FileError 40008/40010 for a
    damaged zip, 40005 for a zip without a .txt member or a line that is not UTF-8, 40001 for a missing
    file.  A zip's checksum is only known at the end of its member, so rows already yielded from a
    damaged file may be garbage: apply an import as one unit, committed once iteration completes.
    """
    with _lines(source) as lines:
        try:
            try:
                yield from _parse(lines, layout)
            except FileError as exc:
                if exc.code == 40005:
                    # Corrupt deflate data often decodes to non-UTF-8 bytes before the CRC is checked at
                    # the member's end: read on, so damage is reported as damage, not as an encoding.
                    for _ in lines:
                        pass
                raise
        except zipfile.BadZipFile as exc:  # CRC mismatch found at the end of the member
            raise FileError(f"压缩包已损坏，数据校验失败: {exc}", code=40008) from exc
        except (zlib.error, EOFError) as exc:  # corrupt or truncated deflate stream
            raise FileError(f"压缩包解压失败，文件不完整或已损坏: {exc}", code=40010) from exc


class CatalogReader:
    """Good rows from `.rows()`; bad lines are collected in `.errors` as they are met.

    Only the first `max_errors` bad rows are kept (all are counted in `error_count`), so a file that is
    wrong on every line still reads in constant memory.  `last_ver_name` is the 版本名称 of the last row,
    the `ver` to send with the next 13xx request.
    """

    def __init__(self, source: Source, layout: CatalogLayout, *, max_errors: int = 1000) -> None:
        self.source = source
        self.layout = layout
        self.max_errors = max_errors
        self.errors: list[BadRow] = []
        self.error_count = 0
        self.row_count = 0
        self.last_ver_name: str | None = None

    def rows(self) -> Iterator[CatalogRow]:
        for item in iter_rows(self.source, self.layout):
            if isinstance(item, BadRow):
                self.error_count += 1
                if len(self.errors) < self.max_errors:
                    self.errors.append(item)
                continue
            self.row_count += 1
            self.last_ver_name = item.ver_name or self.last_ver_name
            yield item


def _parse(lines: Iterable[bytes], layout: CatalogLayout) -> Iterator[CatalogRow | BadRow]:
    keys = layout.keys
    width = len(keys)
    code_at = layout.index(layout.code_key)
    code_label = layout.label(layout.code_key)
    for number, raw in enumerate(lines, 1):
        if number == 1 and raw.startswith(_BOM):
            raw = raw[len(_BOM) :]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _encoding_error(number, raw) from exc
        text = text.rstrip("\r\n")
        if not text or (text.isspace() and "\t" not in text):
            continue
        cells = text.split("\t")
        if len(cells) < width:
            reason = f"第{number}行只有{len(cells)}列，{layout.kind}{layout.title}需要{width}列"
            yield BadRow(number, reason, text[:_PREVIEW], len(cells))
            continue
        values = [None if cell in _NULLS else cell for cell in cells]
        if values[code_at] is None:
            reason = f"第{number}行缺少{code_label}（第{code_at + 1}列为空）"
            yield BadRow(number, reason, text[:_PREVIEW], len(cells))
            continue
        yield CatalogRow(number, dict(zip(keys, values, strict=False)), tuple(values[width:]), layout)


def _encoding_error(number: int, raw: bytes) -> FileError:
    try:
        raw.decode("gbk")
    except UnicodeDecodeError:
        guess, hint = None, "不是 UTF-8 编码"
    else:
        guess, hint = "gbk", "不是 UTF-8 编码，疑似 GBK 编码"
    return FileError(
        f"目录文件第{number}行{hint}，无法解析；医保目录文件应为 UTF-8 编码",
        code=40005,
        details={"line": number, "encoding": guess},
    )


@contextmanager
def _lines(source: Source) -> Iterator[Iterator[bytes]]:
    """Open `source` and yield its text member's lines as bytes (zip or plain text, sniffed)."""
    with ExitStack() as stack:
        stream = _binary(source, stack)
        start = stream.tell()
        head = stream.read(4)
        stream.seek(start)
        if head in _ZIP_MAGIC:
            yield _zip_member(stream, stack)
        elif _looks_zipped(source):
            raise FileError("文件扩展名为 .zip，但内容不是有效的压缩包", code=40008)
        else:
            yield iter(stream)


def _binary(source: Source, stack: ExitStack) -> IO[bytes]:
    """A seekable binary stream over `source`; non-seekable streams are spooled (disk past 8 MiB)."""
    if isinstance(source, bytes | bytearray):
        return io.BytesIO(source)
    if isinstance(source, str | os.PathLike):
        try:
            return stack.enter_context(open(source, "rb"))
        except FileNotFoundError:
            raise FileError(f"文件不存在: {os.fspath(source)}", code=40001) from None
    if source.seekable():
        return source
    spool = stack.enter_context(tempfile.SpooledTemporaryFile(max_size=_SPOOL))  # noqa: SIM115 - the stack closes it
    shutil.copyfileobj(source, spool)
    spool.seek(0)
    return spool


def _looks_zipped(source: Source) -> bool:
    if isinstance(source, str | os.PathLike):
        return os.fspath(source).lower().endswith(".zip")
    return False


def _zip_member(stream: IO[bytes], stack: ExitStack) -> Iterator[bytes]:
    try:
        archive = stack.enter_context(zipfile.ZipFile(stream))
    except zipfile.BadZipFile as exc:
        raise FileError(f"压缩包已损坏，无法打开: {exc}", code=40008) from exc
    names = [info for info in archive.infolist() if not info.is_dir()]
    # The .txt normally shares the zip's base name, but provinces rename it: take the first .txt.
    member = next((info for info in names if info.filename.lower().endswith(".txt")), None)
    if member is None:
        listed = "、".join(info.filename for info in names) or "空"
        raise FileError(f"压缩包中没有 .txt 目录文件（内容: {listed}）", code=40005)
    try:
        opened = stack.enter_context(archive.open(member))
    except (NotImplementedError, RuntimeError) as exc:  # unknown compression, or encrypted
        raise FileError(f"压缩包解压失败: {exc}", code=40010) from exc
    # BufferedReader splits lines in C; UTF-8 never has a 0x0A inside a character, so bytes lines are safe
    # and each line is decoded on its own, which pins an encoding error to its line number.
    return iter(io.BufferedReader(opened, buffer_size=1 << 16))  # type: ignore[type-var]


# ---------------------------------------------------------------------------------------------- writing

Row = Mapping[str, Any] | Sequence[Any] | CatalogRow
OnUnsafe = Literal["replace", "raise"]


@dataclass(frozen=True, slots=True)
class WriteSummary:
    """What `write_catalog` wrote: records, the zip member's name, values whose TAB/CR/LF were replaced."""

    rows: int
    member_name: str | None
    replaced: int


def write_catalog(
    dest: Destination,
    layout: CatalogLayout,
    rows: Iterable[Row],
    *,
    member_name: str | None = None,
    on_unsafe: OnUnsafe = "replace",
    null_text: str | None = None,
    compresslevel: int = 6,
) -> WriteSummary:
    """Write `rows` as a zip (ZIP_DEFLATED) holding one tab-separated .txt, streaming.

    A row is a mapping by key (missing keys are None, unknown keys are refused), a sequence in column order
    (longer sequences write their tail as extra columns), or a `CatalogRow`.  The member is named
    `member_name`, else after `dest` (`x.zip` holds `x.txt`), else `<kind>.txt`.  If `dest` is a path and
    writing fails, the partial file is removed.
    """
    name = member_name or _member_name(dest, layout)
    if isinstance(dest, str | os.PathLike):
        path = Path(dest)
        try:
            with open(path, "wb") as handle:
                return _write_zip(handle, name, layout, rows, on_unsafe, null_text, compresslevel)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
    return _write_zip(dest, name, layout, rows, on_unsafe, null_text, compresslevel)


def _write_zip(
    handle: IO[bytes],
    name: str,
    layout: CatalogLayout,
    rows: Iterable[Row],
    on_unsafe: OnUnsafe,
    null_text: str | None,
    compresslevel: int,
) -> WriteSummary:
    with (
        zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as archive,
        archive.open(name, "w", force_zip64=True) as member,  # force_zip64: the size is unknown up front
    ):
        written, replaced = write_rows(member, layout, rows, on_unsafe=on_unsafe, null_text=null_text)
    return WriteSummary(written, name, replaced)


def write_rows(
    stream: IO[bytes],
    layout: CatalogLayout,
    rows: Iterable[Row],
    *,
    on_unsafe: OnUnsafe = "replace",
    null_text: str | None = None,
) -> tuple[int, int]:
    """Write `rows` as UTF-8 tab-separated lines (no zip) to a binary stream; return (rows, replaced)."""
    null = layout.null_text if null_text is None else null_text
    keys = layout.keys
    keyset = frozenset(keys)
    width = len(keys)
    batch: list[str] = []
    written = replaced = 0
    for number, row in enumerate(rows, 1):
        # Strings and None are nearly every value: handle them inline, call _text only for the rest.
        cells = [
            value if type(value) is str else null if value is None else _text(value, null)
            for value in _ordered(row, layout, keys, keyset, width, number)
        ]
        line = "\t".join(cells)
        # One C-level scan finds the rare unsafe value; only then is the row inspected cell by cell.
        if "\n" in line or "\r" in line or line.count("\t") != len(cells) - 1:
            cells, count = _sanitize(cells, keys, number, on_unsafe)
            replaced += count
            line = "\t".join(cells)
        batch.append(line)
        written = number
        if len(batch) >= _BATCH:
            stream.write(("\n".join(batch) + "\n").encode("utf-8"))
            batch.clear()
    if batch:
        stream.write(("\n".join(batch) + "\n").encode("utf-8"))
    return written, replaced


def _ordered(
    row: Row, layout: CatalogLayout, keys: tuple[str, ...], keyset: frozenset[str], width: int, number: int
) -> Sequence[Any]:
    if isinstance(row, CatalogRow):
        if row.layout is layout:
            return [*row.values.values(), *row.extra]
        row = row.values
    if isinstance(row, Mapping):
        unknown = row.keys() - keyset
        if unknown:
            detail = f"{layout.kind}没有这些列: {', '.join(sorted(map(str, unknown)))}"
            raise DataValidationError([FieldError(30003, f"第{number}条记录", detail)])
        return [row.get(key) for key in keys]
    if isinstance(row, str | bytes):
        raise DataValidationError(
            [FieldError(30003, f"第{number}条记录", "记录应为映射或序列，而不是字符串")]
        )
    if len(row) < width:
        detail = f"只有{len(row)}列，{layout.kind}需要{width}列"
        raise DataValidationError([FieldError(30002, f"第{number}条记录", detail)])
    return row


def _text(value: Any, null: str) -> str:
    if value is None:
        return null
    if isinstance(value, str):
        return value
    if isinstance(value, bool):  # before int: True is an int
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


_UNSAFE = re.compile(r"\r\n|[\t\r\n]")


def _sanitize(
    cells: list[str], keys: tuple[str, ...], number: int, on_unsafe: OnUnsafe
) -> tuple[list[str], int]:
    out: list[str] = []
    count = 0
    for index, cell in enumerate(cells):
        if _UNSAFE.search(cell) is None:
            out.append(cell)
            continue
        if on_unsafe == "raise":
            key = keys[index] if index < len(keys) else f"extra[{index - len(keys)}]"
            detail = "值中含有制表符或换行符，会破坏文件格式"
            raise DataValidationError([FieldError(30003, f"第{number}条记录.{key}", detail)])
        out.append(_UNSAFE.sub(" ", cell))
        count += 1
    return out, count


def _member_name(dest: Destination, layout: CatalogLayout) -> str:
    if isinstance(dest, str | os.PathLike):
        return Path(dest).stem + ".txt"
    return f"{layout.kind}.txt"


# ------------------------------------------------------------------------------------------------ dates

_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
# Java's Date.toString(): `EEE MMM dd HH:mm:ss zzz yyyy`, e.g. "Thu Mar 04 10:11:12 CST 2021".
_JAVA = re.compile(
    r"^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) "
    rf"({'|'.join(_MONTHS)}) (\d{{1,2}}) (\d{{1,2}}):(\d{{2}}):(\d{{2}}) "
    r"[A-Za-z]{2,5}(?:[+-]\d{1,2}:?\d{2})? (\d{4})$"
)
_DASHED = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2}))?$")


def normalize_date(text: str | None) -> str | None:
    """The bureau's date spellings as ISO text: `2024-03-05` or `2024-03-05T08:30:00`; None when empty.

    Accepts yyyy-MM-dd, yyyy-MM-dd HH:mm:ss (also with a fraction, as Java's Timestamp prints it),
    yyyy/M/d [H:mm:ss], yyyyMMdd, yyyyMMddHHmmss and Java's Date.toString() `EEE MMM dd HH:mm:ss CST yyyy`.
    CST there is China Standard Time, the bureau's clock, so times are returned as written, without a zone.
    Raises ValueError for anything else, or for an impossible date.
    """
    if text is None:
        return None
    value = text.strip()
    if value in _NULLS:
        return None
    if match := _JAVA.match(value):
        month_name, *clock, year_text = match.groups()
        parts: tuple[str | int | None, ...] = (year_text, _MONTHS[month_name], *clock)
    elif match := _DASHED.match(value) or _COMPACT.match(value):
        parts = match.groups()
    else:
        raise ValueError(f"无法识别的日期格式: {text!r}")
    year, month, day, hour, minute, second = (None if p is None else int(p) for p in parts)
    try:
        if hour is None:
            return date(year, month, day).isoformat()  # type: ignore[arg-type]
        return datetime(year, month, day, hour, minute or 0, second or 0).isoformat()  # type: ignore[arg-type]
    except ValueError:
        raise ValueError(f"日期不存在: {text!r}") from None
