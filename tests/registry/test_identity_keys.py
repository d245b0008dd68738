"""Identifying keys live in the registry: each confirmable write names the record by keys its query shows.

A write or money transaction with a `confirm_by` query is confirmed by matching the record's identity keys
(`Transaction.identity_keys`, defaults in registry/keys.py) against the rows that query answers, or, when
it creates no key of its own, by `confirm_evidence`.  A key the query never answers leaves a lost answer
UNKNOWN for ever; this test lists the transactions where that is so today, so the list can only shrink.
"""

from __future__ import annotations

from medical_insurance_sdk.engine import compensation, flow
from medical_insurance_sdk.masking import ID_FIELDS, NAME_FIELDS, PHONE_FIELDS
from medical_insurance_sdk.registry import REGISTRY, Safety, Transaction
from medical_insurance_sdk.registry.fields import Node
from medical_insurance_sdk.registry.keys import CANCELLATION_KEYS, CREATION_KEYS, LEDGER_KEYS

# Confirmable on paper, but the query's answer table shows none of the keys that name the record: a lost
# answer stays UNKNOWN.  Each says why in its registry notes ("Unidentified") and docs/engine.md lists them
# with what an operator does.
UNIDENTIFIED = frozenset(
    {
        "2501", "2502", "2503", "2504", "2505", "2506",  # 备案 ↔ 5301/5302/5304 (trt_dcla_detl_sn)
        "3402",  # 科室变更 ↔ 5101: the department is there before and after
        "3507", "3507A",  # 进销存删除 ↔ 3508: its inv_data_type picks the query (3508-3511), not one
        "4506",  # 非结构化报告 ↔ 4512: no field names one report
        "6204",  # 订单同步 ↔ 6301: unpublished message, 6301 shows no sync
    }
)  # fmt: skip


def _answer_fields(nodes: tuple[Node, ...]) -> set[str]:
    names: set[str] = set()

    def walk(node: Node) -> None:
        for spec in node.fields:
            names.add(spec.name)
            if spec.rows is not None:
                walk(spec.rows)

    for node in nodes:
        walk(node)
    return names


def _confirmable() -> list[tuple[Transaction, Transaction]]:
    """Write and money transactions with a confirm_by query whose answer table is known."""
    pairs = []
    for t in REGISTRY.transactions:
        if t.safety is Safety.QUERY or t.confirm_by is None or t.effect_free:
            continue
        query = REGISTRY[t.confirm_by]
        if query.schema.level != "generic" and query.schema.response:
            pairs.append((t, query))
    return pairs


def _identified(t: Transaction, query: Transaction) -> bool:
    answer = _answer_fields(query.schema.response)
    if t.confirm_evidence:
        return all(name in answer for name, _ in t.confirm_evidence)
    keys = set(t.identity_keys)
    if t.safety is Safety.MONEY and not t.cancels:
        keys.add("medins_setl_id")  # settlements echo the request msgid (compensation._identity)
    return bool(keys & answer)


def test_every_confirmable_write_is_named_by_keys_its_query_answers() -> None:
    pairs = _confirmable()
    assert len(pairs) > 40
    gaps = {t.infno for t, query in pairs if not _identified(t, query)}
    assert gaps - UNIDENTIFIED == set(), "identity keys its confirm_by query never answers"
    assert UNIDENTIFIED - gaps == set(), "identified now: remove it from UNIDENTIFIED"


def test_prescriptions_are_named_by_their_prescription_number() -> None:
    for infno in ("7103", "7104"):
        t = REGISTRY[infno]
        assert t.confirm_by == "7105"
        assert t.identity_keys == ("hiRxno",)
        assert "hiRxno" in t.kept_keys
    assert REGISTRY["7104"].removed_mark == ("rxStasCodg", "3")
    assert "rxStasCodg" in _answer_fields(REGISTRY["7105"].schema.response)
    # everything 7105 is asked with comes from the 7103 message: kept keys, or its personal fields
    upload, query = REGISTRY["7103"], REGISTRY["7105"]
    given = set(upload.kept_keys) | {name for name, _ in upload.confirm_person}
    required = {f.name for node in query.request_nodes for f in node.fields if f.required}
    assert required <= given


def test_defaults_are_the_engines_former_tables() -> None:
    assert REGISTRY["2201"].identity_keys == CREATION_KEYS
    assert REGISTRY["2202"].identity_keys == CANCELLATION_KEYS
    assert REGISTRY["2207"].kept_keys == LEDGER_KEYS
    assert all(t.identity_keys for t in REGISTRY.transactions)


# Once on the list: what names the record now, in the query's answer (the fault tests prove each).
IDENTIFIED = {
    "3401": ("hosp_dept_codg",),
    "3401A": ("hosp_dept_codg",),
    "3403": ("hosp_dept_codg",),
    "4501": ("rpotc_no",),
    "4502": ("rpotc_no",),
    "4503": ("rpotc_no",),
    "4504": ("rpotc_no",),
    "4505": ("palg_no",),
    "6401": ("payOrdId",),
}


def test_the_closed_gaps_stay_closed() -> None:
    for infno, keys in IDENTIFIED.items():
        t = REGISTRY[infno]
        assert t.identity_keys == keys, infno
        assert set(keys) <= set(t.kept_keys), infno
        assert t.confirm_by is not None, infno
        assert set(keys) <= _answer_fields(REGISTRY[t.confirm_by].schema.response), infno
    revoke = REGISTRY["6401"]
    assert revoke.cancels and revoke.removed_mark == ("ordStas", "7")  # 6301's 已撤销
    assert "ordStas" in _answer_fields(REGISTRY["6301"].schema.response)


# Closed by what the query's answer shows (confirm_evidence), asked with the kept key where it has one.
EVIDENCED = {
    **dict.fromkeys(("3301", "3302"), ("medins_list_codg", "med_list_codg")),
    **{infno: ("fixmedinsBchno",) for n in range(3501, 3507) for infno in (str(n), f"{n}A")},
}


def test_the_gaps_closed_by_evidence_stay_closed() -> None:
    for infno, names in EVIDENCED.items():
        t = REGISTRY[infno]
        assert tuple(name for name, _ in t.confirm_evidence) == names, infno
        assert t.confirm_by is not None, infno
        query = REGISTRY[t.confirm_by]
        assert set(names) <= _answer_fields(query.schema.response), infno
        asked = {f.name for node in query.request_nodes for f in node.fields}
        if infno.startswith("35"):  # asked by the serial: the one record, not a page of all
            assert "fixmedins_bchno" in asked and "fixmedins_bchno" in t.kept_keys, infno
        else:  # asked by the evidence itself (same names in 1317's request)
            assert set(names) <= asked, infno
    assert REGISTRY["3302"].cancels and REGISTRY["3302"].removed_mark == ("vali_flag", "0")


def test_every_gap_left_says_why_and_what_to_do() -> None:
    for infno in UNIDENTIFIED:
        notes = REGISTRY[infno].notes
        assert "Unidentified" in notes and "Operator:" in notes, infno


def test_the_ledger_never_keeps_personal_data_as_a_key() -> None:
    personal = ID_FIELDS | NAME_FIELDS | PHONE_FIELDS | {"certno", "psnName", "patnName"}
    for t in REGISTRY.transactions:
        assert not set(t.kept_keys) & personal, t.infno
        person = {source.split(".", 1)[1] for _, source in t.confirm_person}
        assert not person & set(t.kept_keys), t.infno


def test_the_engine_keeps_no_key_tables_of_its_own() -> None:
    for module, name in (
        (flow, "BUSINESS_KEYS"),
        (compensation, "STRONG_KEYS"),
        (compensation, "IDENTITY_KEYS_FOR_CANCELS"),
    ):
        assert not hasattr(module, name), f"{module.__name__}.{name}"
