"""The bureau's answer envelope (reference §1.2), as the sandbox writes it, and the HTTP reply around it.

    {"infcode": 0, "inf_refmsgid": "430200202507141030000000000001", "refmsg_time": "20250714103000123",
     "respond_time": "20250714103000125", "err_msg": null, "warn_msg": null, "output": {...},
     "cainfo": null, "signtype": null, "enctype": null}

A failure has `infcode` -1 (or the handler's code), `output` null and a Chinese `err_msg` ending in
`(<32-hex traceId>@<server ip>)` as the real platform writes it.  `inf_refmsgid` is filled on failures
too (the real platform often sends ""), so that a client can always log it.
"""

from __future__ import annotations

import itertools
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from medical_insurance_sdk.protocol.jsoncodec import dumps

JSON = "application/json;charset=UTF-8"
OCTET_STREAM = "application/octet-stream"
MILLIS_FORMAT = "%Y%m%d%H%M%S"


def millis(moment: datetime) -> str:
    """`yyyyMMddHHmmssSSS`, the format of refmsg_time and respond_time."""
    return moment.strftime(MILLIS_FORMAT) + f"{moment.microsecond // 1000:03d}"


def trace_suffix(trace_ip: str) -> str:
    """`(<32 hex>@<ip>)`: what the platform appends to every err_msg."""
    return f"({uuid.uuid4().hex}@{trace_ip})"


class RefMsgIds:
    """Issues `inf_refmsgid`: admdvs(6) + yyyyMMddHHmmss(14) + serial(10), unique for the process."""

    def __init__(self, admdvs: str) -> None:
        self._admdvs = admdvs
        self._serial = itertools.count(1)
        self._lock = threading.Lock()

    def next(self, moment: datetime) -> str:
        with self._lock:
            serial = next(self._serial) % 10**10
        return f"{self._admdvs}{moment:%Y%m%d%H%M%S}{serial:010d}"


@dataclass(frozen=True, slots=True)
class Answer:
    """What goes back over HTTP: a JSON envelope, or a file (9102) as bytes or a path on disk."""

    status: int
    content_type: str
    body: bytes = b""
    path: Path | None = None
    envelope: dict[str, Any] | None = None  # the JSON answer, for in-process readers and the fault layer
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def infcode(self) -> int | None:
        return None if self.envelope is None else self.envelope.get("infcode")


def envelope(
    *,
    infcode: int,
    output: Any,
    err_msg: str | None,
    inf_refmsgid: str,
    received: datetime,
    responded: datetime,
) -> dict[str, Any]:
    """The answer object in the platform's field order."""
    return {
        "infcode": infcode,
        "inf_refmsgid": inf_refmsgid,
        "refmsg_time": millis(received),
        "respond_time": millis(responded),
        "err_msg": err_msg,
        "warn_msg": None,
        "output": output,
        "cainfo": None,
        "signtype": None,
        "enctype": None,
    }


def json_answer(body: dict[str, Any], status: int = 200) -> Answer:
    return Answer(status=status, content_type=JSON, body=dumps(body), envelope=body)


def html_error_page(status: int) -> str:
    """The HTML an nginx in front of the platform sends for a 5xx (never JSON)."""
    reasons = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Temporarily Unavailable"}
    title = f"{status} {reasons.get(status, 'Gateway Time-out' if status == 504 else 'Server Error')}"
    return (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n"
        "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
