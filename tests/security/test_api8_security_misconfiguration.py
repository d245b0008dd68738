"""API8:2023 Security Misconfiguration: the sandbox is never an open door; answers carry no server banner.

- production without MEDICAL_BUREAU_API_URL refuses to start (settings and `yibao run`), unless the embedded
  sandbox is asked for by name (MEDICAL_INSURANCE_SANDBOX=embedded), and then it works;
- the embedded sandbox's admin API and page need the gateway's admin key or token in every mode: none →
  401 + 10007, another role → 403 + 10009; a hospital key reads only its own institution's ledger rows;
- the standalone `yibao sandbox` prints its own admin token and wants it (Bearer or X-Sandbox-Admin-Token);
- `yibao run` listens on 127.0.0.1 unless told otherwise; over a real socket every answer carries
  `X-Content-Type-Options: nosniff` and no `server` header;
- /docs, /redoc and /openapi.json are off in production unless a setting turns them on.
"""

from __future__ import annotations

import base64
import os
import queue
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter
from gateway_support import (
    HOSPITAL,
    PHARMACY,
    Gateway,
    gateway_settings,
    operations_gateway,
    person_query,
    start_gateway,
)
from pydantic import ValidationError

from medical_insurance_sdk.gateway import GatewaySettings
from medical_insurance_sdk.gateway.keys import create_key
from medical_insurance_sdk.registry import API_PREFIX
from medical_insurance_sdk.sandbox.admin import ADMIN_TOKEN_HEADER
from medical_insurance_sdk.sandbox.app import create_sandbox_app
from medical_insurance_sdk.sandbox.settings import SandboxSettings
from medical_insurance_sdk.sandbox.transport import SyncSandboxTransport

YIBAO = str(Path(sys.executable).with_name("yibao"))
STRONG_SECRET = "Xq7-vR2pLm9sT4wZ8yB1nC6dF3gH5jK0aE"
PERSON_INFO = "basic/person-info"
DOCS = ("/docs", "/redoc", "/openapi.json")
# Every admin endpoint and the page: (method, path, body)
ADMIN_ONLY = (
    ("POST", "/sandbox/admin/reset", None),
    ("POST", "/sandbox/admin/seed", None),
    ("GET", "/sandbox/admin/faults", None),
    ("PUT", "/sandbox/admin/faults", {"rules": []}),
    ("POST", "/sandbox/admin/faults", {"scope": "1101", "kind": "latency", "latency_ms": 1, "count": 1}),
    ("DELETE", "/sandbox/admin/faults", None),
    ("GET", "/sandbox/admin/persons", None),
    ("GET", "/sandbox/admin/balances", None),
    ("GET", "/sandbox/admin/rejections", None),
    ("GET", "/sandbox/", None),
)
LEDGER = "/sandbox/admin/ledger"


def _data_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Production also needs the data key ring (§7.3.1): one random key, from the environment."""
    monkeypatch.setenv(
        "MEDICAL_INSURANCE_DATA_KEYS", "k1:" + base64.b64encode(secrets.token_bytes(32)).decode()
    )


# ------------------------------------------------------------------------------ production and the bureau


def test_production_without_a_bureau_url_refuses_to_start() -> None:
    with pytest.raises(ValidationError) as refused:
        GatewaySettings(database_url="sqlite://", environment="production", jwt_secret=STRONG_SECRET)
    text = str(refused.value)
    assert "MEDICAL_BUREAU_API_URL" in text and "MEDICAL_INSURANCE_SANDBOX=embedded" in text
    assert "拒绝启动" in text
    # asked for by name, or a bureau given: it starts
    chosen = GatewaySettings(
        database_url="sqlite://", environment="production", jwt_secret=STRONG_SECRET, sandbox="embedded"
    )
    assert chosen.embedded_sandbox
    real = GatewaySettings(
        database_url="sqlite://",
        environment="production",
        jwt_secret=STRONG_SECRET,
        bureau_api_url="http://10.1.1.1:8080",
    )
    assert not real.embedded_sandbox
    # development keeps the embedded sandbox by default
    assert GatewaySettings(database_url="sqlite://", environment="development").embedded_sandbox
    # both at once is a contradiction, refused
    with pytest.raises(ValidationError, match="不能同时设置"):
        GatewaySettings(database_url="sqlite://", sandbox="embedded", bureau_api_url="http://10.1.1.1:8080")


def test_yibao_run_in_production_without_a_bureau_exits_with_the_reason(tmp_path: Path) -> None:
    unset = ("MEDICAL_BUREAU_API_URL", "MEDICAL_INSURANCE_SANDBOX", "MEDICAL_INSURANCE_CONFIG_FILE")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env |= {
        "MEDICAL_INSURANCE_ENVIRONMENT": "production",
        "MEDICAL_INSURANCE_JWT_SECRET": STRONG_SECRET,
        "MEDICAL_INSURANCE_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'yibao.sqlite3'}",
        "COLUMNS": "400",
    }
    try:  # a gateway that starts anyway would serve until the timeout
        result = subprocess.run(
            [YIBAO, "run", "--port", str(free_port())],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("yibao run started in production without a bureau")
    output = (result.stdout + result.stderr).replace("\n", "")
    assert result.returncode == 2, output
    assert "MEDICAL_BUREAU_API_URL" in output and "MEDICAL_INSURANCE_SANDBOX=embedded" in output
    assert not (tmp_path / "yibao.sqlite3").exists()  # nothing was opened


@pytest.fixture
def production(
    gateway: Gateway, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Gateway]:
    """A production gateway on the embedded sandbox, asked for explicitly (a staging server), on the module's
    database (after the module's development gateway made its institutions)."""
    _data_keys(monkeypatch)
    settings = {"environment": "production", "jwt_secret": STRONG_SECRET, "sandbox": "embedded"}
    with operations_gateway(database_url, tmp_path, **settings) as gateway:
        yield gateway


def test_production_on_the_sandbox_asked_for_works_and_keeps_it_closed(production: Gateway) -> None:
    production.ok("POST", PERSON_INFO, "hospital_operator", json=person_query())
    assert production.client.post("/sandbox/admin/reset").status_code == 401
    admin = production.client.get("/sandbox/admin/persons", headers=production.headers("admin"))
    assert admin.status_code == 200


def test_production_serves_no_api_documentation(production: Gateway) -> None:
    for path in DOCS:
        assert production.client.get(path).status_code == 404, path
        assert production.client.get(path, headers=production.headers("admin")).status_code == 404, path
    assert not GatewaySettings(
        database_url="sqlite://", environment="production", jwt_secret=STRONG_SECRET, sandbox="embedded"
    ).serves_docs
    allowed = GatewaySettings(
        database_url="sqlite://",
        environment="production",
        jwt_secret=STRONG_SECRET,
        sandbox="embedded",
        docs_enabled=True,
    )
    assert allowed.serves_docs


def test_development_serves_the_api_documentation(gateway: Gateway) -> None:
    for path in DOCS:
        assert gateway.client.get(path).status_code == 200, path


# ------------------------------------------------------------------------ the embedded sandbox's admin API


def _refused(response: httpx.Response, status: int, code: int) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False and body["error_code"] == code, response.text


def _token(gateway: Gateway, role: str) -> dict[str, str]:
    issued = gateway.client.post(API_PREFIX + "auth/token", headers=gateway.headers(role))
    assert issued.status_code == 200, issued.text
    return {
        "Authorization": f"Bearer {issued.json()['data']['access_token']}",
        "X-Institution-Code": HOSPITAL,
    }


def test_the_sandbox_admin_api_needs_an_admin_key_or_token(gateway: Gateway) -> None:
    client = gateway.client
    analyst_token = _token(gateway, "data_analyst")
    admin_token = _token(gateway, "admin")
    for method, path, body in (*ADMIN_ONLY, ("GET", LEDGER, None)):
        _refused(client.request(method, path, json=body), 401, 10007)
        wrong = {"X-API-Key": "mik_0123456789abcdef_" + "A" * 43, "X-Institution-Code": HOSPITAL}
        _refused(client.request(method, path, json=body, headers=wrong), 401, 10007)
        _refused(client.request(method, path, json=body, headers=gateway.headers("data_analyst")), 403, 10009)
        _refused(client.request(method, path, json=body, headers=analyst_token), 403, 10009)
    for method, path, body in ADMIN_ONLY:
        for role in ("hospital_operator", "pharmacy_operator"):
            _refused(client.request(method, path, json=body, headers=gateway.headers(role)), 403, 10009)
    for method, path, body in (*ADMIN_ONLY, ("GET", LEDGER, None)):
        for credentials in (gateway.headers("admin"), admin_token):
            answer = client.request(method, path, json=body, headers=credentials)
            assert answer.status_code == 200, (method, path, answer.text)


def test_a_hospital_key_reads_only_its_own_ledger_rows(gateway: Gateway) -> None:
    pharmacy_key = create_key(gateway.state.database, PHARMACY, "pharmacy_operator").key
    pharmacy = {"X-API-Key": pharmacy_key, "X-Institution-Code": PHARMACY}
    ours = gateway.ok("POST", PERSON_INFO, "hospital_operator", json=person_query())
    theirs = gateway.client.post(API_PREFIX + PERSON_INFO, headers=pharmacy, json=person_query(1))
    assert theirs.status_code == 200, theirs.text
    our_msgid = ours["interface_info"]["msgid"]
    their_msgid = theirs.json()["interface_info"]["msgid"]

    everything = gateway.client.get(LEDGER, headers=gateway.headers("admin")).json()
    assert {our_msgid, their_msgid} <= {m["msgid"] for m in everything}

    for headers, own, other in (
        (gateway.headers("hospital_operator"), HOSPITAL, PHARMACY),
        (pharmacy, PHARMACY, HOSPITAL),
    ):
        rows = gateway.client.get(LEDGER, headers=headers).json()
        assert rows and {m["fixmedins_code"] for m in rows} == {own}
        assert (our_msgid in {m["msgid"] for m in rows}) is (own == HOSPITAL)
        asked = gateway.client.get(LEDGER, headers=headers, params={"fixmedins_code": own}).json()
        assert {m["fixmedins_code"] for m in asked} == {own}
        _refused(gateway.client.get(LEDGER, headers=headers, params={"fixmedins_code": other}), 403, 10009)


# ---------------------------------------------------------------------------------- standalone sandbox


def test_the_in_process_sandbox_admin_api_takes_the_configured_token(monkeypatch: pytest.MonkeyPatch) -> None:
    token = secrets.token_urlsafe(24)
    monkeypatch.setenv("MEDICAL_SANDBOX_ADMIN_TOKEN", token)
    app = create_sandbox_app(SandboxSettings())
    try:
        with httpx.Client(transport=SyncSandboxTransport(app), base_url="http://sandbox.test") as client:
            assert client.post("/sandbox/admin/reset").status_code == 401
            assert (
                client.get("/sandbox/", headers={"Authorization": "Bearer " + token[:-1]}).status_code == 401
            )
            assert client.post("/sandbox/admin/reset", headers={ADMIN_TOKEN_HEADER: token}).status_code == 200
            assert client.get("/sandbox/", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    finally:
        app.state.sandbox.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Lines:
    """The merged output of a child process, line by line, read in a thread (a test never blocks on it)."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.seen: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        assert process.stdout is not None
        stdout = process.stdout

        def read() -> None:
            for line in stdout:
                self._queue.put(line)

        threading.Thread(target=read, daemon=True).start()

    def until(self, pattern: str, seconds: float = 60.0) -> re.Match[str]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=0.2)
            except queue.Empty:
                continue
            self.seen.append(line)
            found = re.search(pattern, line)
            if found:
                return found
        pytest.fail(f"no line matching {pattern!r} within {seconds:g} s:\n{''.join(self.seen)}")


@contextmanager
def child(args: list[str], env: dict[str, str]) -> Iterator[Lines]:
    """`yibao <args>` with `env` added to ours (less any configured sandbox admin token)."""
    inherited = {k: v for k, v in os.environ.items() if k != "MEDICAL_SANDBOX_ADMIN_TOKEN"}
    process = subprocess.Popen(
        [YIBAO, *args],
        env={**inherited, "PYTHONUNBUFFERED": "1", "COLUMNS": "400", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield Lines(process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


def _listening(port: int) -> set[str]:
    """Local addresses (hex, as /proc/net/tcp writes them) of the sockets listening on `port`."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, _, hex_port = local.partition(":")
        if state == "0A" and int(hex_port, 16) == port:
            found.add(address)
    return found


def _hardened(response: httpx.Response) -> None:
    assert response.headers.get("x-content-type-options") == "nosniff", (response.url, response.headers)
    assert "server" not in response.headers, (response.url, response.headers)


def test_the_standalone_sandbox_prints_and_wants_its_own_admin_token(tmp_path: Path) -> None:
    port = free_port()
    with child(["sandbox", "--port", str(port)], {"MEDICAL_SANDBOX_FILE_DIR": str(tmp_path)}) as lines:
        token = lines.until(rf"{ADMIN_TOKEN_HEADER}: ([A-Za-z0-9_\-]{{32,}})'")[1]
        lines.until(r"Uvicorn running on")
        base = f"http://127.0.0.1:{port}"
        refused = httpx.get(base + "/sandbox/admin/faults", timeout=10)
        assert refused.status_code == 401 and "server" not in refused.headers
        wrong = httpx.post(
            base + "/sandbox/admin/reset", headers={ADMIN_TOKEN_HEADER: token[::-1]}, timeout=10
        )
        assert wrong.status_code == 401
        assert (
            httpx.get(base + "/sandbox/", headers={"Authorization": "Bearer x"}, timeout=10).status_code
            == 401
        )
        for headers in ({ADMIN_TOKEN_HEADER: token}, {"Authorization": f"Bearer {token}"}):
            answer = httpx.get(base + "/sandbox/admin/faults", headers=headers, timeout=10)
            assert answer.status_code == 200 and "server" not in answer.headers


def test_yibao_run_listens_on_loopback_and_answers_without_a_banner(tmp_path: Path) -> None:
    port = free_port()
    env = {
        "MEDICAL_INSURANCE_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'yibao.sqlite3'}",
        "MEDICAL_INSURANCE_ENVIRONMENT": "development",
        "MEDICAL_INSURANCE_SWEEPER_INTERVAL": "0",
    }
    with child(["run", "--port", str(port)], env) as lines:
        lines.until(rf"Uvicorn running on http://127\.0\.0\.1:{port}\b")
        if Path("/proc/net/tcp").exists():
            assert _listening(port) == {"0100007F"}  # 127.0.0.1, not 0.0.0.0 (00000000)
        base = f"http://127.0.0.1:{port}"
        answers = [
            httpx.get(base + "/docs", timeout=10),
            httpx.get(base + "/no/such/path", timeout=10),
            httpx.post(base + API_PREFIX + PERSON_INFO, json=person_query(), timeout=10),  # 401
            httpx.get(base + "/sandbox/admin/persons", timeout=10),  # 401
        ]
        assert [a.status_code for a in answers] == [200, 404, 401, 401]
        for answer in answers:
            _hardened(answer)


def test_every_in_process_answer_carries_nosniff(gateway: Gateway) -> None:
    answers = [
        gateway.client.get("/no/such/path"),
        gateway.client.post(API_PREFIX + PERSON_INFO, json=person_query()),
        gateway.client.post(API_PREFIX + PERSON_INFO, json=person_query(), headers=gateway.headers("admin")),
        gateway.client.get("/sandbox/", headers=gateway.headers("admin")),
    ]
    assert [a.status_code for a in answers] == [404, 401, 200, 200]
    for answer in answers:
        assert answer.headers.get("x-content-type-options") == "nosniff", answer.headers


def test_an_unexpected_failure_carries_nosniff_too(tmp_path: Path) -> None:
    """Starlette sends the catch-all 500 outside every middleware; it is hardened as well."""

    def failing(settings: GatewaySettings) -> APIRouter:
        router = APIRouter()

        @router.get("/boom")
        def boom() -> None:
            raise RuntimeError("a bug")

        return router

    settings = gateway_settings(f"sqlite:///{tmp_path / 'g.sqlite3'}", tmp_path)
    with start_gateway(settings, routers=[failing]) as (_, client):
        answer = client.get("/boom")
    assert answer.status_code == 500 and answer.json()["error_code"] == 60010
    assert answer.headers.get("x-content-type-options") == "nosniff", answer.headers
