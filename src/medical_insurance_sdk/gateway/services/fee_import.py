"""HIS fee lists (CSV or XLSX with a header row) → the bureau's feedetail rows (2204, 2301 …), row by row.

    fees = read_fee_list(path, ".csv", infno="2204", defaults={"mdtrt_id": "…", "psn_no": "…"},
                         window=range(0, 100))
    fees.rows      # the window's valid rows, by the bureau's field names, amounts as exact decimals
    fees.errors    # [{"row": 7, "field": "cnt", "label": "数量", "code": 30003, "message": "30003 - …"}]

Columns are matched to the node's fields by the bureau name (feedetl_sn) or the Chinese label of the
registry's table (费用明细流水号), ignoring case, spaces and a bracketed note ("单价(元)").  `defaults`
fill what a row leaves empty or the file has no column for (the visit's mdtrt_id and psn_no, a
chrg_bchno).  Every row is checked by the registry's own feedetail model, so a row's errors carry the
3000x codes the gateway would answer for it.  Row numbers are those a spreadsheet shows: the header is
row 1.  Streaming: only the requested window of rows and the first `max_errors` errors are kept.
"""

from __future__ import annotations

import csv
import re
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from medical_insurance_sdk.exceptions import FileError, RequestError
from medical_insurance_sdk.protocol.catalog_file import normalize_date
from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.registry.field_models import build_node_model
from medical_insurance_sdk.registry.fields import FieldSpec, Node
from medical_insurance_sdk.registry.validation import field_errors

NODE = "feedetail"
AMOUNT_FIELD = "det_item_fee_sumamt"
_NOTE = re.compile(r"[（(][^）)]*[）)]")
_SPACE = re.compile(r"[\s\u3000]+")
_SAMPLE = 64 * 1024  # bytes a CSV's delimiter is guessed from


@dataclass
class FeeList:
    """What a fee list held: the window's valid rows, numbered errors, and the counts."""

    infno: str
    node: str
    columns: dict[str, str]  # header text → field name
    unmapped: list[str]
    total: int = 0
    valid: int = 0
    error_count: int = 0
    total_amount: Decimal = Decimal("0")
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)


def fee_node(infno: str) -> Node:
    """The feedetail node of `infno` (2204 outpatient, 2301 inpatient …); 10002 when it has none."""
    tx = REGISTRY.get(infno)
    node = next((n for n in tx.request_nodes if n.name == NODE and n.fields), None) if tx else None
    if tx is None or node is None:
        raise RequestError(f"请求参数格式错误: 交易 {infno} 没有费用明细（feedetail）节点", code=10002)
    return node


@cache
def row_model(infno: str) -> type[BaseModel]:
    """The registry's request model of one feedetail row (built once per transaction)."""
    return build_node_model(f"FeeRow{infno}", fee_node(infno), flavour="request")


def _key(text: str) -> str:
    return _SPACE.sub("", _NOTE.sub("", text)).lower()


def map_columns(header: list[Any], node: Node) -> tuple[dict[int, FieldSpec], dict[str, str], list[str]]:
    """(column index → field, header text → field name, headers matching no field)."""
    names = {_key(spec.name): spec for spec in node.fields}
    labels = {_key(spec.label): spec for spec in node.fields}
    by_index: dict[int, FieldSpec] = {}
    shown: dict[str, str] = {}
    unmapped: list[str] = []
    taken: set[str] = set()
    for index, cell in enumerate(header):
        text = "" if cell is None else str(cell).strip().lstrip("\ufeff")
        if not text:
            continue
        spec = names.get(_key(text)) or labels.get(_key(text))
        if spec is None or spec.name in taken:
            unmapped.append(text)  # unknown, or a second column for the same field: ignored, and said so
            continue
        taken.add(spec.name)
        by_index[index] = spec
        shown[text] = spec.name
    return by_index, shown, unmapped


def read_fee_list(
    path: Path,
    suffix: str,
    *,
    infno: str = "2204",
    defaults: Mapping[str, Any] | None = None,
    window: range = range(0, 100),
    max_errors: int = 1000,
    sheet: str | None = None,
) -> FeeList:
    """Read and check every row of a fee list (see the module docstring); 40005 when it cannot be read."""
    node = fee_node(infno)
    model = row_model(infno)
    fields = frozenset(spec.name for spec in node.fields)
    fixed = {k: v for k, v in (defaults or {}).items() if v not in (None, "")}
    records = _xlsx_rows(path, sheet) if suffix == ".xlsx" else _text_rows(path, suffix)
    header = next(records, None)
    if header is None:
        raise FileError("文件解析失败: 文件为空，没有表头行", code=40005)
    by_index, shown, unmapped = map_columns(list(header), node)
    missing = [s for s in node.fields if s.required and s.name not in shown.values() and s.name not in fixed]
    if missing:
        names = "、".join(f"{s.label}({s.name})" for s in missing)
        raise FileError(
            f"文件解析失败: 缺少必填列 {names}；可在表头补上该列，或在 defaults 中给出",
            code=40005,
            details={"missing_columns": [s.name for s in missing]},
        )
    result = FeeList(infno, NODE, shown, unmapped)
    for number, record in enumerate(records, start=2):
        values = {spec.name: _cell(record[i], spec) for i, spec in by_index.items() if i < len(record)}
        if all(v is None for v in values.values()):
            continue  # a blank line between blocks of a HIS export
        for name, value in fixed.items():
            if values.get(name) is None:
                values[name] = value
        result.total += 1
        try:
            row = model.model_validate(values)
        except ValidationError as exc:
            problems = field_errors(exc, fields)  # a row's fields are fields: missing is 30002
            result.error_count += 1
            for problem in problems:
                if len(result.errors) >= max_errors:
                    break
                spec = next((s for s in node.fields if s.name == problem.path), None)
                result.errors.append(
                    {
                        "row": number,
                        "field": problem.path,
                        "label": spec.label if spec else None,
                        "code": problem.code,
                        "message": problem.message,
                        "value": values.get(problem.path),
                    }
                )
            continue
        data = row.model_dump(mode="python", exclude_none=True)
        amount = data.get(AMOUNT_FIELD)
        if isinstance(amount, Decimal):
            result.total_amount += amount
        if result.valid in window:
            result.rows.append({"row": number, **data})
        result.valid += 1
    return result


# ---------------------------------------------------------------------------------------------- cells


def _cell(value: Any, spec: FieldSpec) -> Any:
    """A cell as the bureau's text: numbers without binary noise, dates in the bureau's formats."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d" if spec.kind == "date" else "%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat() + ("" if spec.kind == "date" else " 00:00:00")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # a spreadsheet stores 1001 as 1001.0 and 12.5 as 12.5: codes must not gain a ".0"
        return str(int(value)) if value.is_integer() else repr(value)
    text = str(value).strip()
    if not text:
        return None
    if spec.kind in ("date", "datetime"):
        return _date_text(text, spec)
    return text


def _date_text(text: str, spec: FieldSpec) -> str:
    """HIS spellings (2025/7/14 9:45, 20250714094500 …) as yyyy-MM-dd[ HH:mm:ss]; unknown ones as given."""
    try:
        iso = normalize_date(text)
    except ValueError:
        return text  # the row model reports it (30003) with the value as written
    if iso is None:
        return text
    day, _, clock = iso.partition("T")
    if spec.kind == "date":
        return day
    return f"{day} {clock or '00:00:00'}"


# -------------------------------------------------------------------------------------------- readers


def _text_rows(path: Path, suffix: str) -> Iterator[list[str]]:
    """CSV/TSV records; UTF-8 (with or without BOM) or, failing that, GB18030 (a superset of GBK)."""
    try:
        yield from _decoded_rows(path, suffix, "utf-8-sig")
    except _NotThisEncoding:
        yield from _decoded_rows(path, suffix, "gb18030")


class _NotThisEncoding(Exception):
    pass


def _decoded_rows(path: Path, suffix: str, encoding: str) -> Iterator[list[str]]:
    started = False
    try:
        with path.open(encoding=encoding, newline="") as handle:
            sample = handle.read(_SAMPLE)
            handle.seek(0)
            for record in csv.reader(handle, delimiter=_delimiter(sample, suffix)):
                started = True
                yield record
    except UnicodeDecodeError:
        if started or encoding != "utf-8-sig":
            raise FileError(
                f"文件解析失败: 文件不是 UTF-8 或 GBK 编码的文本（{encoding}）", code=40005
            ) from None
        raise _NotThisEncoding from None
    except csv.Error as exc:
        raise FileError(f"文件解析失败: CSV 格式错误: {exc}", code=40005) from None


def _delimiter(sample: str, suffix: str) -> str:
    if suffix == ".tsv":
        return "\t"
    first = sample.split("\n", 1)[0]
    return max((",", "\t", ";"), key=first.count) if first else ","


def _xlsx_rows(path: Path, sheet: str | None) -> Iterator[list[Any]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    handle = path.open(
        "rb"
    )  # a file object: openpyxl would judge a path by its extension, and ours have none
    try:
        book = load_workbook(handle, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        handle.close()
        raise FileError(f"文件损坏: 无法打开 Excel 文件: {exc}", code=40008) from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise FileError(
                f"文件解析失败: 没有工作表 {sheet}（有: {'、'.join(book.sheetnames)}）", code=40005
            )
        worksheet = book[sheet] if sheet is not None else book.worksheets[0]
        for values in worksheet.iter_rows(values_only=True):
            yield list(values)
    except zipfile.BadZipFile as exc:
        raise FileError(f"文件损坏: Excel 文件数据不完整: {exc}", code=40008) from None
    finally:
        book.close()
        handle.close()
