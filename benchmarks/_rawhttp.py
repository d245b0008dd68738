"""A small HTTP/1.1 keep-alive client for the load generators: far less CPU per call than httpx, so that a
Python load generator sharing the machine with the server measures the server, not itself.

    client = RawClient("127.0.0.1", 9000)
    answer = await client.post("/fsi/api/rsfComIfsService/callService", content=b"{...}", headers={...})
    answer.status_code, answer.content
    await client.aclose()

One connection per concurrent caller (idle ones are reused); answers must carry Content-Length (uvicorn's
do, for every non-streamed response).  Loopback benchmarks only: no TLS, no redirects, no proxies.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True, slots=True)
class RawAnswer:
    status_code: int
    content: bytes


class RawClient:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    @classmethod
    def for_url(cls, url: str) -> RawClient:
        parts = urlsplit(url)
        return cls(parts.hostname or "127.0.0.1", parts.port or 80)

    async def post(self, url: str, *, content: bytes, headers: Mapping[str, str]) -> RawAnswer:
        path = urlsplit(url).path or "/"
        reader, writer = (
            self._idle.pop() if self._idle else await asyncio.open_connection(self.host, self.port)
        )
        lines = [f"POST {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(content)}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + content)
        try:
            status = int((await reader.readline()).split()[1])
            length: int | None = None
            close = False
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                name = name.strip().lower()
                if name == "content-length":
                    length = int(value)
                elif name == "connection" and value.strip().lower() == "close":
                    close = True
            if length is None:
                raise RuntimeError("answer without Content-Length")
            body = await reader.readexactly(length)
        except BaseException:
            writer.close()
            raise
        if close:
            writer.close()
        else:
            self._idle.append((reader, writer))
        return RawAnswer(status, body)

    async def aclose(self) -> None:
        while self._idle:
            _, writer = self._idle.pop()
            writer.close()
