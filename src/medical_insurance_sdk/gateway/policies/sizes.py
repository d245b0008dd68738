"""Size limits of spec §6.2.2 on what a call sends and gets, on every way in (routes, batches, tasks).

    check_input(tx, call.input)               # 30004 with each field that is too long or has too many rows
    check_download(len(content), limit)       # 40003 past download_max_bytes (2GB)

- text_field_max_length 10,000: any string of the input, at any depth (a 9101 upload's base64 `in` is
  a file, bounded by the upload limit instead);
- single_interface_max_records: course records (`course_records` as the spec's 4701 example writes them,
  `coursrinfo` as the bureau does) 100, diagnoses 50, fee details 1000 — wherever such a list sits; every
  list of an inventory upload (35xx, their batch forms 35xxA included) 5000;
- download_file_max_size 2GB: a file answer (9102) larger than the gateway's `download_max_bytes`.
The registry's own schemas keep their limits (a 2204 with 1001 fee lines is refused there already).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from medical_insurance_sdk.exceptions import DataValidationError, FieldError, FileError
from medical_insurance_sdk.registry import Safety, Transaction
from medical_insurance_sdk.registry.policy import SINGLE_INTERFACE_MAX_RECORDS, TEXT_FIELD_MAX_LENGTH

LENGTH_CODE = 30004  # 字段长度超限
FILE_SIZE_CODE = 40003  # 文件大小超限
# lists by name, as the spec's bodies and the bureau's nodes call them
RECORD_LISTS: Mapping[str, int] = {
    "course_records": SINGLE_INTERFACE_MAX_RECORDS["course_record"],
    "coursrinfo": SINGLE_INTERFACE_MAX_RECORDS["course_record"],
    "diagnosis_info": SINGLE_INTERFACE_MAX_RECORDS["diagnosis_info"],
    "diseinfo": SINGLE_INTERFACE_MAX_RECORDS["diagnosis_info"],
    "feedetail": SINGLE_INTERFACE_MAX_RECORDS["expense_detail"],
}
INVENTORY_PERMISSION = "inventory:manage"
MAX_ERRORS = 20  # reported at once; the rest are like them


def _walk(root: Any) -> Iterator[tuple[str, Any]]:
    """Every (path, value) of a JSON tree, depth first; iterative (no recursion limit to reach)."""
    stack: list[tuple[str, Any]] = [("", root)]
    while stack:
        path, node = stack.pop()
        yield path, node
        if isinstance(node, Mapping):
            children = [(f"{path}.{key}" if path else str(key), value) for key, value in node.items()]
        elif isinstance(node, list):
            children = [(f"{path}[{index}]", item) for index, item in enumerate(node)]
        else:
            continue
        stack.extend(reversed(children))


def _is_file_content(tx: Transaction) -> bool:
    return tx.perf == "file_upload"


def input_problems(tx: Transaction, data: Any) -> list[FieldError]:
    """The §6.2.2 problems of one transaction's input (an empty list when it is within every limit)."""
    inventory = tx.permission == INVENTORY_PERMISSION and tx.safety is not Safety.QUERY
    inventory_max = SINGLE_INTERFACE_MAX_RECORDS["inventory_data"]
    texts = not _is_file_content(tx)
    problems: list[FieldError] = []
    for path, value in _walk(data):
        if isinstance(value, str):
            if texts and len(value) > TEXT_FIELD_MAX_LENGTH:
                detail = f"文本不能超过 {TEXT_FIELD_MAX_LENGTH} 个字符（规范 §6.2.2），实为 {len(value)}"
                problems.append(FieldError(LENGTH_CODE, path, detail))
        elif isinstance(value, list):
            name = path.rsplit(".", 1)[-1].split("[", 1)[0]
            limit = RECORD_LISTS.get(name)
            if inventory:
                limit = min(limit or inventory_max, inventory_max)
            if limit is not None and len(value) > limit:
                detail = f"条数不能超过 {limit}（规范 §6.2.2），实为 {len(value)}"
                problems.append(FieldError(LENGTH_CODE, path or "input", detail))
        if len(problems) >= MAX_ERRORS:
            break
    return problems


def check_input(tx: Transaction, data: Any) -> None:
    """30004 (字段长度超限) naming each field past a §6.2.2 limit."""
    problems = input_problems(tx, data)
    if problems:
        raise DataValidationError(problems)


def check_download(size: int, limit: int) -> None:
    """40003 for a file answer larger than the gateway serves (spec §6.2.2 download_file_max_size)."""
    if size > limit:
        raise FileError(
            f"文件大小超限: 下载文件 {size} 字节，超过 {limit // (1024 * 1024)}MB 上限（规范 §6.2.2）",
            code=FILE_SIZE_CODE,
        )
