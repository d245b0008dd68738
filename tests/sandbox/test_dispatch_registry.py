"""Every one of the registry's transactions is answered, with a valid and with an invalid input.

A valid sample (`registry.samples`) is answered with success in the transaction's shape, or, for
transactions with a stateful handler, possibly with a business refusal; never with an internal error.
An input missing a required node is always refused with the 3000x texts.  SM-channel transactions travel
in their own sealed envelope.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from bureau_harness import Bureau, assert_failure, assert_success, open_bureau

from medical_insurance_sdk.protocol.jsoncodec import loads
from medical_insurance_sdk.protocol.sm_channel import SmChannel, generate_keypair
from medical_insurance_sdk.registry import REGISTRY, Channel, Transaction
from medical_insurance_sdk.registry.samples import sample_message
from medical_insurance_sdk.sandbox.app import sm_path
from medical_insurance_sdk.sandbox.dispatch import INTERNAL_ERROR
from medical_insurance_sdk.sandbox.handlers.base import HANDLERS

APP_ID = "SANDBOXAPP000000TESTCHANNEL00001"
APP_SECRET = "0123456789ABCDEF0123456789ABCDEF"
TRANSACTIONS = REGISTRY.transactions


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Bureau, SmChannel]]:
    platform_private, platform_public = generate_keypair()
    hospital_private, hospital_public = generate_keypair()
    settings: dict[str, Any] = {
        "sm_app_id": APP_ID,
        "sm_app_secret": APP_SECRET,
        "sm_private_key": platform_private,
        "sm_peer_public_key": hospital_public,
    }
    hospital = SmChannel(APP_ID, APP_SECRET, private_key=hospital_private, peer_public_key=platform_public)
    with open_bureau(tmp_path_factory.mktemp("registry"), **settings) as bureau:
        bureau.sign_in()
        yield bureau, hospital


def test_the_registry_is_complete() -> None:
    assert len(TRANSACTIONS) == 206


def _invalid(tx: Transaction) -> dict[str, Any]:
    """The valid sample without its first required node (or, failing that, its first required field)."""
    sample: dict[str, Any] = sample_message(tx.request_nodes)
    for node in tx.request_nodes:
        if node.required and node.name in sample:
            del sample[node.name]
            return sample
    raise AssertionError(f"{tx.infno} has no required node")


def _sm_call(world: tuple[Bureau, SmChannel], tx: Transaction, data: Any) -> dict[str, Any]:
    bureau, channel = world
    response = bureau.client.post(sm_path(tx.infno), content=bureau_json(channel.seal(data)))
    assert response.status_code == 200, response.text
    sealed: dict[str, Any] = loads(response.content)
    opened = channel.open(sealed)  # every SM answer is sealed and signed by the platform
    return {"code": sealed["code"], "message": sealed["message"], "data": opened}


def bureau_json(value: Any) -> bytes:
    from medical_insurance_sdk.protocol.jsoncodec import dumps

    return dumps(value)


@pytest.mark.parametrize("tx", TRANSACTIONS, ids=lambda tx: tx.infno)
def test_valid_sample_is_answered(world: tuple[Bureau, SmChannel], tx: Transaction) -> None:
    sample = sample_message(tx.request_nodes)
    if tx.channel is Channel.SM:
        answer = _sm_call(world, tx, sample["data"])
        stateful = tx.infno in HANDLERS
        if answer["code"] != 0:
            assert stateful, answer["message"]
            assert not answer["message"].startswith(INTERNAL_ERROR), answer["message"]
        return
    bureau, _ = world
    answer = bureau.call(tx.infno, sample)
    if tx.infno in HANDLERS and answer["infcode"] != 0:
        text = assert_failure(answer)  # a business refusal of a stateful handler: well formed
        assert not text.startswith(INTERNAL_ERROR), text
        return
    output = assert_success(answer)
    if tx.infno not in HANDLERS:  # the generic handler answers the registry's shape
        tx.parse_output(output)
        if any(n.name == "" and n.many for n in tx.schema.response):
            assert isinstance(output, list) and output  # a bare-list output (5204)
            return
        expected = {n.name for n in tx.schema.response if n.name}
        assert isinstance(output, dict | type(None))
        assert expected <= set(output or {}), (expected, output)


@pytest.mark.parametrize("tx", TRANSACTIONS, ids=lambda tx: tx.infno)
def test_invalid_input_is_refused_with_3000x(world: tuple[Bureau, SmChannel], tx: Transaction) -> None:
    if tx.channel is Channel.SM:
        answer = _sm_call(world, tx, [1, 2])  # data that is not an object
        assert answer["code"] == -1
        assert "3000" in answer["message"], answer["message"]
        return
    bureau, _ = world
    text = assert_failure(bureau.call(tx.infno, _invalid(tx)))
    assert "3000" in text and "数据节点缺失" in text, text
