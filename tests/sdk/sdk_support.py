"""SDK test helpers: a scripted gateway behind httpx.MockTransport and the §1.3 answers it sends.

    gateway = FakeGateway(); gateway.script(httpx.ReadTimeout("t"), ok({...}))
    failure(10004, "请求频率过高", status=429, headers={"Retry-After": "2"})

A plain module (pytest puts this folder on sys.path), imported by conftest.py and the tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from medical_insurance_sdk.protocol import jsoncodec
from medical_insurance_sdk.registry import API_PREFIX, REGISTRY, Transaction

BASE = "http://gateway.test" + API_PREFIX
HOSPITAL = "H43028110001"

Step = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


def envelope(data: Any = None, *, tx: Transaction | None = None, msgid: str = "M0001", **extra: Any) -> dict:
    """A §1.3 success answer."""
    info = (
        {"interface_type": tx.interface_type, "infno": tx.infno, "category": tx.category.value} if tx else {}
    )
    return {
        "success": True,
        "data": data,
        "message": "操作成功",
        "error": None,
        "error_code": None,
        "timestamp": "2025-07-14T10:30:00Z",
        "request_id": "REQ1",
        "version": "1.0.0",
        "interface_info": {**info, "msgid": msgid} if info else {"msgid": msgid},
        **extra,
    }


def failure(
    code: int, message: str, *, status: int, data: Any = None, headers: dict | None = None
) -> httpx.Response:
    """A §1.3 error answer as the gateway sends it."""
    body = {
        "success": False,
        "data": data,
        "message": message,
        "error": {"code": code, "message": message},
        "error_code": code,
        "timestamp": "2025-07-14T10:30:00Z",
        "request_id": "REQ1",
        "version": "1.0.0",
        "interface_info": None,
    }
    return httpx.Response(
        status, content=jsoncodec.dumps(body), headers={"content-type": "application/json", **(headers or {})}
    )


def ok(data: Any = None, **kw: Any) -> httpx.Response:
    return httpx.Response(
        200, content=jsoncodec.dumps(envelope(data, **kw)), headers={"content-type": "application/json"}
    )


@dataclass
class FakeGateway:
    """Answers in order from `steps`, then with `default(request)`; records requests and sleeps."""

    requests: list[httpx.Request] = field(default_factory=list)
    sleeps: list[float] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    default: Callable[[httpx.Request], httpx.Response] = lambda request: ok({})

    def script(self, *steps: Step) -> None:
        self.steps.extend(steps)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        if self.steps:
            step = self.steps.pop(0)
            if isinstance(step, Exception):
                raise step
            return step(request) if callable(step) else step
        return self.default(request)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)

    def body(self, index: int = -1) -> Any:
        return jsoncodec.loads(self.requests[index].content)

    def transaction(self, index: int = -1) -> Transaction:
        request = self.requests[index]
        return REGISTRY.by_route(request.method, request.url.path.split(API_PREFIX, 1)[1])
