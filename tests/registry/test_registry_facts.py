"""Issue 15 §5: facts about transactions are declared once, in the registry, and read everywhere.

Each fact is a field of the `Transaction` record (set in registry/catalog/<category>.py), checked by the
registry on import, and read by the engine, the sandbox, the SDK and the generators; the tables that used
to keep them by hand are gone.
"""

from __future__ import annotations

import dataclasses
import importlib
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from medical_insurance_sdk.registry import REGISTRY, RESULT_TYPES, Channel, Registry, RegistryError, Safety
from medical_insurance_sdk.registry.registry import check
from medical_insurance_sdk.registry.transaction import Transaction

TXS = REGISTRY.transactions
ROOT = Path(__file__).resolve().parents[2]


# ------------------------------------------------------------------------------- the declarations
def test_only_sign_in_goes_without_a_sign_no() -> None:
    assert [t.infno for t in TXS if not t.needs_sign_in] == ["9001"]


def test_settlements_and_their_cancellations_are_declared_pairs() -> None:
    assert REGISTRY.settlements() == {"2207": "11", "2304": "21", "2102": "41"}
    assert REGISTRY.settlement_cancellations() == {"2208": "2207", "2305": "2304", "2103": "2102"}
    undoes = {t.infno: t.undoes for t in TXS if t.undoes}
    assert {"2205": "2204", "2302": "2301", "2502": "2501", "2504": "2503", "2506": "2505"}.items() <= (
        undoes.items()
    )


def test_cancellation_is_declared_not_parsed_from_the_name() -> None:
    assert {"2103", "2208", "2305", "2202", "2404", "3507", "6401", "7104"} <= {
        t.infno for t in TXS if t.cancels
    }
    renamed = dataclasses.replace(REGISTRY["2201"], name="门诊挂号撤销")
    assert renamed.cancels is False  # a name is no declaration
    assert all(t.cancels for t in TXS if t.undoes)


def test_cacheable_calls_are_the_catalogue_dictionary_and_institution_queries() -> None:
    cached = {t.infno for t in TXS if t.cacheable}
    assert {"1201", "1901", "1301", "1302", "1306A", "1327"} <= cached
    assert "1101" not in cached and all(REGISTRY[i].safety is Safety.QUERY for i in cached)


def test_every_transaction_declares_a_known_result_type() -> None:
    assert {t.result_type for t in TXS} <= set(RESULT_TYPES)
    assert REGISTRY["2207"].result_type == "SettlementResult"
    assert REGISTRY["1301"].result_type == "FileQueryResult"  # a file answer, from file_output
    assert REGISTRY["6202"].result_type == "PaymentResult"


def test_fee_totals_are_declared_on_fee_uploads_and_settlement_answers() -> None:
    fee = {t.infno: t.fee_total for t in TXS if t.fee_total}
    assert fee == {
        "2204": "adds",
        "2301": "adds",
        "2206": "states",
        "2207": "states",
        "2303": "states",
        "2304": "states",
    }


def test_sm_routes_and_catalogue_name_columns_are_declared() -> None:
    routes = {t.sm_route: t.infno for t in TXS if t.sm_route}
    assert routes["uldFeeInfo"] == "6201" and routes["rxUndo"] == "7104" and len(routes) == 12
    assert REGISTRY["1301"].catalog_name_column == "drug_genname"
    assert REGISTRY["1307"].catalog_name_column == "diag_name"


def test_spec_flows_are_declared_with_their_lone_string_key() -> None:
    flows = {t.infno: t.spec_flow for t in TXS if t.spec_flow is not None}
    assert len(flows) == 24
    assert flows["2207"] == "visit_id" and flows["2208"] == "settlement_id" and flows["2101"] == ""


# ------------------------------------------------------------------ read everywhere, kept nowhere else
FORMER_TABLES = [
    ("medical_insurance_sdk.registry.registry", "REVERSIBLE_BY_2601"),
    ("medical_insurance_sdk.engine.flow", "NO_SIGN_IN"),
    ("medical_insurance_sdk.sandbox.dispatch", "SIGN_IN_EXEMPT"),
    ("medical_insurance_sdk.sandbox.handlers.reversal", "SETTLEMENTS"),
    ("medical_insurance_sdk.sandbox.handlers.reversal", "CANCELLATIONS"),
    ("medical_insurance_sdk.sandbox.handlers.records", "CANCELS"),
    ("medical_insurance_sdk.sdk.lib.memory", "FEE_UPLOADS"),
    ("medical_insurance_sdk.sdk.lib.memory", "FEE_CANCELS"),
    ("medical_insurance_sdk.sdk.lib.memory", "SETTLEMENT_ANSWERS"),
    ("medical_insurance_sdk.sdk._cache", "CACHED_INFNOS"),
    ("medical_insurance_sdk.sdk._cache", "cacheable"),
    ("medical_insurance_sdk.sdk._results", "_SETTLEMENTS"),
    ("medical_insurance_sdk.sdk._results", "_UPLOADS"),
    ("medical_insurance_sdk.engine.catalog_sync", "NAME_KEYS"),
    ("medical_insurance_sdk.sdk.lib.plans", "outpatient_settle"),
    ("medical_insurance_sdk.sdk.lib.plans", "prescription_download"),
]


@pytest.mark.parametrize(
    ("module", "name"), FORMER_TABLES, ids=[f"{m.rsplit('.', 1)[1]}.{n}" for m, n in FORMER_TABLES]
)
def test_the_hand_kept_table_is_gone(module: str, name: str) -> None:
    assert not hasattr(importlib.import_module(module), name)


def test_readers_take_their_tables_from_the_registry() -> None:
    from medical_insurance_sdk.engine.reconcile import book
    from medical_insurance_sdk.sandbox import app
    from medical_insurance_sdk.sdk import _results

    assert REGISTRY.settlements() == book.SETTLEMENTS
    assert REGISTRY.settlement_cancellations() == book.CANCELS
    assert dict(app.SM_ROUTES) == {t.sm_route: t.infno for t in TXS if t.sm_route}
    assert {i: c.__name__ for i, c in _results.RESULT_CLASS.items()} == {t.infno: t.result_type for t in TXS}
    assert set(_results.RESULT_CLASSES) == set(RESULT_TYPES)


def test_the_clients_have_one_convenience_method_per_declared_flow() -> None:
    from medical_insurance_sdk import AsyncMedicalInsuranceSDK, MedicalInsuranceSDK
    from medical_insurance_sdk.sdk.resources import _flows

    declared = {t.sdk_method for t in TXS if t.spec_flow is not None}
    generated = {n for n in vars(_flows.AsyncSpecFlows) if not n.startswith("_")}
    assert generated == declared
    assert {n for n in vars(_flows.SpecFlows) if not n.startswith("_")} == declared | {
        f"{n}_async" for n in declared
    }
    for name in declared:
        assert getattr(MedicalInsuranceSDK, name) is vars(_flows.SpecFlows)[name]  # the spec's form wins
        assert getattr(AsyncMedicalInsuranceSDK, name) is vars(_flows.AsyncSpecFlows)[name]


def test_a_flow_must_match_its_registry_declaration() -> None:
    from medical_insurance_sdk.sdk._results import PersonInfo, SettlementResult
    from medical_insurance_sdk.sdk.lib.plans import friendly

    with pytest.raises(TypeError):
        friendly("2207", PersonInfo)  # 2207 answers a SettlementResult
    with pytest.raises(TypeError):
        friendly("2601", SettlementResult)  # no spec flow
    assert friendly("2207", SettlementResult).__name__ == "friendly_2207"


def test_the_sdk_generator_reads_result_types_from_the_registry_only() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from codegen import sdk as codegen_sdk
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    assert not hasattr(codegen_sdk, "result_class")
    text = codegen_sdk.render_flows()
    assert all(
        f"    {t.sdk_method} = async_op(_plan_{t.infno})" in text for t in TXS if t.spec_flow is not None
    )


# --------------------------------------------------------------- the registry refuses inconsistencies
def _with(infno: str, **changes: object) -> tuple[Transaction, ...]:
    return tuple(dataclasses.replace(t, **changes) if t.infno == infno else t for t in TXS)  # type: ignore[arg-type]


BROKEN: dict[str, Callable[[], tuple[Transaction, ...]]] = {
    "undoes an unknown infno": lambda: _with("2208", undoes="2999"),
    "undoes without cancels": lambda: _with("2208", cancels=False),
    "settlement cancel not money": lambda: _with("2208", safety=Safety.WRITE),
    "settlement cancel not reversible": lambda: _with("2305", reversible=False),
    "settlement on a write": lambda: _with("2204", clearing_class="11", safety=Safety.WRITE),
    "settlement with no cancellation": lambda: _with("2208", undoes=None),
    "reversible beyond 2601": lambda: _with("2201", reversible=True),
    "no sign-in for a business call": lambda: _with("1101", needs_sign_in=False),
    "unknown result type": lambda: _with("1101", result_type="Person"),
    "file answer not a FileQueryResult": lambda: _with("1301", result_type="Result"),
    "fee total on the wrong answer": lambda: _with("2203", fee_total="adds"),
    "cached write": lambda: _with("2201", cacheable=True),
    "sm route off the SM channel": lambda: _with("2201", sm_route="register"),
    "duplicate sm route": lambda: _with("6202", sm_route="uldFeeInfo"),
    "name column without a file": lambda: _with("1101", catalog_name_column="psn_name"),
    "bad spec flow key": lambda: _with("2207", spec_flow="Visit Id"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_registry_refuses(case: str) -> None:
    transactions = BROKEN[case]()
    assert check(transactions) != []
    with pytest.raises(RegistryError):
        Registry(transactions)


def test_the_real_registry_is_consistent() -> None:
    assert check(TXS) == []
    assert all(t.channel is Channel.SM for t in TXS if t.sm_route)


def test_unpublished_transactions_are_known_and_not_full():
    from medical_insurance_sdk.registry.schemas import UNPUBLISHED

    for infno, searched in UNPUBLISHED.items():
        assert infno in REGISTRY, infno
        assert REGISTRY[infno].schema_level != "full", f"{infno} has a full table and is declared unpublished"
        assert len(searched) > 20, f"{infno}: say what was searched"
