"""Money transactions with a field table refuse an empty or incomplete body with 3000x before anything is sent
(issue 15 §1): in the registry (the engine and the SDK validate with it) and through the gateway (422, the
bureau never asked).

Samples are the bodies the published tables describe (national §6.2.2 for the pharmacy calls, see
registry/schemas/business.py), with the values of the sandbox's pharmacy flow.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

import pytest

from medical_insurance_sdk.exceptions import DataValidationError
from medical_insurance_sdk.registry import REGISTRY, Safety

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "gateway"))

from tests.gateway.conftest import database_url, gateway  # noqa: F401  (the gateway suite's fixtures)

_ITEM = {
    "feedetl_sn": "P1",
    "rxno": "",
    "fee_ocur_time": "2025-07-14 09:30:00",
    "med_list_codg": "XM01AEB016A001010104494",
    "medins_list_codg": "YP-IBUPROFEN-300",
    "det_item_fee_sumamt": "22.40",
    "cnt": "2",
    "pric": "11.20",
    "bilg_dr_codg": "D430302000103",
    "bilg_dr_name": "张医生",
}
_PURCHASE = {
    "druginfo": {
        "psn_no": "43000030281000128801",
        "mdtrt_cert_type": "02",
        "mdtrt_cert_no": "430302198506150028",
        "begntime": "2025-07-14 09:30:00",
        "medfee_sumamt": "22.40",
        "insutype": "310",
        "acct_used_flag": "1",
        "med_type": "41",
    },
    "drugdetail": [_ITEM],
}
_CANCEL = {
    "data": {"setl_id": "S20250714000001", "mdtrt_id": "M20250714000001", "psn_no": "43000030281000128801"}
}

# infno → a body the published table describes
SAMPLES: dict[str, dict[str, Any]] = {"2101": _PURCHASE, "2102": _PURCHASE, "2103": _CANCEL}


def _errors(infno: str, payload: Any) -> list[tuple[int, str]]:
    try:
        REGISTRY[infno].validate_input(payload)
    except DataValidationError as exc:
        return [(e.code, e.path) for e in exc.errors]
    return []


def _without(sample: dict[str, Any], node: str, field: str, many: bool) -> dict[str, Any]:
    body = copy.deepcopy(sample)
    (body[node][0] if many else body[node]).pop(field)
    return body


_PURCHASE_REQUIRED = [
    *(
        ("druginfo", name, False)
        for name in (
            "psn_no",
            "mdtrt_cert_type",
            "mdtrt_cert_no",
            "begntime",
            "medfee_sumamt",
            "insutype",
            "acct_used_flag",
            "med_type",
        )
    ),
    *(
        ("drugdetail", name, True)
        for name in (
            "feedetl_sn",
            "fee_ocur_time",
            "med_list_codg",
            "medins_list_codg",
            "det_item_fee_sumamt",
            "cnt",
            "pric",
        )
    ),
]
# infno → (node, field, node is a list) of every field the bureau cannot do without
REQUIRED: dict[str, list[tuple[str, str, bool]]] = {
    "2101": _PURCHASE_REQUIRED,
    "2102": _PURCHASE_REQUIRED,
    "2103": [("data", name, False) for name in ("setl_id", "mdtrt_id", "psn_no")],
}


def _required() -> list[tuple[str, str, str, bool]]:
    return [(infno, node, field, many) for infno, fields in REQUIRED.items() for node, field, many in fields]


@pytest.mark.parametrize("infno", SAMPLES)
def test_the_table_requires_exactly_these_fields(infno: str) -> None:
    declared = [
        (n.name, f.name, n.many) for n in REGISTRY[infno].request_nodes for f in n.fields if f.required
    ]
    assert declared == REQUIRED[infno]


@pytest.mark.parametrize("infno", SAMPLES)
def test_the_money_transaction_has_a_full_table(infno: str) -> None:
    tx = REGISTRY[infno]
    assert tx.safety is Safety.MONEY and tx.schema_level == "full" and tx.schema.source
    assert tx.schema.response, "the answer is typed too"


@pytest.mark.parametrize("infno", SAMPLES)
def test_a_published_sample_passes(infno: str) -> None:
    assert _errors(infno, SAMPLES[infno]) == []


@pytest.mark.parametrize("infno", SAMPLES)
def test_an_empty_body_is_30001_for_every_node(infno: str) -> None:
    nodes = [n.name for n in REGISTRY[infno].request_nodes if n.required]
    assert _errors(infno, {}) == [(30001, name) for name in nodes]
    for name in nodes:
        assert _errors(infno, {**SAMPLES[infno], name: {} if name == "druginfo" or name == "data" else []})


@pytest.mark.parametrize(("infno", "node", "field", "many"), _required(), ids=lambda v: str(v))
def test_a_body_missing_a_required_field_is_30002(infno: str, node: str, field: str, many: bool) -> None:
    path = f"{node}[0].{field}" if many else f"{node}.{field}"
    assert _errors(infno, _without(SAMPLES[infno], node, field, many)) == [(30002, path)]


def test_inconsistent_values_are_refused_by_type_and_length() -> None:
    body = copy.deepcopy(_PURCHASE)
    body["druginfo"]["medfee_sumamt"] = "二十二元"
    body["druginfo"]["insutype"] = "999"
    body["drugdetail"][0]["cnt"] = "两盒"
    body["drugdetail"][0]["feedetl_sn"] = "9" * 31
    assert sorted(_errors("2102", body)) == [
        (30003, "drugdetail[0].cnt"),
        (30003, "druginfo.insutype"),
        (30003, "druginfo.medfee_sumamt"),
        (30004, "drugdetail[0].feedetl_sn"),
    ]


# --------------------------------------------------------------------------------------- through the gateway


def _route(infno: str) -> str:
    return REGISTRY[infno].route.path


@pytest.mark.parametrize("infno", SAMPLES)
def test_the_gateway_refuses_an_empty_body_with_422(gateway: Any, infno: str) -> None:  # noqa: F811
    response = gateway.post(_route(infno), json={})
    assert response.status_code == 422, response.text
    assert response.json()["error_code"] in (30001, 30002), response.text  # one-node bodies may be flat


@pytest.mark.parametrize("infno", SAMPLES)
def test_the_gateway_refuses_a_body_missing_a_required_field(gateway: Any, infno: str) -> None:  # noqa: F811
    for _, node, field, many in [r for r in _required() if r[0] == infno]:
        response = gateway.post(_route(infno), json=_without(SAMPLES[infno], node, field, many))
        assert response.status_code == 422, (field, response.text)
        answer = response.json()
        assert answer["error_code"] == 30002, (field, response.text)
        path = f"{node}[0].{field}" if many else f"{node}.{field}"
        assert path in [e["field"] for e in answer["data"]["errors"]], (field, answer)


# ----------------------------------------------------------- write and money calls without a published table

# Partial tables (names only, docs/interfaces.md open questions) require only the keys a money call cannot do
# without: an empty body is refused naming them (30002), a body with them goes to the bureau, which decides.
EMPTY_REFUSED = {
    "6201": {
        "medOrgOrd": "MZ20250714001",
        "psnNo": "43000011000000000001",
        "insutype": "310",
        "medType": "11",
        "medfeeSumamt": "25.00",
        "feedetailList": [{"feedetlSn": "1"}],
    },
    "6202": {"payOrdId": "ORD20250714001", "payAuthNo": "AUTH001"},
    "6203": {"payOrdId": "ORD20250714001", "appRefdSn": "RF001", "totlRefdAmt": "25.00"},
    "6401": {"payOrdId": "ORD20250714001"},
}


@pytest.mark.parametrize("infno", EMPTY_REFUSED)
def test_an_empty_node_of_a_partial_write_or_money_call_is_refused(infno: str) -> None:
    required = {f"data.{name}" for name in EMPTY_REFUSED[infno] if name != "payAuthNo"}
    assert _errors(infno, {"data": {}}) == [(30002, path) for path in sorted(required, key=_order(infno))]
    assert {path for _, path in _errors(infno, {"data": {"payOrdId": "", "extData": None}})} == required
    assert _errors(infno, {"data": EMPTY_REFUSED[infno]}) == []


def _order(infno: str) -> Any:
    names = [f"data.{f.name}" for f in REGISTRY[infno].request_nodes[0].fields]
    return names.index


def test_an_empty_query_node_is_still_a_query_for_everything() -> None:
    assert _errors("1201", {"medinsinfo": {}}) == []


@pytest.mark.parametrize("infno", ["6202", "6203"])
def test_the_gateway_refuses_an_empty_money_call_with_422(gateway: Any, infno: str) -> None:  # noqa: F811
    response = gateway.post(_route(infno), json={})
    assert response.status_code == 422, response.text
    assert response.json()["error_code"] in (30001, 30002), response.text
