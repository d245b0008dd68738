"""The spec's two C# snippets (§11.3.2 方案二, 方案三), compiled with Mono and run against the real product.

examples/csharp/integration/ is built with `mcs` (with NetCoreCompat.cs, the .NET 6 members Mono lacks) into
Demo.exe, run with `mono` as a subprocess (the machine's MEDICAL_* variables removed):

- `MedicalInsuranceProxy` against a live gateway's proxy route (create_app + uvicorn in a thread);
- `FileBasedMedicalInsurance` against the same gateway through `yibao integrate watch` (a subprocess).

Without mcs/mono the tests are skipped, except under $CI, where a skip would hide a missing toolchain.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from filewatch_support import registration, start_watcher
from integrate_support import HOSPITAL, LiveGateway, bureau_messages, live_gateway, person_query
from integrate_support import registration as registration_input

from medical_insurance_sdk.gateway.routes.proxy import PROXY_PREFIX
from medical_insurance_sdk.registry import API_PREFIX
from medical_insurance_sdk.sandbox.seed import PERSONS

SNIPPETS = Path(__file__).resolve().parents[2] / "examples" / "csharp" / "integration"
MONO_REFERENCES = ("-r:System.Net.Http.dll", "-r:System.Web.Extensions.dll")
RUN_TIMEOUT_S = 90  # the file snippet itself gives up after 30 s
FAILED = "医保接口调用失败: "


@pytest.fixture(scope="module")
def demo_exe(tmp_path_factory: pytest.TempPathFactory) -> Path:
    missing = [tool for tool in ("mcs", "mono") if shutil.which(tool) is None]
    if missing:
        reason = f"Mono is missing ({', '.join(missing)}; Debian: apt-get install -y mono-devel)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: CI must compile and run the C# snippets")
        pytest.skip(reason)
    exe = tmp_path_factory.mktemp("csharp-snippets") / "Demo.exe"
    sources = sorted(str(p) for p in SNIPPETS.glob("*.cs"))
    command = ["mcs", "-nologo", "-warnaserror", *MONO_REFERENCES, f"-out:{exe}", *sources]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, f"mcs failed:\n{done.stdout}\n{done.stderr}"
    return exe


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveGateway]:
    with live_gateway(tmp_path_factory.mktemp("csharp-gateway")) as started:
        yield started


def run_demo(exe: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEDICAL_INSURANCE_", "MEDICAL_BUREAU_"))}
    env["LC_ALL"] = "C.UTF-8"  # Mono decodes the command line and encodes the console by the locale
    return subprocess.run(
        ["mono", str(exe), *args],
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=RUN_TIMEOUT_S,
        check=False,
    )


def report(done: subprocess.CompletedProcess[str]) -> str:
    return f"exit {done.returncode}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"


def fields(data: dict[str, Any]) -> list[str]:
    return [f"{name}={value}" for name, value in data.items()]


# ------------------------------------------------------------------------ 方案二: MedicalInsuranceProxy


def proxy_demo(exe: Path, gateway: LiveGateway, *args: str) -> subprocess.CompletedProcess[str]:
    proxy_url = gateway.url.replace(API_PREFIX, PROXY_PREFIX)
    options = ("--proxy-url", proxy_url, "--api-key", gateway.key, "--institution", HOSPITAL)
    return run_demo(exe, *options, *args)


def test_query_person_info_returns_the_seeded_person(demo_exe: Path, gateway: LiveGateway) -> None:
    who = PERSONS[0]
    done = proxy_demo(demo_exe, gateway, "proxy-person", who.certno)
    assert done.returncode == 0, report(done)
    lines = done.stdout.splitlines()
    assert f"患者信息: {who.psn_name}（人员编号 {who.psn_no}，出生日期 {who.brdy.isoformat()}）" in lines
    assert f"参保险种: {who.insutype}，余额 {who.balc}" in lines  # decimal, scale kept: 1500.00


def test_an_unknown_interface_type_makes_the_call_throw(demo_exe: Path, gateway: LiveGateway) -> None:
    done = proxy_demo(demo_exe, gateway, "proxy-call", "no_such_interface")
    assert done.returncode == 1, report(done)
    assert f"{FAILED}20001 不支持的接口类型: no_such_interface（HTTP 404）" in done.stderr, report(done)


def test_a_refusal_of_the_bureau_makes_the_call_throw(demo_exe: Path, gateway: LiveGateway) -> None:
    done = proxy_demo(demo_exe, gateway, "proxy-person", "110101199001011234")  # nobody in the sandbox
    assert done.returncode == 1, report(done)
    assert f"{FAILED}50001 " in done.stderr, report(done)


def test_any_transaction_through_the_generic_call(demo_exe: Path, gateway: LiveGateway) -> None:
    who = PERSONS[1]
    done = proxy_demo(demo_exe, gateway, "proxy-call", "1101", *fields(person_query(1)))
    assert done.returncode == 0, report(done)
    data = json.loads(done.stdout.split("应答数据:", 1)[1])
    assert data["baseinfo"]["psn_name"] == who.psn_name
    assert data["baseinfo"]["psn_no"] == who.psn_no


def test_a_registration_resent_with_its_key_is_registered_once(demo_exe: Path, gateway: LiveGateway) -> None:
    visit = f"MZCS{time.time_ns() % 10**10}"
    call = ("proxy-call", "outpatient_register", *fields(registration_input(5, visit)))
    first = proxy_demo(demo_exe, gateway, *call, "--idempotency-key", f"HIS-{visit}")
    again = proxy_demo(demo_exe, gateway, *call, "--idempotency-key", f"HIS-{visit}")
    assert first.returncode == again.returncode == 0, report(first) + report(again)
    answers = [json.loads(d.stdout.split("应答数据:", 1)[1]) for d in (first, again)]
    assert answers[0]["data"]["mdtrt_id"] == answers[1]["data"]["mdtrt_id"]
    sent = [m for m in bureau_messages(gateway, "2201") if m["input"]["data"]["ipt_otp_no"] == visit]
    assert len(sent) == 1


def test_the_gateway_refuses_a_call_without_its_headers(demo_exe: Path, gateway: LiveGateway) -> None:
    proxy_url = gateway.url.replace(API_PREFIX, PROXY_PREFIX)
    options = ("--proxy-url", proxy_url, "--api-key", "mik_not_a_key", "--institution", HOSPITAL)
    done = run_demo(demo_exe, *options, "proxy-person", PERSONS[0].certno)
    assert done.returncode == 1, report(done)
    assert "（HTTP 401）" in done.stderr, report(done)


# ------------------------------------------------------------------ 方案三: FileBasedMedicalInsurance


@pytest.fixture
def watched(gateway: LiveGateway, tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """Input and output folders with `yibao integrate watch` running on them (stopped afterwards)."""
    inp, out = tmp_path / "input", tmp_path / "output"
    inp.mkdir()
    out.mkdir()
    watcher = start_watcher(gateway.url, gateway.key, inp, out)
    try:
        yield inp, out
    finally:
        watcher.terminate()
        stdout, stderr = watcher.communicate(timeout=30)
        assert watcher.returncode in (0, -15), f"the watcher exited {watcher.returncode}\n{stdout}\n{stderr}"


def file_demo(exe: Path, folders: tuple[Path, Path], *args: str) -> subprocess.CompletedProcess[str]:
    inp, out = folders
    return run_demo(exe, "--input", str(inp), "--output", str(out), "file-call", *args)


def result_of(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert done.returncode == 0, report(done)
    document: dict[str, Any] = json.loads(done.stdout.split("结果文件内容:", 1)[1])
    return document


def handled_request(inp: Path) -> dict[str, Any]:
    """The one request file the watcher has answered, as the C# class wrote it."""
    (path,) = (inp / ".done").iterdir()
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def test_person_info_by_file_returns_the_result_json(demo_exe: Path, watched: tuple[Path, Path]) -> None:
    who = PERSONS[2]
    answer = result_of(file_demo(demo_exe, watched, "person_info", *fields(person_query(2))))
    assert answer["success"] is True and answer["error_code"] is None
    assert answer["data"]["baseinfo"]["psn_name"] == who.psn_name
    inp, out = watched
    assert list(out.iterdir()) == []  # the class deletes the result file it read
    request = handled_request(inp)
    assert set(request) == {"interface_type", "data", "request_id", "timestamp"}  # the spec's object
    assert request["interface_type"] == "person_info" and request["data"] == person_query(2)
    assert answer["request_id"] == request["request_id"]


def test_a_registration_by_file_returns_its_mdtrt_id(demo_exe: Path, watched: tuple[Path, Path]) -> None:
    data = registration(5)
    answer = result_of(file_demo(demo_exe, watched, "outpatient_register", *fields(data)))
    assert answer["success"] is True
    assert answer["interface_info"]["infno"] == "2201"
    assert answer["data"]["data"]["mdtrt_id"]
    assert answer["data"]["data"]["psn_no"] == PERSONS[5].psn_no
    assert handled_request(watched[0])["data"] == data  # 李医生, 普通内科: UTF-8 Chinese written intact


def test_a_bad_request_by_file_throws_with_the_error_files_code(
    demo_exe: Path, watched: tuple[Path, Path]
) -> None:
    done = file_demo(demo_exe, watched, "outpatient_register", f"psn_no={PERSONS[6].psn_no}")
    assert done.returncode == 1, report(done)
    message = done.stderr.split(f"调用失败: {FAILED}", 1)
    assert len(message) == 2, report(done)
    error = json.loads(message[1])  # the error file's content, as the spec's exception carries it
    assert error["success"] is False and error["error_code"] == 30002
    assert {e["field"] for e in error["data"]["errors"]} >= {"data.insutype", "data.mdtrt_cert_no"}
    assert list(watched[1].iterdir()) == []  # the class deletes the error file it read


def test_an_unknown_interface_type_by_file_throws_20001(demo_exe: Path, watched: tuple[Path, Path]) -> None:
    done = file_demo(demo_exe, watched, "no_such_interface")
    assert done.returncode == 1, report(done)
    error = json.loads(done.stderr.split(FAILED, 1)[1])
    assert error["error_code"] == 20001
