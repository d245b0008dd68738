"""Test harness for the sandbox bureau: real envelopes, sent through the in-process transport.

    with open_bureau(tmp_path) as bureau:
        bureau.sign_in()
        answer = bureau.call("1101", {"data": {...}})

A plain module, not conftest.py, so that the sandbox's tests and the business handlers' tests do not
contend for one file; pytest puts this folder on sys.path (rootdir-less "prepend" import mode).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from medical_insurance_sdk.protocol.envelope import EnvelopeConfig, build_envelope
from medical_insurance_sdk.protocol.jsoncodec import dumps, loads
from medical_insurance_sdk.protocol.msgid import MemorySequenceAllocator, MsgIdGenerator
from medical_insurance_sdk.protocol.signing import NoSigner, Signer
from medical_insurance_sdk.sandbox.admin import ADMIN_TOKEN_HEADER
from medical_insurance_sdk.sandbox.app import DISPATCHER_PATH, create_sandbox_app
from medical_insurance_sdk.sandbox.runtime import SandboxState
from medical_insurance_sdk.sandbox.seed import DEMO_HOSPITAL, PERSONS
from medical_insurance_sdk.sandbox.settings import SandboxSettings
from medical_insurance_sdk.sandbox.state import Message
from medical_insurance_sdk.sandbox.transport import SyncSandboxTransport

HOSPITAL = EnvelopeConfig(
    fixmedins_code=DEMO_HOSPITAL,
    fixmedins_name="湘潭市第一人民医院",
    mdtrtarea_admvs="430200",
    recer_sys_code="YBXT",
    infver="V1.0",
    opter_type="1",
    opter="OP001",
    opter_name="李收费",
)
ZHANG_SAN = PERSONS[0]
TRACE_IP = "10.8.0.21"
ERR_MSG = re.compile(r"^(?P<text>.+)\((?P<trace>[0-9a-f]{32})@(?P<ip>[\d.]+)\)$", re.DOTALL)


def person_query(certno: str = ZHANG_SAN.certno, **extra: Any) -> dict[str, Any]:
    """A 1101 input by ID number (mdtrt_cert_type 02)."""
    return {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": certno, "psn_cert_type": "01", **extra}}


class Bureau:
    """One hospital talking to one sandbox app over `SyncSandboxTransport`."""

    def __init__(self, app: Any, *, signer: Signer | None = None, config: EnvelopeConfig = HOSPITAL) -> None:
        self.app = app
        self.state: SandboxState = app.state.sandbox
        self.config = config
        self.signer = signer or NoSigner()
        self.transport = SyncSandboxTransport(app)
        # the sandbox's admin token rides along, for the tests that use its admin API (/sandbox/admin/…)
        admin = {ADMIN_TOKEN_HEADER: app.state.admin_token}
        self.client = httpx.Client(
            transport=self.transport, base_url="http://sandbox.test", timeout=10.0, headers=admin
        )
        self.ids = MsgIdGenerator(MemorySequenceAllocator(), config.fixmedins_code)
        self.sign_no = ""

    def envelope(self, infno: str, input: Mapping[str, Any], **fields: Any) -> dict[str, Any]:
        """A valid envelope (fresh msgid, current sign_no, insuplc_admdvs 430200) with `fields` applied."""
        built = build_envelope(
            self.config,
            infno=infno,
            msgid=self.ids.generate(),
            input=input,
            sign_no=self.sign_no,
            insuplc_admdvs="430200",
        )
        built.update(fields)
        return built

    def post(
        self,
        message: Mapping[str, Any] | bytes,
        *,
        path: str = DISPATCHER_PATH,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = 10.0,
        content_type: str = "application/json",
    ) -> httpx.Response:
        body = message if isinstance(message, bytes) else dumps(message)
        infno = "" if isinstance(message, bytes) else str(message.get("infno", ""))
        sent = {"content-type": content_type, **self.signer.headers(infno, body), **(headers or {})}
        return self.client.post(path, content=body, headers=sent, timeout=timeout)

    def call(self, infno: str, input: Mapping[str, Any], **fields: Any) -> dict[str, Any]:
        """Send one message and return the JSON answer."""
        response = self.post(self.envelope(infno, input, **fields))
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = loads(response.content)
        return answer

    def sign_in(self) -> str:
        answer = self.call(
            "9001", {"signIn": {"opter_no": "OP001", "mac": "00-16-3E-00-00-01", "ip": "10.0.0.10"}}
        )
        assert answer["infcode"] == 0, answer
        self.sign_no = answer["output"]["signinoutb"]["sign_no"]
        return self.sign_no

    def message_row(self, msgid: str) -> Message | None:
        with self.state.transaction() as session:
            return session.get(Message, msgid)

    def close(self) -> None:
        self.client.close()


@contextmanager
def open_bureau(tmp_path: Path, *, signer: Signer | None = None, **settings: Any) -> Iterator[Bureau]:
    """A fresh sandbox (files under tmp_path) and a client of it; both closed afterwards."""
    app = create_sandbox_app(SandboxSettings(file_dir=tmp_path / "files", **settings))
    bureau = Bureau(app, signer=signer)
    try:
        yield bureau
    finally:
        bureau.close()
        app.state.sandbox.close()


def assert_success(answer: Mapping[str, Any]) -> Any:
    assert answer["infcode"] == 0, answer.get("err_msg")
    assert answer["err_msg"] is None
    assert_answer_times(answer)
    return answer["output"]


def assert_failure(answer: Mapping[str, Any], *fragments: str, infcode: int | None = None) -> str:
    """A platform-style failure: infcode -1 (rejected before processing, or a system fault) or -2 (a
    business refusal), output null, err_msg '<Chinese>(<32 hex>@<ip>)'; returns the text."""
    assert answer["infcode"] in ((infcode,) if infcode is not None else (-1, -2)), answer
    assert answer["output"] is None
    match = ERR_MSG.match(answer["err_msg"] or "")
    assert match, answer["err_msg"]
    assert match["ip"] == TRACE_IP
    assert re.search(r"[\u4e00-\u9fff]", match["text"]), match["text"]
    for fragment in fragments:
        assert fragment in match["text"], (fragment, match["text"])
    assert_answer_times(answer)
    return match["text"]


def assert_answer_times(answer: Mapping[str, Any]) -> None:
    """inf_refmsgid = admdvs(6) + yyyyMMddHHmmss + serial(10); the two times are yyyyMMddHHmmssSSS."""
    assert re.fullmatch(r"\d{6}\d{14}\d{10}", answer["inf_refmsgid"]), answer["inf_refmsgid"]
    datetime.strptime(answer["inf_refmsgid"][6:20], "%Y%m%d%H%M%S")
    for key in ("refmsg_time", "respond_time"):
        assert re.fullmatch(r"\d{17}", answer[key]), answer[key]
        datetime.strptime(answer[key][:14], "%Y%m%d%H%M%S")
    assert answer["refmsg_time"] <= answer["respond_time"]
    for key in ("warn_msg", "cainfo", "signtype", "enctype"):
        assert key in answer
