"""Every generated method, once, against a mock gateway that checks method, path and input shape.

The registry is the oracle: the request must go to the transaction's route with its input nodes (a GET
carries the single node's fields as the query), and the answer must come back as the transaction's result
class.  Sync, `*_async` and the async client are the same template; each is exercised over all 206.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from medical_insurance_sdk.protocol import jsoncodec
from medical_insurance_sdk.registry import API_PREFIX, REGISTRY, Category, Transaction
from medical_insurance_sdk.registry.samples import sample_message
from medical_insurance_sdk.sdk import MedicalInsuranceSDK
from medical_insurance_sdk.sdk._results import FileResult, result_class

TRANSACTIONS = REGISTRY.transactions
ZIP_BYTES = b"PK\x05\x06" + b"\x00" * 18


def sample_input(tx: Transaction) -> dict[str, Any]:
    message = sample_message(tx.request_nodes, optional=False)
    # open nodes (no public field table) get one plausible field so that the shape is visible
    return {k: (v or {"psn_no": "43000030281000128715"}) for k, v in message.items()}


def answering(tx: Transaction):
    def handle(request: httpx.Request) -> httpx.Response:
        route = tx.route
        assert request.method == route.method
        assert request.url.path == API_PREFIX + route.path
        assert request.headers["x-api-key"] == "test-key"
        assert request.headers["x-institution-code"] == "H43028110001"
        assert request.headers["x-request-id"].startswith("REQ")
        expected = sample_input(tx)
        if route.method == "GET":
            node = expected[tx.request_nodes[0].name]
            assert set(request.url.params.keys()) == set(node)
        else:
            body = jsoncodec.loads(request.content)
            assert set(body) == {n.name for n in tx.request_nodes}
            for n in tx.request_nodes:
                assert isinstance(body[n.name], list if n.many else dict), n.name
        if tx.infno == "9102":
            headers = {"content-type": "application/octet-stream", "x-msgid": "M9102"}
            headers["content-disposition"] = 'attachment; filename="plc_1301.zip"'
            return httpx.Response(200, content=ZIP_BYTES, headers=headers)
        output = sample_message(tx.schema.response) if tx.schema.response else {}
        body = {"success": True, "data": output, "message": "操作成功", "request_id": "REQ1"}
        body["interface_info"] = {"infno": tx.infno, "msgid": f"M{tx.infno}"}
        return httpx.Response(
            200, content=jsoncodec.dumps(body), headers={"content-type": "application/json"}
        )

    return handle


def category_of(tx: Transaction) -> str:
    return Category(tx.category).name.lower()


def check(result: Any, tx: Transaction) -> None:
    assert type(result) is result_class(tx.infno)
    assert result.infno == tx.infno
    if isinstance(result, FileResult):
        assert result.content == ZIP_BYTES and result.filename == "plc_1301.zip" and result.msgid == "M9102"
    else:
        assert result.msgid == f"M{tx.infno}"


@pytest.mark.parametrize("tx", TRANSACTIONS, ids=[t.infno for t in TRANSACTIONS])
def test_generated_sync_method(tx: Transaction, gateway, make_sdk) -> None:
    gateway.default = answering(tx)
    sdk: MedicalInsuranceSDK = make_sdk(cache_enabled=False)
    method = getattr(getattr(sdk.resources, category_of(tx)), tx.sdk_method)
    assert method.__doc__.startswith(f"【{tx.infno}】{tx.name}")
    check(method(data=sample_input(tx)), tx)
    assert len(gateway.requests) == 1


@pytest.mark.parametrize(
    "tx",
    [
        t
        for t in TRANSACTIONS
        if len(t.request_nodes) == 1 and not t.request_nodes[0].many and t.request_nodes[0].fields
    ],
    ids=lambda t: t.infno,
)
def test_generated_keyword_fields_build_the_node(tx: Transaction, gateway, make_sdk) -> None:
    gateway.default = answering(tx)
    sdk = make_sdk(cache_enabled=False)
    fields = sample_input(tx)[tx.request_nodes[0].name]
    kwargs = {(f"{k}_" if k == "in" else k): v for k, v in fields.items()}
    check(getattr(getattr(sdk.resources, category_of(tx)), tx.sdk_method)(**kwargs), tx)


@pytest.mark.anyio
async def test_generated_async_variants_all_transactions(gateway, make_sdk) -> None:
    sync_sdk = make_sdk(cache_enabled=False)
    async_sdk = make_sdk(async_client=True, cache_enabled=False)
    for tx in TRANSACTIONS:
        gateway.default = answering(tx)
        check(
            await getattr(getattr(async_sdk.resources, category_of(tx)), tx.sdk_method)(
                data=sample_input(tx)
            ),
            tx,
        )
        twin = getattr(getattr(sync_sdk.resources, category_of(tx)), f"{tx.sdk_method}_async")
        check(await twin(data=sample_input(tx)), tx)
    assert len(gateway.requests) == 2 * len(TRANSACTIONS)
    await async_sdk.aclose()
    await sync_sdk.aclose()


def test_every_transaction_is_on_the_clients(make_sdk) -> None:
    sdk = make_sdk()
    async_sdk = make_sdk(async_client=True)
    for tx in TRANSACTIONS:
        assert callable(getattr(sdk, tx.sdk_method)) and callable(getattr(sdk, f"{tx.sdk_method}_async"))
        assert callable(getattr(async_sdk, tx.sdk_method))


def test_generated_files_are_fenced() -> None:
    from pathlib import Path

    import medical_insurance_sdk.sdk.resources as resources

    folder = Path(resources.__file__).parent
    for path in folder.glob("*.py"):
        assert path.read_text(encoding="utf-8").startswith(
            "# GENERATED by scripts/generate.py from the registry — do not edit\n"
        ), path.name


def test_spec_signature_wins_and_generated_form_stays_reachable(gateway, make_sdk) -> None:
    sdk = make_sdk()
    tx = REGISTRY["1101"]
    gateway.default = answering(tx)
    # the spec's form: positional cert_type and cert_no
    person = sdk.query_person_info("01", "430281199001010001", name="张三")
    assert person.infno == "1101"
    body = gateway.body()
    assert body == {
        "data": {
            "mdtrt_cert_type": "01",
            "psn_cert_type": "01",
            "mdtrt_cert_no": "430281199001010001",
            "certno": "430281199001010001",
            "psn_name": "张三",
        }
    }
    # the generated form: the bureau's fields
    sdk.resources.basic.query_person_info(mdtrt_cert_type="02", mdtrt_cert_no="X", psn_cert_type="01")
    assert gateway.body() == {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": "X", "psn_cert_type": "01"}}
