"""The same faults over a real socket: the sandbox under uvicorn on 127.0.0.1, a plain httpx client.

The server runs in a thread on a port the OS picks, and stops by itself at the end of the module (bounded
graceful shutdown, short hangs).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from bureau_harness import HOSPITAL, assert_failure, assert_success, person_query

from medical_insurance_sdk.protocol.envelope import build_envelope
from medical_insurance_sdk.protocol.jsoncodec import dumps, loads
from medical_insurance_sdk.protocol.msgid import MemorySequenceAllocator, MsgIdGenerator
from medical_insurance_sdk.sandbox.app import DISPATCHER_PATH, create_sandbox_app
from medical_insurance_sdk.sandbox.faults import FaultRule
from medical_insurance_sdk.sandbox.runtime import SandboxState
from medical_insurance_sdk.sandbox.settings import SandboxSettings
from medical_insurance_sdk.sandbox.state import Message

HANG_S = 2.0
CLIENT_TIMEOUT = 0.5


class Served:
    """A sandbox behind uvicorn, and an httpx client of it."""

    def __init__(self, tmp_path: Path) -> None:
        self.app = create_sandbox_app(SandboxSettings(file_dir=tmp_path, hang_s=HANG_S))
        self.state: SandboxState = self.app.state.sandbox
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        port = self.sock.getsockname()[1]
        config = uvicorn.Config(self.app, lifespan="off", log_level="critical", timeout_graceful_shutdown=1)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.base_url = f"http://127.0.0.1:{port}"
        self.ids = MsgIdGenerator(MemorySequenceAllocator(), HOSPITAL.fixmedins_code)
        self.sign_no = ""

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()
        self.state.close()
        assert not self.thread.is_alive()

    def envelope(self, infno: str, input: dict) -> dict:
        return build_envelope(
            HOSPITAL,
            infno=infno,
            msgid=self.ids.generate(),
            input=input,
            sign_no=self.sign_no,
            insuplc_admdvs="430200",
        )

    def post(self, message: dict, *, timeout: float = 5.0) -> httpx.Response:
        # A new connection per call: a dropped connection must not leak into the next test.
        with httpx.Client(base_url=self.base_url, timeout=timeout) as client:
            return client.post(
                DISPATCHER_PATH, content=dumps(message), headers={"content-type": "text/plain"}
            )

    def recorded(self, msgid: str) -> bool:
        with self.state.transaction() as session:
            return session.get(Message, msgid) is not None

    def fault(self, **rule: object) -> None:
        self.state.faults.replace([FaultRule(scope="1101", **rule)])  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    server = Served(tmp_path_factory.mktemp("uvicorn"))
    server.start()
    try:
        answer = loads(
            server.post(server.envelope("9001", {"signIn": {"opter_no": "1", "ip": "10.0.0.1"}})).content
        )
        server.sign_no = assert_success(answer)["signinoutb"]["sign_no"]
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _no_faults(served: Served) -> Iterator[None]:
    yield
    served.state.faults.clear()


def test_plain_call_over_the_socket(served: Served) -> None:
    output = assert_success(loads(served.post(served.envelope("1101", person_query())).content))
    assert output["baseinfo"]["psn_name"] == "张三"


def test_timeout_before(served: Served) -> None:
    served.fault(kind="timeout_before")
    message = served.envelope("1101", person_query())
    with pytest.raises(httpx.ReadTimeout):
        served.post(message, timeout=CLIENT_TIMEOUT)
    assert not served.recorded(message["msgid"])


def test_timeout_after(served: Served) -> None:
    served.fault(kind="timeout_after")
    message = served.envelope("1101", person_query())
    with pytest.raises(httpx.ReadTimeout):
        served.post(message, timeout=CLIENT_TIMEOUT)
    assert served.recorded(message["msgid"])


@pytest.mark.parametrize(("kind", "processed"), [("reset_before", False), ("reset_after", True)])
def test_reset(served: Served, kind: str, processed: bool) -> None:
    served.fault(kind=kind)
    message = served.envelope("1101", person_query())
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        served.post(message)
    assert served.recorded(message["msgid"]) is processed


def test_http_5xx(served: Served) -> None:
    served.fault(kind="http_5xx")
    response = served.post(served.envelope("1101", person_query()))
    assert response.status_code == 502 and "nginx" in response.text


def test_infcode_error(served: Served) -> None:
    served.fault(kind="infcode_error")
    assert_failure(loads(served.post(served.envelope("1101", person_query())).content), "系统繁忙")


def test_latency(served: Served) -> None:
    served.fault(kind="latency", latency_ms=250)
    started = time.monotonic()
    assert_success(loads(served.post(served.envelope("1101", person_query())).content))
    assert time.monotonic() - started >= 0.25
