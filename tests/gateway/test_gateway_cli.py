"""The gateway's command line, run as a real process: `yibao keys …`, `yibao institutions …`, `yibao run`."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from gateway_support import HOSPITAL, Gateway

from medical_insurance_sdk.registry import API_PREFIX

YIBAO = str(Path(sys.executable).with_name("yibao"))
KEY = re.compile(r"^(mik_[0-9a-f]{16}_\S+)$", re.MULTILINE)


def yibao(gateway: Gateway, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": gateway.database_url,
        "MEDICAL_INSURANCE_DATA_DIR": str(gateway.data_dir),
        "COLUMNS": "200",  # rich tables: no wrapping of key ids
    }
    return subprocess.run([YIBAO, *args], env=env, capture_output=True, text=True, timeout=60, check=False)


def test_keys_create_prints_a_key_that_works(gateway: Gateway) -> None:
    done = yibao(gateway, "keys", "create", "--institution", HOSPITAL, "--role", "hospital_operator")
    assert done.returncode == 0, done.stderr
    match = KEY.search(done.stdout)
    assert match, done.stdout
    headers = {"X-API-Key": match.group(1), "X-Institution-Code": HOSPITAL}
    response = gateway.client.get(API_PREFIX + "query/department-info", headers=headers)
    assert response.status_code == 200 and response.json()["success"] is True


def test_keys_list_shows_ids_never_secrets_and_revoke_ends_a_key(gateway: Gateway) -> None:
    created = yibao(gateway, "keys", "create", "--institution", HOSPITAL, "--role", "data_analyst")
    key = KEY.search(created.stdout).group(1)  # type: ignore[union-attr]
    key_id = key.split("_")[1]
    listed = yibao(gateway, "keys", "list", "--institution", HOSPITAL)
    assert listed.returncode == 0 and key_id in listed.stdout and key.split("_", 2)[2] not in listed.stdout

    assert yibao(gateway, "keys", "revoke", key_id).returncode == 0
    headers = {"X-API-Key": key, "X-Institution-Code": HOSPITAL}
    response = gateway.client.get(API_PREFIX + "query/department-info", headers=headers)
    assert response.status_code == 401 and response.json()["error_code"] == 10007
    assert yibao(gateway, "keys", "revoke", key_id).returncode == 1


def test_keys_create_refuses_an_unknown_role_or_institution(gateway: Gateway) -> None:
    role = yibao(gateway, "keys", "create", "--institution", HOSPITAL, "--role", "cashier")
    assert role.returncode == 1 and "30003" in role.stdout
    missing = yibao(gateway, "keys", "create", "--institution", "H99999999999", "--role", "admin")
    assert missing.returncode == 1 and "30007" in missing.stdout


def test_institutions_add_and_list(gateway: Gateway) -> None:
    added = yibao(
        gateway,
        "institutions",
        "add",
        "--code",
        "H44030500001",
        "--name",
        "深圳市南山区演示医院",
        "--admdvs",
        "440305",
        "--profile",
        "aksk",
        "--credential-env",
        "access_key=NANSHAN_AK",
        "--credential-env",
        "secret_key=NANSHAN_SK",
    )
    assert added.returncode == 0, added.stdout + added.stderr
    listed = yibao(gateway, "institutions", "list")
    assert "H44030500001" in listed.stdout and "access_key=NANSHAN_AK" in listed.stdout
    again = yibao(
        gateway, "institutions", "add", "--code", "H44030500001", "--name", "x", "--admdvs", "440305"
    )
    assert again.returncode == 1 and "30006" in again.stdout


# ------------------------------------------------------------------------------------------- yibao run


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """`yibao run` on a fresh data directory, as `make run` starts it; stopped afterwards."""
    port = free_port()
    env = {
        **os.environ,
        "MEDICAL_INSURANCE_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'yibao.sqlite3'}",
        "PYTHONUNBUFFERED": "1",
        "COLUMNS": "200",
    }
    process = subprocess.Popen(
        [YIBAO, "run", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield process, port
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_run_prints_a_demo_key_and_a_curl_line_that_works(running: tuple[subprocess.Popen[str], int]) -> None:
    process, port = running
    assert process.stdout is not None
    lines: list[str] = []
    while not any(line.startswith("curl ") for line in lines):
        line = process.stdout.readline()
        assert line, "yibao run ended early:\n" + "".join(lines)
        lines.append(line)
    assert KEY.search("".join(lines))
    curl = next(line for line in lines if line.startswith("curl ")).strip()
    deadline = time.monotonic() + 30
    while True:  # wait for uvicorn to listen
        try:
            httpx.get(f"http://127.0.0.1:{port}/docs", timeout=1)
            break
        except httpx.TransportError:
            assert time.monotonic() < deadline, "the gateway did not start"
            time.sleep(0.2)
    if shutil.which("curl"):
        answer = subprocess.run(
            curl, shell=True, capture_output=True, text=True, timeout=30, check=False
        ).stdout
    else:  # no curl on this machine: send what the line says
        words = shlex.split(curl)
        headers = dict(w.split(": ", 1) for w in words[words.index("-H") + 1 :: 2] if ": " in w)
        answer = httpx.post(words[4], headers=headers, content=words[-1].encode(), timeout=30).text
    assert '"success":true' in answer and '"infno":"1101"' in answer, answer


def test_run_writes_one_access_line_per_request(running: tuple[subprocess.Popen[str], int]) -> None:
    """The gateway's JSON access line (§8.2.1), and not uvicorn's plain one beside it."""
    process, port = running
    url = f"http://127.0.0.1:{port}/api/v1/medical-insurance/health/check"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(url, timeout=1)
            break
        except httpx.TransportError:
            assert time.monotonic() < deadline, "the gateway did not start"
            time.sleep(0.2)
    httpx.get(url + "?probe=access-line", timeout=5)
    process.terminate()
    output = process.communicate(timeout=30)[0]
    lines = [line for line in output.splitlines() if "probe=access-line" in line or "health/check" in line]
    assert any(
        line.startswith("{") and '"path": "/api/v1/medical-insurance/health/check"' in line for line in lines
    ), output
    assert not any("HTTP/1.1" in line for line in lines), output  # uvicorn's access log is off
