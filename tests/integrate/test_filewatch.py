"""`yibao integrate watch` against a real gateway over the embedded sandbox, with real files and processes.

The watcher runs either in process (`FileWatcher` with an SDK towards the gateway, for the quick cases) or
as the `yibao` program (subprocess, the machine's MEDICAL_* variables removed).  Bureau messages are
counted in the gateway's ledger (record-before-send: one row per message that went out).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from filewatch_support import (
    StallingProxy,
    read_answer,
    registration,
    request_text,
    run_once,
    sent,
    start_watcher,
    watch_command,
    watcher_env,
    write_request,
)
from integrate_support import HOSPITAL, LiveGateway, add_fault, live_gateway, person_query, wait_until
from sqlalchemy import func, select
from typer.testing import CliRunner

from medical_insurance_sdk.cli import app
from medical_insurance_sdk.integrate.filewatch import FileWatcher, Handled, WatchSettings
from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.registry.samples import sample_message
from medical_insurance_sdk.sandbox.seed import PERSONS
from medical_insurance_sdk.sdk import MedicalInsuranceSDK
from medical_insurance_sdk.storage.models import LedgerEntry


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveGateway]:
    with live_gateway(tmp_path_factory.mktemp("filewatch-gateway")) as started:
        yield started


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    inp, out = tmp_path / "input", tmp_path / "output"
    inp.mkdir()
    return inp, out


def sdk_for(gateway: LiveGateway) -> MedicalInsuranceSDK:
    # env={}: the machine's MEDICAL_INSURANCE_* variables do not count
    return MedicalInsuranceSDK(
        api_base_url=gateway.url,
        api_key=gateway.key,
        institution_code=HOSPITAL,
        env={},
        max_attempts=1,
    )


def watch_once(gateway: LiveGateway, inp: Path, out: Path) -> list[Handled]:
    handled: list[Handled] = []
    with sdk_for(gateway) as sdk:
        FileWatcher(sdk, WatchSettings(inp, out, stable_s=0.05), on_handled=handled.append).run(once=True)
    return handled


class WatcherThread:
    """The in-process watcher running `run()` in a thread until `stop()`."""

    def __init__(
        self, gateway: LiveGateway, inp: Path, out: Path, *, stable_s: float = 0.1, recheck_s: float = 30
    ) -> None:
        self.sdk = sdk_for(gateway)
        self.handled: list[Handled] = []
        settings = WatchSettings(inp, out, poll_s=0.2, stable_s=stable_s, unknown_recheck_s=recheck_s)
        self.watcher = FileWatcher(self.sdk, settings, on_handled=self.handled.append)
        self.watcher.prepare()
        self.thread = threading.Thread(target=self.watcher.run, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.watcher.stop()
        self.thread.join(timeout=30)
        self.sdk.close()
        assert not self.thread.is_alive()


def answers(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir())


# ------------------------------------------------------------------------------------------ answers


def test_a_person_query_is_answered_and_kept_in_done(
    gateway: LiveGateway, folders: tuple[Path, Path]
) -> None:
    inp, out = folders
    write_request(inp, "person.json", "1101", person_query(0), "FW-1101-0001")
    [handled] = watch_once(gateway, inp, out)
    assert (handled.name, handled.interface) == ("person.json", "1101")
    assert handled.disposition.value == "success", handled
    assert answers(out) == ["person_result.json"]
    result = read_answer(out / "person_result.json")
    assert result["success"] is True and result["request_id"] == "FW-1101-0001"
    assert result["data"]["baseinfo"]["psn_name"] == PERSONS[0].psn_name
    assert "张三" in (out / "person_result.json").read_text(encoding="utf-8")  # readable, not \\u escapes
    assert not list(inp.glob("*.json")) and not list((inp / ".processing").iterdir())
    assert (inp / ".done" / "person.json").read_text(encoding="utf-8") == request_text(
        "1101", person_query(0), "FW-1101-0001"
    )


def test_a_registration_dropped_twice_reaches_the_bureau_once(
    gateway: LiveGateway, folders: tuple[Path, Path]
) -> None:
    inp, out = folders
    who = PERSONS[1]
    write_request(inp, "reg.json", "outpatient_register", registration(1), "FW-2201-0001")
    watch_once(gateway, inp, out)
    first = read_answer(out / "reg_result.json")
    assert first["success"] is True, first
    assert first["data"]["data"]["mdtrt_id"]
    # the HIS, not sure it was taken, drops the same request again (same request_id)
    write_request(inp, "reg.json", "outpatient_register", registration(1), "FW-2201-0001")
    [again] = watch_once(gateway, inp, out)
    assert again.disposition.value == "success"
    second = read_answer(out / "reg_result.json")
    assert second["data"] == first["data"]
    assert second["interface_info"]["msgid"] == first["interface_info"]["msgid"]
    assert sent(gateway, "2201", [who.psn_no]) == 1
    assert len(list((inp / ".done").iterdir())) == 2  # both requests kept for the audit trail


def test_bad_files_are_answered_with_their_code_and_the_watcher_goes_on(
    gateway: LiveGateway, folders: tuple[Path, Path]
) -> None:
    inp, out = folders
    process = start_watcher(gateway.url, gateway.key, inp, out)
    try:
        (inp / "broken.json").write_text('{"interface_type": "1101", "data": {', encoding="utf-8")
        (inp / "array.json").write_text("[1, 2]", encoding="utf-8")
        (inp / "nothing.json").write_text('{"data": {}}', encoding="utf-8")
        write_request(inp, "unknown.json", "9999", {}, "FW-BAD-0001")
        write_request(inp, "scalar.json", "1101", "not an object", "FW-BAD-0002")
        partial = {k: v for k, v in registration(2).items() if k not in ("insutype", "begntime")}
        write_request(inp, "invalid.json", "2201", partial, "FW-BAD-0003")
        expected = {
            "broken": 10002,
            "array": 10002,
            "nothing": 10001,
            "unknown": 20001,
            "scalar": 10002,
            "invalid": 30002,
        }
        for stem, code in expected.items():
            path = out / f"{stem}_error.json"
            wait_until(path.exists, what=path.name)
            answer = read_answer(path)
            assert answer["success"] is False and answer["error_code"] == code, answer
        fields = {e["field"] for e in read_answer(out / "invalid_error.json")["data"]["errors"]}
        assert {"data.insutype", "data.begntime"} <= fields
        assert sent(gateway, "2201", [PERSONS[2].psn_no]) == 0
        write_request(inp, "good.json", "1101", person_query(3), "FW-GOOD-0001")
        good = read_answer(wait_until(lambda: _exists(out / "good_result.json"), what="the good answer"))
        assert good["data"]["baseinfo"]["psn_name"] == PERSONS[3].psn_name
        assert process.poll() is None
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert stdout.startswith("文件监控已启动") and gateway.url in stdout
    assert "good.json  1101  成功" in stdout and "broken.json  -  失败 10002" in stdout
    assert stdout.rstrip().endswith("文件监控已停止")
    assert len(list((inp / ".done").iterdir())) == len(expected) + 1


def _exists(path: Path) -> Path | None:
    return path if path.exists() else None


# ------------------------------------------------------------------------------------------ files in flight


def test_a_half_written_file_is_read_once_complete_and_tmp_names_wait(
    gateway: LiveGateway, folders: tuple[Path, Path]
) -> None:
    inp, out = folders
    running = WatcherThread(gateway, inp, out, stable_s=1.5)
    try:
        text = request_text("1101", person_query(4), "FW-SLOW-0001").encode("utf-8")
        with open(inp / "slow.json", "wb") as file:
            file.write(text[: len(text) // 2])
            file.flush()
            time.sleep(0.3)  # less than --stable: the watcher must not take it yet
            assert answers(out) == [] and (inp / "slow.json").exists()
            file.write(text[len(text) // 2 :])
        result = wait_until(lambda: _exists(out / "slow_result.json"), what="slow_result.json")
        assert read_answer(result)["data"]["baseinfo"]["psn_name"] == PERSONS[4].psn_name
        # a writer's temporary name is never read, however long it stays
        pending = inp / "renamed.json.tmp"
        pending.write_text(request_text("1101", person_query(5), "FW-TMP-0001"), encoding="utf-8")
        (inp / ".hidden.json").write_text("{}", encoding="utf-8")
        (inp / "~lock.json").write_text("{}", encoding="utf-8")
        time.sleep(2.0)  # longer than --stable plus a poll
        assert answers(out) == ["slow_result.json"] and pending.exists()
        os.replace(pending, inp / "renamed.json")
        wait_until(lambda: _exists(out / "renamed_result.json"), what="renamed_result.json")
    finally:
        running.stop()
    assert [h.name for h in running.handled] == ["slow.json", "renamed.json"]
    assert sorted(p.name for p in (inp / ".done").iterdir()) == ["renamed.json", "slow.json"]
    assert (inp / ".hidden.json").exists() and (inp / "~lock.json").exists()


def test_answers_are_never_seen_half_written(gateway: LiveGateway, folders: tuple[Path, Path]) -> None:
    inp, out = folders
    out.mkdir()
    seen: set[str] = set()
    problems: list[str] = []
    done = threading.Event()

    def read_all() -> None:
        while not done.is_set():
            for path in out.iterdir():
                seen.add(path.name)
                if path.name.endswith(".json"):
                    try:
                        json.loads(path.read_bytes())
                    except FileNotFoundError:
                        continue  # replaced by a newer answer meanwhile
                    except ValueError as exc:
                        problems.append(f"{path.name}: {exc}")

    reader = threading.Thread(target=read_all, daemon=True)
    reader.start()
    count = 30
    running = WatcherThread(gateway, inp, out, stable_s=0.05)
    try:
        for n in range(count):
            write_request(inp, f"q{n:02d}.json", "1101", person_query(n % 20), f"FW-ATOMIC-{n:04d}")
        wait_until(lambda: len(list(out.glob("*_result.json"))) == count, what=f"{count} answers")
    finally:
        done.set()
        reader.join(timeout=10)
        running.stop()
    assert problems == []
    temporaries = {name for name in seen if not name.endswith(".json")}
    assert all(name.endswith("_result.json.tmp") for name in temporaries), temporaries
    assert len(seen - temporaries) == count
    assert not list(out.glob("*.tmp"))  # nothing left behind


# ------------------------------------------------------------------------------------------ faults


def test_an_unknown_outcome_is_an_error_and_is_asked_again_never_sent_again(
    folders: tuple[Path, Path], tmp_path: Path
) -> None:
    inp, out = folders
    quick = {"bureau_timeout_s": 1.0, "bureau_processing_window_s": 0.3}
    with live_gateway(tmp_path / "gateway", hang_s=2.0, **quick) as slow:
        add_fault(slow, scope="4301", kind="timeout_before", count=1)  # the answer of the upload is lost
        record = sample_message(REGISTRY["4301"].request_nodes)
        write_request(inp, "upload.json", "4301", record, "FW-UNKNOWN-0001")
        running = WatcherThread(slow, inp, out, recheck_s=0.3)
        try:
            error = wait_until(lambda: _exists(out / "upload_error.json"), what="upload_error.json")
            first = error.stat().st_mtime_ns
            # the HIS drops it again: the name is still waiting in .processing, so it waits in input
            write_request(inp, "upload.json", "4301", record, "FW-UNKNOWN-0001")
            wait_until(lambda: len(running.handled) >= 4, what="the request asked again")
            assert (inp / "upload.json").exists()
        finally:
            running.stop()
        answer = read_answer(error)
        assert answer["success"] is False and answer["error_code"] == 20005, answer
        assert answer["data"]["outcome"] == "unknown" and answer["data"]["msgid"]
        assert {h.disposition.value for h in running.handled} == {"unknown"}
        assert {h.msgid for h in running.handled} == {answer["data"]["msgid"]}  # asked, never re-sent
        assert error.stat().st_mtime_ns == first  # written once, not rewritten at every check
        assert answers(out) == ["upload_error.json"]
        assert running.watcher.waiting == ["upload.json"]
        assert (inp / ".processing" / "upload.json").exists() and not list((inp / ".done").iterdir())
        with slow.database.session() as s:
            count = s.scalar(select(func.count()).select_from(LedgerEntry).where(LedgerEntry.infno == "4301"))
        assert count == 1


# ------------------------------------------------------------------------------------------ crash


def test_a_crash_between_sending_and_answering_never_sends_twice(
    gateway: LiveGateway, folders: tuple[Path, Path]
) -> None:
    inp, out = folders
    indexes = [6, 7, 8]
    psn_nos = [PERSONS[i].psn_no for i in indexes]
    for n, index in enumerate(indexes):
        write_request(inp, f"reg{n}.json", "2201", registration(index), f"FW-CRASH-{n:04d}")
    proxy = StallingProxy(gateway.url)
    try:
        # the first registration reaches the bureau through the proxy, whose answer never comes back
        process = start_watcher(proxy.url, gateway.key, inp, out)
        try:
            assert proxy.answered.wait(30), "the watcher sent nothing"
            assert list((inp / ".processing").iterdir())  # taken, not answered
            assert not list(out.glob("*_result.json"))
        finally:
            process.kill()  # kill -9: no chance to write anything
            process.communicate(timeout=30)
        [held_back] = proxy.forwarded
        assert held_back["success"] is True, held_back
        assert sent(gateway, "2201", psn_nos) == 1
    finally:
        proxy.close()
    [taken] = list((inp / ".processing").iterdir())
    # restarted towards the gateway itself: .processing first, with the same key, then the rest
    done = run_once(gateway.url, gateway.key, inp, out)
    assert done.returncode == 0, done.stderr
    assert answers(out) == ["reg0_result.json", "reg1_result.json", "reg2_result.json"]
    first = read_answer(out / taken.name.replace(".json", "_result.json"))
    assert first["interface_info"]["msgid"] == held_back["interface_info"]["msgid"]
    assert first["data"] == held_back["data"]
    assert sent(gateway, "2201", psn_nos) == len(indexes)  # one message per file, none twice
    assert not list((inp / ".processing").iterdir()) and len(list((inp / ".done").iterdir())) == 3


# ------------------------------------------------------------------------------------------ usage


def test_command_line_mistakes_exit_2_in_chinese(tmp_path: Path) -> None:
    inp = tmp_path / "input"
    inp.mkdir()
    a_file = tmp_path / "file.txt"
    a_file.write_text("x", encoding="utf-8")
    cases = {
        "相同": ["--input", str(inp), "--output", str(inp)],
        ".processing": ["--input", str(inp), "--output", str(inp / ".processing" / "out")],
        "不是目录": ["--input", str(a_file), "--output", str(tmp_path / "out")],
        "无法创建": ["--input", str(a_file / "sub"), "--output", str(tmp_path / "out")],
        "配置文件不存在": ["--input", str(inp), "--output", str(tmp_path / "out"), "--config", "nope.json"],
        "--poll": ["--input", str(inp), "--output", str(tmp_path / "out"), "--poll", "0"],
    }
    for words, args in cases.items():
        done = CliRunner().invoke(app, ["integrate", "watch", *args])
        assert done.exit_code == 2, (words, done.output)
        assert words in done.output and "错误" in done.output, done.output
        assert done.exception is None or isinstance(done.exception, SystemExit), done.exception


def test_the_program_refuses_a_bad_folder_without_a_traceback(tmp_path: Path) -> None:
    done = subprocess.run(
        watch_command(tmp_path, tmp_path),
        env=watcher_env("http://127.0.0.1:9/unused", "unused"),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "输入目录与输出目录不能相同" in done.stderr and "Traceback" not in done.stderr
