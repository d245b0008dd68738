"""The file watch's folder protocol (spec §11.3.2 方案三): which files are requests, how they are taken, read
and answered.  No loop and no SDK here: `filewatch.py` drives these steps.

    input/x.json                      a request, written by the HIS (best: x.json.tmp, then renamed)
    input/.processing/x.json          taken (an atomic rename): being asked, or waiting for an outcome
    input/.done/x.json                answered; kept as the audit trail (operators may purge it)
    output/x_result.json              the answer of a success (the gateway's §1.3 body)
    output/x_error.json               a failure, or an outcome not known yet (data.outcome "unknown")

A request file holds `{"interface_type": "2201" | "outpatient_register" | SDK method name, "data": {…},
"request_id": "…", "timestamp": "…"}`, the object the spec's C# `FileBasedMedicalInsurance` writes.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from medical_insurance_sdk.answer_shapes import accept_request_id, error_body
from medical_insurance_sdk.exceptions import MedicalInsuranceException, exception_for
from medical_insurance_sdk.protocol import jsoncodec

PROCESSING = ".processing"
DONE = ".done"
REQUEST_SUFFIX = ".json"
RESULT_SUFFIX = "_result.json"
ERROR_SUFFIX = "_error.json"
# names a writer uses while a file is incomplete: never read
PARTIAL_SUFFIXES = (".tmp", ".part", ".partial")
HIDDEN_PREFIXES = (".", "~")
# a request_id usable in the idempotency key: 1-200 visible ASCII characters ("file:" + it ≤ 255)
KEY_REQUEST_ID = re.compile(r"[\x21-\x7e]{1,200}")


def is_request_name(name: str) -> bool:
    """`*.json`, not hidden, not a temporary name, and not one of the watch's own answer names."""
    lowered = name.lower()
    return (
        lowered.endswith(REQUEST_SUFFIX)
        and not name.startswith(HIDDEN_PREFIXES)
        and not lowered.endswith(PARTIAL_SUFFIXES)
    )


def answer_names(request_name: str) -> tuple[str, str]:
    """(`<stem>_result.json`, `<stem>_error.json`) of a request file name, as the C# class expects them."""
    stem = request_name[: -len(REQUEST_SUFFIX)]
    return stem + RESULT_SUFFIX, stem + ERROR_SUFFIX


class StabilityTracker:
    """A file is ready once its size and mtime have not changed for `stable_s` seconds (monotonic clock:
    a network share's skewed mtimes cannot make a half-written file look old)."""

    def __init__(self, stable_s: float) -> None:
        self.stable_s = stable_s
        self._seen: dict[str, tuple[tuple[int, int], float]] = {}

    def ready(self, name: str, stat: os.stat_result, now: float) -> bool:
        signature = (stat.st_size, stat.st_mtime_ns)
        previous = self._seen.get(name)
        if previous is None or previous[0] != signature:
            self._seen[name] = (signature, now)
            return self.stable_s <= 0
        return now - previous[1] >= self.stable_s

    def next_due(self, now: float) -> float | None:
        """Seconds until the earliest watched file may be ready (None: none is watched)."""
        waits = [max(0.0, since + self.stable_s - now) for _, since in self._seen.values()]
        return min(waits, default=None)

    def keep_only(self, names: set[str]) -> None:
        for name in set(self._seen) - names:
            del self._seen[name]

    def forget(self, name: str) -> None:
        self._seen.pop(name, None)


def candidates(input_dir: Path) -> dict[str, os.stat_result]:
    """The request files in `input_dir` (not its subfolders), by name."""
    found: dict[str, os.stat_result] = {}
    try:
        entries = list(os.scandir(input_dir))
    except FileNotFoundError:
        return found
    for entry in entries:
        if not is_request_name(entry.name):
            continue
        try:
            if entry.is_file(follow_symlinks=False):
                found[entry.name] = entry.stat(follow_symlinks=False)
        except FileNotFoundError:  # renamed or deleted since the listing
            continue
    return found


def take(input_dir: Path, name: str) -> Path | None:
    """Move a request into `.processing` (an atomic rename on one file system); None when it is gone or a
    request of that name is still being handled there (it is taken once that one is done)."""
    target = input_dir / PROCESSING / name
    if target.exists():
        return None
    try:
        os.replace(input_dir / name, target)
    except FileNotFoundError:
        return None
    return target


def retire(input_dir: Path, taken: Path) -> Path:
    """Move an answered request from `.processing` to `.done`; an older one of the same name is kept too."""
    done = input_dir / DONE
    target = done / taken.name
    if target.exists():
        target = done / f"{taken.name[: -len(REQUEST_SUFFIX)]}.{time.time_ns()}{REQUEST_SUFFIX}"
    os.replace(taken, target)
    return target


def pending(input_dir: Path) -> list[Path]:
    """The requests left in `.processing` (by a crash, or waiting for an outcome), oldest first."""
    folder = input_dir / PROCESSING
    files = [p for p in folder.iterdir() if p.is_file() and is_request_name(p.name)]
    return sorted(files, key=lambda p: (p.stat().st_mtime_ns, p.name))


# ------------------------------------------------------------------------------------------ reading


@dataclass(frozen=True)
class Request:
    """One request file, read.  `problem` is set when the file cannot be sent (then answered with it)."""

    name: str
    key: str  # the idempotency key: "file:<request_id>" or "file:sha256:<hex of the bytes>"
    request_id: str | None  # for the answer's request_id (a sane token) or None: a new one is made
    interface_type: Any = None
    data: Any = None
    problem: MedicalInsuranceException | None = None

    def problem_body(self) -> dict[str, Any]:
        """The answer of a request that could not be sent: the gateway's error shape."""
        assert self.problem is not None
        return error_body(self.problem, accept_request_id(self.request_id))


def read_request(path: Path) -> Request:
    """Read and check a request file; never raises for its content (only for I/O)."""
    raw = path.read_bytes()
    name = path.name
    try:
        document = jsoncodec.loads(raw)
    except ValueError:
        problem = exception_for(10002, "请求参数格式错误: 请求文件须为 UTF-8 编码的 JSON")
        return Request(name, _content_key(raw), None, problem=problem)
    if not isinstance(document, Mapping):
        problem = exception_for(10002, "请求参数格式错误: 请求文件须为 JSON 对象")
        return Request(name, _content_key(raw), None, problem=problem)
    request_id = document.get("request_id")
    has_id = isinstance(request_id, str) and KEY_REQUEST_ID.fullmatch(request_id) is not None
    key = f"file:{request_id}" if has_id else _content_key(raw)
    rid = request_id if isinstance(request_id, str) else None
    interface_type = document.get("interface_type")
    if interface_type is None or (isinstance(interface_type, str) and not interface_type.strip()):
        problem = exception_for(10001, "请求参数缺失: interface_type")
        return Request(name, key, rid, problem=problem)
    if "data" not in document:
        return Request(name, key, rid, problem=exception_for(10001, "请求参数缺失: data"))
    # an unknown interface_type (20001) and data that is not an object (10002) are answered by dispatch
    return Request(name, key, rid, interface_type=interface_type, data=document["data"])


def _content_key(raw: bytes) -> str:
    return "file:sha256:" + hashlib.sha256(raw).hexdigest()


# ------------------------------------------------------------------------------------------ writing


def write_atomically(path: Path, document: Any) -> None:
    """Write `path` so that no reader sees half of it: `<path>.tmp`, fsync, rename, fsync the folder."""
    temporary = path.with_name(path.name + ".tmp")
    body = jsoncodec.dumps(document) + b"\n"
    with open(temporary, "wb") as file:
        file.write(body)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)
    _sync_folder(path.parent)


def write_answer(output_dir: Path, request_name: str, document: Any, *, success: bool) -> Path:
    """`<stem>_result.json` (success) or `<stem>_error.json`; the other one (left by an earlier outcome
    unknown, or by an older request of the same name) is removed once the new answer is in place."""
    result_name, error_name = answer_names(request_name)
    target, other = (result_name, error_name) if success else (error_name, result_name)
    write_atomically(output_dir / target, document)
    (output_dir / other).unlink(missing_ok=True)
    return output_dir / target


def _sync_folder(folder: Path) -> None:
    """Make a rename durable (POSIX); Windows has no directory handles to sync."""
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
