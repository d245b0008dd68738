"""`yibao integrate watch`: request files dropped in one folder, answers written to another (§11.3.2 方案三).

    with open_sdk(config) as sdk:
        watcher = FileWatcher(sdk, WatchSettings(Path("input"), Path("output")), on_handled=print)
        watcher.run()            # until stop(); run(once=True): what is there now, then return

One worker loop, single-threaded: a watchdog observer only wakes it (events can be missed, so it also scans
every `poll_s` seconds).  Each request goes through `dispatch` with its idempotency key, so a request asked
again — after a crash, a gateway outage or an unknown outcome — reaches the bureau at most once:

1. a file unchanged for `stable_s` seconds is taken: renamed into `<input>/.processing/`;
2. asked (`dispatch`); 3. answered atomically in the output folder; 4. moved to `<input>/.done/`.

A crash anywhere leaves the file in `.processing`, and every start asks those first, with the same key.
UNKNOWN (a write or money call whose outcome is not known) is answered `_error.json` with outcome "unknown"
once, then asked again every `unknown_recheck_s` until the ledger has resolved it: the final answer replaces
it.  RETRY (nothing happened: the gateway down or busy) writes nothing and is asked again after
`retry_delay`.  The folder protocol itself is in `filewatch_files.py`.
"""

from __future__ import annotations

import logging
import os
import queue
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from medical_insurance_sdk.answer_shapes import accept_request_id
from medical_insurance_sdk.integrate.dispatch import Answer, Disposition, dispatch, retry_delay
from medical_insurance_sdk.integrate.filewatch_files import (
    DONE,
    PROCESSING,
    StabilityTracker,
    candidates,
    is_request_name,
    pending,
    read_request,
    retire,
    take,
    write_answer,
)
from medical_insurance_sdk.sdk import MedicalInsuranceSDK

if TYPE_CHECKING:
    from watchdog.observers.api import BaseObserver

log = logging.getLogger(__name__)

# how often a request whose outcome is unknown is asked again (the gateway's sweeper resolves it meanwhile)
UNKNOWN_RECHECK_S = 30.0
# the shortest wait between two passes (no busy loop, whatever is due)
MIN_WAIT_S = 0.05
# the longest the loop waits without looking at the stop flag (a signal handler only sets the flag)
WAIT_SLICE_S = 0.25


@dataclass(frozen=True)
class WatchSettings:
    input_dir: Path
    output_dir: Path
    poll_s: float = 1.0
    stable_s: float = 0.5
    unknown_recheck_s: float = UNKNOWN_RECHECK_S


@dataclass(frozen=True)
class Handled:
    """What became of one request file (one line of the watcher's log)."""

    name: str
    interface: str  # the infno, or the interface_type as written when it is not known
    disposition: Disposition
    error_code: int | None
    msgid: str | None
    elapsed_ms: int
    answer: Path | None  # the answer file written; None when nothing was written (RETRY)


@dataclass(frozen=True)
class _Waiting:
    """A request kept in .processing: asked again at `due` (monotonic)."""

    attempts: int
    due: float
    unknown_written: bool


class FileWatcher:
    def __init__(
        self,
        sdk: MedicalInsuranceSDK,
        settings: WatchSettings,
        *,
        on_handled: Callable[[Handled], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sdk = sdk
        self.settings = settings
        self.on_handled = on_handled
        self._clock = clock
        self._tracker = StabilityTracker(settings.stable_s)
        self._waiting: dict[str, _Waiting] = {}
        self._wakeups: queue.Queue[str] = queue.Queue()
        self._stopping = False

    @property
    def input_dir(self) -> Path:
        return self.settings.input_dir

    @property
    def waiting(self) -> list[str]:
        """Names kept in .processing for another attempt (RETRY or UNKNOWN)."""
        return sorted(self._waiting)

    def stop(self) -> None:
        """Stop after the file in hand (safe from a signal handler: it only sets a flag)."""
        self._stopping = True

    def prepare(self) -> None:
        """Create the input, output, .processing and .done folders."""
        for folder in (self.input_dir / PROCESSING, self.input_dir / DONE, self.settings.output_dir):
            folder.mkdir(parents=True, exist_ok=True)

    def run(self, *, once: bool = False) -> None:
        """Ask what .processing holds, then watch the input folder until `stop()`.  `once`: handle the files
        there now and return; requests still waiting stay in .processing for the next run."""
        self.prepare()
        for path in pending(self.input_dir):  # left by a crash or a stop: asked first, same key
            if self._stopping:
                return
            self._ask(path)
        if once:
            self._run_once()
            return
        observer = self._observe()
        try:
            while not self._stopping:
                self._ask_due()
                self._scan()
                self._sleep(self._next_wait())
        finally:
            if observer is not None:
                observer.stop()
                observer.join(timeout=5)

    # ---------------------------------------------------------------------------------------- the loop
    def _run_once(self) -> None:
        names = set(candidates(self.input_dir))  # new files are left for the next run
        while names and not self._stopping:
            found = candidates(self.input_dir)
            names &= set(found)
            now = self._clock()
            for name in sorted(names, key=lambda n: (found[n].st_mtime_ns, n)):
                if self._stopping:
                    return
                if self._tracker.ready(name, found[name], now):
                    names.discard(name)
                    self._take_and_ask(name)
            if names:
                due = self._tracker.next_due(self._clock())
                self._sleep(max(MIN_WAIT_S, self.settings.poll_s if due is None else due))

    def _scan(self) -> None:
        found = candidates(self.input_dir)
        self._tracker.keep_only(set(found))
        now = self._clock()
        for name, stat in sorted(found.items(), key=lambda item: (item[1].st_mtime_ns, item[0])):
            if self._stopping:
                return
            if self._tracker.ready(name, stat, now):
                self._take_and_ask(name)

    def _take_and_ask(self, name: str) -> None:
        taken = take(self.input_dir, name)
        self._tracker.forget(name)  # if not taken (a request of that name still waits): stable again, later
        if taken is not None:
            self._ask(taken)

    def _ask_due(self) -> None:
        now = self._clock()
        for name, waiting in sorted(self._waiting.items(), key=lambda item: item[1].due):
            if self._stopping or waiting.due > now:
                continue
            path = self.input_dir / PROCESSING / name
            if path.exists():
                self._ask(path)
            else:  # an operator took it away
                del self._waiting[name]

    def _next_wait(self) -> float:
        now = self._clock()
        waits = [self.settings.poll_s]
        if (stable := self._tracker.next_due(now)) is not None:
            waits.append(stable)
        waits.extend(w.due - now for w in self._waiting.values())
        return max(MIN_WAIT_S, min(waits))

    def _sleep(self, seconds: float) -> None:
        """Wait `seconds`, less when a file event arrives or stop() is called."""
        deadline = self._clock() + seconds
        while not self._stopping:
            left = deadline - self._clock()
            if left <= 0:
                return
            try:
                self._wakeups.get(timeout=min(left, WAIT_SLICE_S))
            except queue.Empty:
                continue
            while not self._wakeups.empty():  # one scan answers a burst of events
                self._wakeups.get_nowait()
            return

    def _observe(self) -> BaseObserver | None:
        """A watchdog observer on the input folder that wakes the loop; None if it cannot start (the
        periodic scan still finds every file)."""
        from watchdog.events import FileSystemEvent, FileSystemEventHandler
        from watchdog.observers import Observer

        wakeups = self._wakeups

        class Wake(FileSystemEventHandler):
            def on_any_event(self, event: FileSystemEvent) -> None:
                for where in (event.src_path, event.dest_path):
                    name = os.path.basename(os.fsdecode(where)) if where else ""
                    if is_request_name(name):
                        wakeups.put(name)

        observer = Observer()
        try:
            observer.schedule(Wake(), str(self.input_dir), recursive=False)
            observer.start()
        except OSError as exc:  # e.g. the inotify watch limit: polling alone
            log.warning("文件事件监听不可用，仅按 %.1f 秒间隔扫描: %s", self.settings.poll_s, exc)
            return None
        return observer

    # ----------------------------------------------------------------------------------- one request
    def _ask(self, path: Path) -> None:
        """Ask one request in .processing and act on the answer; never raises for a file."""
        name = path.name
        started = self._clock()
        before = self._waiting.get(name)
        try:
            answer, interface = self._answer(path)
            written = self._settle(path, answer, before)
        except FileNotFoundError:  # taken away meanwhile (an operator): nothing to answer
            self._waiting.pop(name, None)
            return
        except Exception:  # a disk or program fault, not the request's: keep it and ask again later
            log.exception("处理请求文件 %s 出错，稍后重试", name)
            attempts = before.attempts + 1 if before else 1
            unknown = before.unknown_written if before else False
            self._waiting[name] = _Waiting(attempts, self._clock() + retry_delay(attempts), unknown)
            return
        if self.on_handled is not None:
            elapsed = int((self._clock() - started) * 1000)
            self.on_handled(
                Handled(
                    name,
                    interface,
                    answer.disposition,
                    answer.error_code,
                    answer.msgid,
                    elapsed,
                    written,
                )
            )

    def _answer(self, path: Path) -> tuple[Answer, str]:
        request = read_request(path)
        if request.problem is not None:
            problem = request.problem
            failed = Answer(Disposition.FAILED, request.problem_body(), error_code=problem.code)
            return failed, str(request.interface_type or "-")
        answer = dispatch(
            self.sdk,
            request.interface_type,
            request.data,
            key=request.key,
            request_id=accept_request_id(request.request_id),
        )
        return answer, answer.infno or str(request.interface_type)

    def _settle(self, path: Path, answer: Answer, before: _Waiting | None) -> Path | None:
        """Write the answer and retire the request, or keep it waiting; returns the answer file written."""
        name = path.name
        output = self.settings.output_dir
        if answer.final:
            output.mkdir(parents=True, exist_ok=True)
            success = answer.disposition is Disposition.SUCCESS
            final = write_answer(output, name, answer.document, success=success)
            retire(self.input_dir, path)
            self._waiting.pop(name, None)
            return final
        attempts = before.attempts + 1 if before else 1
        unknown_written = before.unknown_written if before else False
        written: Path | None = None
        if answer.disposition is Disposition.UNKNOWN:
            if not unknown_written:  # the HIS learns once that the outcome is not known yet
                output.mkdir(parents=True, exist_ok=True)
                written = write_answer(output, name, answer.document, success=False)
                unknown_written = True
            due = self._clock() + self.settings.unknown_recheck_s
        else:
            due = self._clock() + retry_delay(attempts, answer.retry_after)
        self._waiting[name] = _Waiting(attempts, due, unknown_written)
        return written
