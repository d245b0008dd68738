"""A province variant code (`2206A`, `9102A`) after the engine sent it: `CallResult.parsed()` reads the
answer with its base's response model, and the synchronous shell spools a variant file download as it
spools its base's (issue 15).  The engine only sends a variant its institution's profile declares
(`Profile.resolve`), always with the base `variant_base` names; these read the code as it was sent."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from medical_insurance_sdk.engine.calls import CallResult, sent_transaction
from medical_insurance_sdk.engine.effects import Delivered, OutgoingRequest
from medical_insurance_sdk.engine.runner import MsgIds, SyncShell, spooled_downloads
from medical_insurance_sdk.protocol.profiles import load_profile
from medical_insurance_sdk.registry import REGISTRY

SETTLEMENT = {"setlinfo": {"setl_id": "S1", "medfee_sumamt": "120.50", "psn_no": "P1"}, "setldetail": []}
ZIP = b"PK\x03\x04" + bytes(range(256)) * 600  # a file answer larger than one spool chunk
JSON_ANSWER = b'{"infcode": 0, "output": {"setlinfo": {}}}'


def test_a_variant_result_is_parsed_with_its_base_model() -> None:
    base = CallResult(msgid="M1", infno="2206", state="SUCCESS", output=SETTLEMENT).parsed()
    variant = CallResult(msgid="M2", infno="2206A", state="SUCCESS", output=SETTLEMENT).parsed()
    assert type(variant) is REGISTRY["2206"].response_model
    assert variant == base and variant.setlinfo.medfee_sumamt == Decimal("120.50")


def test_the_resolution_is_the_profiles() -> None:
    # what a profile declaring the variant resolves it to, for every suffixed code the answer may carry
    profile = load_profile("national").model_copy(update={"variants": {"2206A": "2206", "9102A": "9102"}})
    for code in ("2206A", "9102A", "2203A", "1101"):
        sent, tx = profile.resolve(code, REGISTRY)
        assert sent == code and sent_transaction(code) is tx
    assert REGISTRY["2203A"].infno == "2203A"  # a registered suffixed code keeps its own record


@pytest.mark.parametrize("code", ["9999", "9999A", "2206AB"])
def test_a_code_neither_registered_nor_a_variant_of_a_registered_one_is_unknown(code: str) -> None:
    assert sent_transaction(code) is None
    with pytest.raises(KeyError):
        CallResult(msgid="M3", infno=code, state="SUCCESS", output={}).parsed()


def _shell(answer: bytes, content_type: str) -> SyncShell:
    def bureau(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=answer, headers={"content-type": content_type})

    client = httpx.Client(transport=httpx.MockTransport(bureau))
    return SyncShell(ledger=None, msgids=MsgIds(allocator=None), client=client)  # type: ignore[arg-type]


def _request(infno: str) -> OutgoingRequest:
    return OutgoingRequest(infno, "http://bureau.test/", {"content-type": "application/json"}, b"{}", 5.0)


@pytest.mark.parametrize("infno", ["9102", "9102A"])
def test_a_variant_file_download_is_spooled_as_its_base(infno: str) -> None:
    shell = _shell(ZIP, "application/octet-stream")
    with spooled_downloads():
        sent = shell.send(_request(infno))
    assert isinstance(sent, Delivered) and sent.body == b"" and sent.spool is not None
    try:
        sent.spool.seek(0)
        assert sent.spool.read() == ZIP
    finally:
        sent.spool.close()
        shell.client.close()


@pytest.mark.parametrize("infno", ["2206A", "9102A"])
def test_only_file_downloads_are_spooled_and_only_when_asked(infno: str) -> None:
    shell = _shell(JSON_ANSWER if infno == "2206A" else ZIP, "application/json")
    if infno == "2206A":
        with spooled_downloads():
            sent = shell.send(_request(infno))  # not a download: read into memory
    else:
        sent = shell.send(_request(infno))  # a download, but nobody asked for spooling
    shell.client.close()
    assert isinstance(sent, Delivered) and sent.spool is None and sent.body
