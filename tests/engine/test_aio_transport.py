"""The async engine's default transport (engine/aio_transport.py) against real sockets on 127.0.0.1.

What matters is how each failure is told: "not sent" lets the engine send again, "lost" makes it resolve
the outcome (2601/query).  Each server below misbehaves in one way; the classification the engine acts on
(`runner.undelivered`) is checked, not only the exception type.
"""

from __future__ import annotations

import asyncio
import gzip
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import httpx
import pytest

from medical_insurance_sdk.engine.aio_transport import AiohttpTransport
from medical_insurance_sdk.engine.runner import undelivered

pytestmark = pytest.mark.anyio

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@asynccontextmanager
async def serve(handler: Handler) -> AsyncIterator[str]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/api"
    finally:
        server.close()
        await server.wait_closed()


async def read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        ),
        0,
    )
    return head + await reader.readexactly(length)


def answer(body: bytes, *extra: bytes) -> bytes:
    headers = [
        b"HTTP/1.1 200 OK",
        b"content-type: application/json",
        b"content-length: %d" % len(body),
        *extra,
    ]
    return b"\r\n".join(headers) + b"\r\n\r\n" + body


async def post(url: str, *, timeout: httpx.Timeout | float = 5.0, transport: AiohttpTransport | None = None):
    async with httpx.AsyncClient(transport=transport or AiohttpTransport()) as client:
        return await client.post(url, content=b'{"infno":"1101"}', timeout=timeout)


async def test_an_answer_arrives_whole_with_its_headers_and_the_request_as_sent() -> None:
    seen: list[bytes] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(await read_request(reader))
        writer.write(answer('{"infcode":0,"err_msg":"成功"}'.encode(), b"x-trace: abc"))
        await writer.drain()
        writer.close()

    async with serve(handler) as url:
        response = await post(url)
    assert response.status_code == 200
    assert response.json() == {"infcode": 0, "err_msg": "成功"}
    assert response.headers["x-trace"] == "abc"
    request = seen[0]
    assert request.startswith(b"POST /api HTTP/1.1\r\n")
    assert request.endswith(b'\r\n\r\n{"infno":"1101"}')
    assert request.lower().count(b"\r\nhost:") == 1 and request.lower().count(b"\r\ncontent-length:") == 1


async def test_a_compressed_answer_is_decoded_by_httpx() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(answer(gzip.compress(b'{"infcode":0}'), b"content-encoding: gzip"))
        await writer.drain()
        writer.close()

    async with serve(handler) as url:
        response = await post(url)
    assert response.json() == {"infcode": 0}


async def test_a_refused_connection_is_not_sent() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(httpx.ConnectError) as caught:
        await post(f"http://127.0.0.1:{port}/api")
    assert undelivered(caught.value).kind == "not_sent"


async def test_a_connection_closed_after_the_request_is_lost() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)  # the bureau has it ...
        writer.close()  # ... and the answer never comes

    async with serve(handler) as url:
        with pytest.raises(httpx.TransportError) as caught:
            await post(url)
    assert undelivered(caught.value).kind == "lost"


async def test_an_answer_slower_than_the_read_timeout_is_lost() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await asyncio.sleep(2)
        writer.close()

    async with serve(handler) as url:
        with pytest.raises(httpx.ReadTimeout) as caught:
            await post(url, timeout=httpx.Timeout(0.3, connect=1.0))
    assert undelivered(caught.value).kind == "lost"


async def test_an_answer_cut_short_is_lost() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        writer.write(answer(b'{"infcode":0,"output":{}}')[:-8])  # fewer bytes than content-length says
        await writer.drain()
        writer.close()

    async with serve(handler) as url:
        with pytest.raises(httpx.TransportError) as caught:
            await post(url)
    assert undelivered(caught.value).kind == "lost"


async def test_waiting_for_a_free_connection_too_long_is_not_sent() -> None:
    release = asyncio.Event()

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        await release.wait()
        writer.write(answer(b'{"infcode":0}'))
        await writer.drain()
        writer.close()

    transport = AiohttpTransport(max_connections=1)
    async with serve(handler) as url, httpx.AsyncClient(transport=transport) as client:
        first = asyncio.create_task(client.post(url, content=b"{}", timeout=5.0))
        await asyncio.sleep(0.2)  # the only connection is taken
        with pytest.raises(httpx.ConnectTimeout) as caught:
            await client.post(url, content=b"{}", timeout=httpx.Timeout(5.0, connect=0.1, pool=0.1))
        release.set()
        assert (await first).status_code == 200
    assert undelivered(caught.value).kind == "not_sent"
