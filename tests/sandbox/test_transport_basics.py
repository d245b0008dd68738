"""The in-process transports on small ASGI apps: timeouts, errors before and during the answer, closing."""

from __future__ import annotations

import threading

import anyio
import httpx
import pytest
from starlette.types import Receive, Scope, Send

from medical_insurance_sdk.sandbox.transport import SandboxTransport, SyncSandboxTransport


async def _ok(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})


async def _slow(scope: Scope, receive: Receive, send: Send) -> None:
    await anyio.sleep(0.5)
    await _ok(scope, receive, send)


async def _fails_first(scope: Scope, receive: Receive, send: Send) -> None:
    raise RuntimeError("boom")


async def _fails_midway(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"10")]})
    await send({"type": "http.response.body", "body": b"abc", "more_body": True})
    raise RuntimeError("boom")


def test_sync_transport_answers() -> None:
    with httpx.Client(transport=SyncSandboxTransport(_ok), base_url="http://app") as client:
        assert client.post("/", content=b"x").text == "ok"


def test_read_timeout_is_enforced() -> None:
    with httpx.Client(transport=SyncSandboxTransport(_slow), base_url="http://app") as client:
        with pytest.raises(httpx.ReadTimeout):
            client.get("/", timeout=0.1)
        assert client.get("/", timeout=None).text == "ok"  # no timeout: waits


def test_error_before_the_answer_is_a_500() -> None:
    with httpx.Client(transport=SyncSandboxTransport(_fails_first), base_url="http://app") as client:
        response = client.get("/")
        assert response.status_code == 500 and response.text == "Internal Server Error"


def test_error_during_the_answer_drops_the_connection() -> None:
    client = httpx.Client(transport=SyncSandboxTransport(_fails_midway), base_url="http://app")
    with client, pytest.raises(httpx.RemoteProtocolError):
        client.get("/")


def test_close_stops_the_portal_thread_and_reopens_on_demand() -> None:
    transport = SyncSandboxTransport(_ok)
    before = threading.active_count()
    with httpx.Client(transport=transport, base_url="http://app") as client:
        client.get("/")
        assert threading.active_count() > before
    assert threading.active_count() == before
    transport.close()  # twice is harmless
    with httpx.Client(transport=transport, base_url="http://app") as client:
        assert client.get("/").text == "ok"


@pytest.mark.anyio
async def test_async_transport() -> None:
    async with httpx.AsyncClient(transport=SandboxTransport(_slow), base_url="http://app") as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.get("/", timeout=0.1)
        assert (await client.get("/")).text == "ok"
