"""Message ids: `fixmedins_code`(12) + `yyyyMMddHHmmss`(14, Beijing time) + sequence(4) = 30 characters.

The bureau needs a msgid unique per request, and 2601 冲正 finds the original call by it, so a reissued
msgid could reverse the wrong settlement.  Sequence numbers therefore come from a `SequenceAllocator`
shared by every process that sends for one institution; when 9999 numbers are used in one second the
generator waits for the next second instead of wrapping.

    ids = MsgIdGenerator(FileSequenceAllocator("var/msgid.seq"), "H12345678901")
    ids.generate()  # 'H123456789012025071410300000001'

Allocators here: `MemorySequenceAllocator` (one process) and `FileSequenceAllocator` (all processes of one
host).  Multi-host allocators (database, Redis `INCR msgid:{prefix}:{second}`) implement the same
one-method protocol in the engine.

A province whose bureau checks another length (its profile's `envelope.msgid_length`) gets the same three
parts laid out in that many characters (`fit_msgid`), so one allocator keeps every layout unique:

- 30 or more: code(12) + yyyyMMddHHmmss(14) + the sequence zero-padded to length - 26 digits;
- 28 or 29:   code(12) + yyMMddHHmmss(12) + the sequence zero-padded to length - 24 digits (unique within a
              century);
- under 28 the code, a time to the second and 9999 numbers per second do not fit: refused.
"""

from __future__ import annotations

import fcntl
import os
import re
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import NamedTuple, Protocol

from medical_insurance_sdk.exceptions import DataValidationError, FieldError, exception_for
from medical_insurance_sdk.protocol.jsoncodec import BEIJING, beijing

MSGID_LENGTH = 30
CODE_LENGTH = 12
SECOND_FORMAT = "%Y%m%d%H%M%S"
MAX_SEQUENCE = 9999
SEQUENCE_DIGITS = len(str(MAX_SEQUENCE))
# The shortest msgid that still carries the code, the second (two-digit year) and every sequence number.
MIN_MSGID_LENGTH = CODE_LENGTH + len("yyMMddHHmmss") + SEQUENCE_DIGITS  # 28
MAX_MSGID_LENGTH = 64

_CODE_RE = re.compile(r"[A-Za-z0-9]{12}")
_SECOND_RE = re.compile(r"\d{14}")
_DIGITS = re.compile(r"[0-9]+")


class SequenceAllocator(Protocol):
    """Hands out sequence numbers for msgids; the one seam between msgid generation and shared state."""

    def allocate(self, prefix: str, second: str) -> int | None:
        """The next unused number 1..9999 for (`prefix`, `second`), or None when none can be issued.

        `second` is `yyyyMMddHHmmss`.  None means "exhausted": all 9999 are used, or the allocator cannot
        prove that no number of that second was issued before (a clock that stepped back).  A number once
        returned for (prefix, second) is never returned again.
        """
        ...


def _next_sequence(last: tuple[str, int] | None, second: str) -> int | None:
    """The step shared by the local allocators, given the last (second, seq) issued for a prefix.

    Keeping only the last pair per prefix is enough because seconds are issued in order: anything before
    the last second is refused (its used numbers are no longer known), never guessed.
    """
    if last is None or second > last[0]:
        return 1
    if second == last[0] and last[1] < MAX_SEQUENCE:
        return last[1] + 1
    return None


def _check_key(prefix: str, second: str) -> None:
    if not prefix or any(c.isspace() for c in prefix):
        raise ValueError(f"msgid prefix must be non-empty without whitespace: {prefix!r}")
    if not _SECOND_RE.fullmatch(second):
        raise ValueError(f"second must be yyyyMMddHHmmss: {second!r}")


class MemorySequenceAllocator:
    """Thread-safe allocator for tests and single-process use; state dies with the process."""

    def __init__(self) -> None:
        self._last: dict[str, tuple[str, int]] = {}
        self._lock = threading.Lock()

    def allocate(self, prefix: str, second: str) -> int | None:
        _check_key(prefix, second)
        with self._lock:
            seq = _next_sequence(self._last.get(prefix), second)
            if seq is not None:
                self._last[prefix] = (second, seq)
            return seq


class FileSequenceAllocator:
    """Allocator shared by all processes of one host through a small state file locked with `flock`.

    The file holds one line per prefix, `<prefix> <yyyyMMddHHmmss> <seq:04d>`: the last number issued.
    It survives restarts, so a process restarted within the same second continues after the last number.

    Why the file is safe without fsync or rename: a process crash keeps the written page cache, and a host
    crash takes longer than a second to recover, so issued seconds are in the past by then.  Each line has
    a fixed width per prefix, so a rewrite never shrinks the file and one `pwrite` replaces it whole.
    A state file that cannot be read raises `SystemError_` (60004) rather than risk reissuing numbers.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._thread_lock = threading.Lock()
        self._fd: int | None = None
        self._pid = os.getpid()

    def __reduce__(self) -> tuple[type[FileSequenceAllocator], tuple[Path]]:
        # Pickled into spawned workers as just the path; each process opens its own descriptor.
        return (FileSequenceAllocator, (self.path,))

    def _descriptor(self) -> int:
        if self._pid != os.getpid():
            # After fork the inherited descriptor shares one open file description with the parent, and
            # flock on a shared description does not exclude the parent: open a fresh one.
            self._fd, self._pid = None, os.getpid()
            self._thread_lock = threading.Lock()
        if self._fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
        return self._fd

    def allocate(self, prefix: str, second: str) -> int | None:
        _check_key(prefix, second)
        fd = self._descriptor()
        # flock excludes other processes; the thread lock excludes threads sharing this descriptor.
        with self._thread_lock:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                state = self._read(fd)
                seq = _next_sequence(state.get(prefix), second)
                if seq is not None:
                    state[prefix] = (second, seq)
                    data = "".join(f"{p} {s} {n:04d}\n" for p, (s, n) in state.items()).encode("ascii")
                    os.pwrite(fd, data, 0)
                return seq
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)

    def _read(self, fd: int) -> dict[str, tuple[str, int]]:
        chunks = []
        offset = 0
        while chunk := os.pread(fd, 65536, offset):
            chunks.append(chunk)
            offset += len(chunk)
        state: dict[str, tuple[str, int]] = {}
        for line in b"".join(chunks).decode("ascii", "replace").splitlines():
            parts = line.split(" ")
            if len(parts) != 3 or not _SECOND_RE.fullmatch(parts[1]) or not parts[2].isdigit():
                raise exception_for(60004, f"报文ID序号状态文件已损坏，请人工核查: {self.path}")
            state[parts[0]] = (parts[1], int(parts[2]))
        return state

    def close(self) -> None:
        """Close this process's descriptor; the next `allocate` reopens it."""
        if self._fd is not None and self._pid == os.getpid():
            os.close(self._fd)
        self._fd = None

    def __enter__(self) -> FileSequenceAllocator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _beijing_now() -> datetime:
    return datetime.now(BEIJING)


def check_fixmedins_code(code: str) -> str:
    """`code` if it is the 12-character institution code a msgid starts with, else DataValidationError."""
    if not isinstance(code, str) or not _CODE_RE.fullmatch(code):
        detail = f"报文ID要求定点医药机构编号为 12 位字母或数字，当前为 {code!r}"
        raise DataValidationError([FieldError(30003, "fixmedins_code", detail)])
    return code


def check_msgid_length(length: int) -> int:
    """`length` if msgids can be laid out in it (see the module docstring), else ValueError (Chinese)."""
    if length < MIN_MSGID_LENGTH:
        raise ValueError(
            f"发送方报文ID长度 {length} 位容纳不下 {CODE_LENGTH} 位机构编号 + 12 位时间（yyMMddHHmmss）"
            f"+ {SEQUENCE_DIGITS} 位序号（每秒 {MAX_SEQUENCE} 个），无法保证报文ID不重复；"
            f"至少 {MIN_MSGID_LENGTH} 位"
        )
    if length > MAX_MSGID_LENGTH:
        raise ValueError(f"发送方报文ID长度 {length} 位超出上限 {MAX_MSGID_LENGTH} 位")
    return length


def _layout(length: int) -> tuple[str, int, int]:
    """(time format, time digits, sequence digits) of a msgid of `length` characters."""
    check_msgid_length(length)
    if length >= MSGID_LENGTH:
        return SECOND_FORMAT, 14, length - CODE_LENGTH - 14
    return "%y%m%d%H%M%S", 12, length - CODE_LENGTH - 12


def fit_msgid(msgid: str, length: int) -> str:
    """The national 30-character `msgid` laid out in `length` characters (a province's msgid_length).

    The same code, second and sequence number: distinct national msgids stay distinct (28 and 29 drop the
    century), so the allocator that made `msgid` unique keeps the result unique too."""
    if length == MSGID_LENGTH:
        return msgid
    _, time_digits, seq_digits = _layout(length)
    if len(msgid) != MSGID_LENGTH:
        raise ValueError(f"not a {MSGID_LENGTH}-character msgid: {msgid!r}")
    code, second, seq = msgid[:CODE_LENGTH], msgid[CODE_LENGTH:-SEQUENCE_DIGITS], msgid[-SEQUENCE_DIGITS:]
    return f"{code}{second[-time_digits:]}{seq.zfill(seq_digits)}"


class MsgIdGenerator:
    """Builds msgids for one institution from a shared `SequenceAllocator`: 30 characters, or `length`.

    `clock` returns the current time (aware, or naive Beijing time); `sleep` waits.  Both are injected so
    tests can run a day of seconds instantly.  Within one second the sequence never wraps: when the
    allocator is exhausted the generator waits for the next second, for at most `max_wait` seconds in all.
    """

    def __init__(
        self,
        allocator: SequenceAllocator,
        fixmedins_code: str,
        *,
        clock: Callable[[], datetime] = _beijing_now,
        sleep: Callable[[float], None] = time.sleep,
        max_wait: float = 10.0,
        length: int = MSGID_LENGTH,
    ) -> None:
        self.fixmedins_code = check_fixmedins_code(fixmedins_code)
        self.length = check_msgid_length(length)
        self._allocator = allocator
        self._clock = clock
        self._sleep = sleep
        self._max_wait = max_wait

    def generate(self) -> str:
        """A msgid no process sharing the allocator has issued before."""
        waited = 0.0
        start: datetime | None = None
        while True:
            now = beijing(self._clock())
            start = now if start is None else start
            second = now.strftime(SECOND_FORMAT)
            seq = self._allocator.allocate(self.fixmedins_code, second)
            if seq is not None:
                if not 1 <= seq <= MAX_SEQUENCE:
                    raise ValueError(f"allocator returned {seq}, outside 1..{MAX_SEQUENCE}")
                return fit_msgid(f"{self.fixmedins_code}{second}{seq:04d}", self.length)
            now = beijing(self._clock())
            # Both bounds: slept time covers a stuck clock, clock time covers a racing one.
            if waited >= self._max_wait or abs((now - start).total_seconds()) > self._max_wait:
                raise exception_for(
                    60010,
                    f"{self._max_wait:g} 秒内未能取得报文ID序号（每秒上限 {MAX_SEQUENCE}），"
                    f"可能是发送量持续超限或系统时钟回拨",
                )
            if now.strftime(SECOND_FORMAT) > second:
                continue  # another process moved on to a new second while we waited for the lock
            delay = (1_000_000 - now.microsecond) / 1_000_000
            self._sleep(delay)
            waited += delay


class MsgId(NamedTuple):
    """The three parts of a msgid; unpacks as (fixmedins_code, time, seq)."""

    fixmedins_code: str
    time: datetime
    seq: int


def parse_msgid(msgid: str, length: int = MSGID_LENGTH) -> MsgId:
    """Split a msgid of `length` characters (national: 30; else as `fit_msgid` lays it out) into
    (fixmedins_code, Beijing datetime, sequence)."""
    time_format, time_digits, seq_digits = _layout(length)
    if isinstance(msgid, str) and len(msgid) == length:
        code, moment, seq = msgid[:CODE_LENGTH], msgid[CODE_LENGTH:-seq_digits], msgid[-seq_digits:]
        if _CODE_RE.fullmatch(code) and _DIGITS.fullmatch(moment) and _DIGITS.fullmatch(seq):
            try:
                when = datetime.strptime(moment, time_format).replace(tzinfo=BEIJING)
            except ValueError:
                pass
            else:
                return MsgId(code, when, int(seq))
    layout = "yyyyMMddHHmmss" if time_digits == 14 else "yyMMddHHmmss"
    detail = f"报文ID应为 12 位机构编号 + {layout} + {seq_digits} 位序号，共 {length} 位"
    raise DataValidationError([FieldError(30003, "msgid", detail)])
