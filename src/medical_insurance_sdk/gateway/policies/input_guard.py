"""Input the gateway refuses at the edge, before any route parses it: 400 + 10002 in the common format.

    install_input_guard(app, settings)            # listed before install_body_size: body size counts first

- a JSON body nested deeper than `MAX_JSON_DEPTH` (64) arrays/objects: Python's parser would recurse until
  RecursionError (a 500); the depth is counted on the raw bytes, strings left out, before anything parses;
- a lone UTF-16 surrogate written as a JSON escape (`"\\ud800"`) in any string or key: no UTF-8 text holds
  one, so neither the bureau, the database nor the answer could carry it;
- control characters (CR, LF, NUL …) in the headers whose values reach the bureau envelope (X-Operator,
  X-Operator-Name, X-Insuplc-Admdvs), raw or percent-encoded.

Multipart bodies (file uploads) are streamed to disk and not looked at here.  A plain ASGI middleware: the
body is gathered when the route first reads it (through the body-size limit, which sits outside this one)
and handed on whole; a refusal is raised from that read as an HTTP 400, which every route (FastAPI's own
body parsing included) passes on to the error handlers unchanged.
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any
from urllib.parse import unquote

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from medical_insurance_sdk.exceptions import RequestError
from medical_insurance_sdk.gateway.errors import error_response
from medical_insurance_sdk.gateway.settings import GatewaySettings

MAX_JSON_DEPTH = 64
BAD_INPUT = 10002
MULTIPART = "multipart/form-data"
# The headers whose values the gateway puts into the bureau envelope (gateway/inputs.py RESERVED_HEADERS).
ENVELOPE_HEADERS = ("x-operator", "x-operator-name", "x-insuplc-admdvs")

_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'"[]{}')
_STRING = re.compile(rb'"[^"]*"')
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}
# a \uD800–\uDFFF escape somewhere: only then are the strings looked at one by one
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def json_depth(raw: bytes) -> int:
    """The deepest nesting of arrays/objects in `raw` (brackets inside strings do not count)."""
    if b"\\" in raw:  # escaped backslashes and quotes out (in pairs, left to right, as JSON reads them)
        raw = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    # only quotes and brackets left, then the strings (from a quote to the next) out: all at C speed
    # (an unterminated string's quote goes too: that body is no JSON, and 10002 either way)
    brackets = _STRING.sub(b"", raw.translate(None, _NOT_STRUCTURE)).replace(b'"', b"")
    return max(itertools.accumulate(map(_STEP.__getitem__, brackets)), default=0)


def _has_lone_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(v) for v in value)
    return False


def body_problem(raw: bytes) -> str | None:
    """Why a (non-multipart) body is refused, in Chinese; None when it may go on."""
    opening = raw.count(b"[") + raw.count(b"{")  # none deeper than its brackets: most bodies stop here
    if opening > MAX_JSON_DEPTH and json_depth(raw) > MAX_JSON_DEPTH:
        return f"请求参数格式错误: JSON 嵌套超过 {MAX_JSON_DEPTH} 层"
    if _SURROGATE_ESCAPE.search(raw):
        try:
            parsed = json.loads(raw)
        except (ValueError, RecursionError):
            return None  # not JSON: the route says so
        if _has_lone_surrogate(parsed):
            return "请求参数格式错误: 字符串含有不成对的 UTF-16 代理项（\\ud800–\\udfff），不是有效的文本"
    return None


def header_problem(headers: Headers) -> str | None:
    """Why the envelope headers are refused, in Chinese; None when they may go on."""
    for name in ENVELOPE_HEADERS:
        for value in headers.getlist(name):
            if _CONTROL.search(value) or _CONTROL.search(unquote(value)):
                return f"请求参数格式错误: 请求头 {name} 含有控制字符"
    return None


class InputGuard:
    """The middleware (the policy's one hook)."""

    name = "input-guard"

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        problem = header_problem(headers)
        if problem is not None:
            await error_response(Request(scope), RequestError(problem, code=BAD_INPUT))(scope, receive, send)
            return
        if headers.get("content-type", "").lower().startswith(MULTIPART):
            await self.app(scope, receive, send)
            return
        await self.app(scope, _checked(receive), send)


def _checked(receive: Receive) -> Receive:
    """`receive`, giving the whole body in one message once it has been checked."""
    gathered = False

    async def checked() -> Message:
        nonlocal gathered
        if gathered:
            return await receive()
        gathered = True
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return message  # the client went away
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        problem = body_problem(body)
        if problem is not None:
            # HTTPException: FastAPI's own body parsing passes it on unchanged; the handlers answer 10002
            raise HTTPException(400, problem)
        return {"type": "http.request", "body": body, "more_body": False}

    return checked


def install_input_guard(app: FastAPI, settings: GatewaySettings) -> None:
    app.add_middleware(InputGuard)
