"""Tests of the transaction catalog data (registry/catalog/*.py)."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from pathlib import Path

import pytest

from medical_insurance_sdk.registry import CATEGORY_COUNTS, REGISTRY, Category, Channel, Safety, policy
from medical_insurance_sdk.registry.catalog import TRANSACTIONS
from medical_insurance_sdk.registry.catalog.open_questions import OPEN_QUESTIONS, OpenQuestion
from medical_insurance_sdk.registry.registry import check
from medical_insurance_sdk.registry.transaction import Transaction

SPEC_ROUTES_FILE = Path(__file__).parent / "data" / "spec_routes.txt"
TXS: tuple[Transaction, ...] = REGISTRY.transactions
CATALOG: dict[str, Transaction] = {t.infno: t for t in TRANSACTIONS}  # before field schemas are attached

# codes the spec lists under 【1303-1327】 (the spec gives them no REST path)
UNROUTED_CATALOG_CODES = frozenset({*(str(n) for n in range(1303, 1328)), "1306A"})
RESERVED_SDK_NAMES = {"call", "batch_upload", "validate_medical_data", "download_catalog"}
NON_ADMIN_ROLES = {name: role for name, role in policy.ROLES.items() if "*" not in role.permissions}


def spec_routes() -> list[str]:
    return [
        line.strip() for line in SPEC_ROUTES_FILE.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def registry_routes() -> dict[str, Transaction]:
    return {str(r): t for t in TXS for r in t.routes}


def open_question_text() -> str:
    return "\n".join(f"{q.topic}\n{q.choice}\n{q.reason}" for q in OPEN_QUESTIONS)


def codes(*spans: tuple[int, int]) -> list[str]:
    return [str(n) for a, b in spans for n in range(a, b + 1)]


# --------------------------------------------------------------------------- loading and counts
def test_registry_loads_and_self_check_passes() -> None:
    assert len(REGISTRY) == 206
    assert check(TXS) == []
    assert [t.infno for t in TXS] == [t.infno for t in TRANSACTIONS]


def test_self_check_is_not_vacuous() -> None:
    first, second, *rest = TXS
    clash = dataclasses.replace(second, infno=first.infno)
    assert any("infno" in p for p in check((first, clash, *rest)))


@pytest.mark.parametrize("category", list(Category))
def test_category_counts(category: Category) -> None:
    assert len(REGISTRY.in_category(category)) == CATEGORY_COUNTS[category]


def test_category_counts_are_the_spec_numbers() -> None:
    expected = {
        "基础信息服务": 31,
        "医保业务服务": 43,
        "医药机构管理": 47,
        "信息采集上传": 28,
        "信息查询服务": 15,
        "线上支付服务": 8,
        "电子处方服务": 20,
        "场景监控": 5,
        "其他功能": 4,
        "电子票据": 4,
        "政策管理": 1,
    }
    assert {str(c): n for c, n in Counter(t.category for t in TXS).items()} == expected


@pytest.mark.parametrize("attr", ["infno", "interface_type", "sdk_method"])
def test_keys_are_unique(attr: str) -> None:
    dupes = [v for v, n in Counter(getattr(t, attr) for t in TXS).items() if n > 1]
    assert dupes == []


def test_routes_are_unique() -> None:
    all_routes = [str(r) for t in TXS for r in t.routes]
    assert [r for r, n in Counter(all_routes).items() if n > 1] == []


def test_infno_format() -> None:
    assert [t.infno for t in TXS if not re.fullmatch(r"\d{4,6}[A-Z]?", t.infno)] == []


def test_sdk_method_names_avoid_hand_written_methods() -> None:
    assert RESERVED_SDK_NAMES.isdisjoint(t.sdk_method for t in TXS)
    assert all(t.sdk_method.isidentifier() for t in TXS)


# --------------------------------------------------------------------------- routes against the spec
def test_every_spec_route_is_in_the_registry() -> None:
    lines = spec_routes()
    assert len(lines) == 181
    assert sorted(set(lines) - set(registry_routes())) == []


def test_only_extra_routes_are_the_1303_1327_catalog_paths() -> None:
    extra = {r: t for r, t in registry_routes().items() if r not in set(spec_routes())}
    assert len(extra) == 26
    assert {t.infno for t in extra.values()} == UNROUTED_CATALOG_CODES
    text = open_question_text()
    for route, t in extra.items():
        method, path = route.split(" ", 1)
        assert method == "POST"
        assert path.startswith("catalog/")
        kind = t.interface_type.removesuffix("_catalog").replace("_", "-")
        suffix = "-download" if t.name.endswith("下载") else "-query"
        assert t.name.endswith(("下载", "查询"))
        assert path == f"catalog/{kind}{suffix}", t.infno
        assert route in text, f"{route} is not listed in OPEN_QUESTIONS"


def test_3603_modifies_and_revokes_on_one_path() -> None:
    t = REGISTRY["3603"]
    assert {r.method for r in t.routes} == {"PUT", "DELETE"}
    assert {r.path for r in t.routes} == {"institution/drg/exit-application"}
    assert REGISTRY.by_route("PUT", "institution/drg/exit-application") is t
    assert REGISTRY.by_route("DELETE", "institution/drg/exit-application") is t


def test_get_routes_are_queries() -> None:
    bad = [t.infno for t in TXS if any(r.method == "GET" for r in t.routes) and t.safety is not Safety.QUERY]
    assert bad == []


# --------------------------------------------------------------------------- spec-given keys and names
@pytest.mark.parametrize(
    ("infno", "interface_type", "sdk_method"),
    [
        ("1101", "person_info", "query_person_info"),
        ("1201", "institution_info", "query_institution_info"),
        ("1301", "drug_catalog", "download_drug_catalog"),
        ("1302", "tcm_catalog", "download_tcm_catalog"),
        ("1303", "medical_institution_preparations_catalog", None),
        ("1304", "ethnic_drugs_catalog", None),
        ("1305", "medical_service_items_catalog", None),
        ("1306", "medical_consumables_catalog", None),
        ("1307", "disease_diagnosis_catalog", None),
        ("1308", "surgical_operations_catalog", None),
        ("1901", "dictionary_download", None),
        ("2001", "benefit_check", "benefit_check"),
        ("2101", None, "pharmacy_pre_settle"),
        ("2102", None, "pharmacy_settle"),
        ("2103", None, "pharmacy_settle_cancel"),
        ("2201", "outpatient_register", "outpatient_register"),
        ("2203", None, "outpatient_visit_upload"),
        ("2204", "outpatient_expense_upload", "outpatient_expense_upload"),
        ("2206", None, "outpatient_pre_settle"),
        ("2207", "outpatient_settle", "outpatient_settle"),
        ("2301", None, "inpatient_expense_upload"),
        ("2304", None, "inpatient_settle"),
        ("2401", None, "inpatient_admission"),
        ("2402", None, "inpatient_discharge"),
        ("2601", None, "reverse_transaction"),
        ("4101", None, "upload_settlement_list"),
        ("4701", None, "upload_electronic_medical_record"),
        ("7101", None, "prescription_pre_verify"),
        ("7103", None, "prescription_upload"),
        ("7204", None, "prescription_download"),
        ("7207", None, "prescription_sale_upload"),
    ],
)
def test_spec_given_names(infno: str, interface_type: str | None, sdk_method: str | None) -> None:
    t = REGISTRY[infno]
    if interface_type is not None:
        assert t.interface_type == interface_type
    if sdk_method is not None:
        assert t.sdk_method == sdk_method


def test_range_codes_cover_the_spec_ranges() -> None:
    present = {t.infno for t in TXS}
    expected = {
        *codes((2161, 2171)),
        "2181",
        *codes((3501, 3507)),
        *(f"{n}A" for n in codes((3501, 3507))),
        *codes((3508, 3513)),
        "3592B",
        *codes((3601, 3611)),
        *codes((3701, 3704)),
        "3401",
        "3401A",
        "3402",
        "3403",
        *codes((4101, 4105)),
        *codes((4261, 4263)),
        "4401",
        "4402",
        "4402A",
        *codes((4501, 4512)),
        "5401",
        "5402",
        "5461",
        *codes((7101, 7109)),
        *codes((7201, 7211)),
        *codes((9601, 9605)),
        "5501",
        "4901",
        "4902",
        "4905",
        "100001",
        "2203A",
    }
    assert expected - present == set()


def test_every_transaction_belongs_to_its_module_category() -> None:
    from medical_insurance_sdk.registry.catalog import (
        basic,
        business,
        institution,
        monitoring,
        other,
        payment,
        policy_management,
        prescription,
        query,
        ticket,
        upload,
    )

    modules = {
        basic: Category.BASIC,
        business: Category.BUSINESS,
        institution: Category.INSTITUTION,
        upload: Category.UPLOAD,
        query: Category.QUERY,
        payment: Category.PAYMENT,
        prescription: Category.PRESCRIPTION,
        monitoring: Category.MONITORING,
        other: Category.OTHER,
        ticket: Category.TICKET,
        policy_management: Category.POLICY,
    }
    for module, category in modules.items():
        assert {t.category for t in module.TRANSACTIONS} == {category}, module.__name__


def test_modules_follow_the_spec_route_order() -> None:
    order = {line: i for i, line in enumerate(spec_routes())}
    positions = [order[str(t.route)] for t in TXS if str(t.route) in order]
    assert positions == sorted(positions)


# --------------------------------------------------------------------------- safety, reversal, confirmation
def test_reversible_set_is_the_national_2601_list() -> None:
    # the national list plus the pharmacy's 2102 and (the reference's "probably" [U]) 2103
    national = {"2207", "2208", "2304", "2305", "2401"}
    assert {t.infno for t in TXS if t.reversible} == national | {"2102", "2103"}
    # reference §3 "2601"
    assert {t.infno for t in TXS if t.reversible} == {"2102", "2103", "2207", "2208", "2304", "2305", "2401"}


def test_settlements_move_money() -> None:
    money = {
        "2101",
        "2102",
        "2103",
        "2206",
        "2207",
        "2208",
        "2303",
        "2304",
        "2305",
        "2601",
        "6202",
        "6203",
        "2162",
        "2163",
        "2164",
        "2181",
    }
    assert {t.infno for t in TXS if t.safety is Safety.MONEY} == money
    assert REGISTRY["2401"].safety is Safety.WRITE


def test_known_reads_are_queries() -> None:
    for infno in [
        "1101",
        "1201",
        "1901",
        "2001",
        "3101",
        "3102",
        "3201",
        "3202",
        "9102",
        *(t.infno for t in REGISTRY.in_category(Category.BASIC)),
    ]:
        assert REGISTRY[infno].safety is Safety.QUERY, infno
    for infno in ["9001", "9002", "9101"]:
        assert REGISTRY[infno].safety is Safety.WRITE, infno


def test_confirm_by_targets_are_queries() -> None:
    for t in TXS:
        if t.confirm_by is not None:
            assert t.safety is not Safety.QUERY, t.infno
            assert REGISTRY[t.confirm_by].safety is Safety.QUERY, t.infno


@pytest.mark.parametrize(
    ("infno", "confirm_by"),
    [
        ("2201", "5201"),
        ("2203", "5201"),
        ("2204", "5204"),
        ("2207", "5203"),
        ("2208", "5203"),
        ("2304", "5203"),
        ("2305", "5203"),
        ("2402", "5202"),
        ("2301", "5204"),
        ("2102", "5203"),
        ("4101", "4103"),
        ("7103", "7105"),
        ("3501", "3508"),
        ("3505A", "3511"),
        ("2206", None),
    ],
)
def test_confirm_by(infno: str, confirm_by: str | None) -> None:
    assert REGISTRY[infno].confirm_by == confirm_by


def test_confirm_evidence_names_real_fields_and_reads_the_request() -> None:
    """2203 and 2402 create no key of their own; the evidence their queries show is read from the request."""
    discharge = REGISTRY["2402"]
    data = {
        "dscginfo": {"mdtrt_id": "M1", "psn_no": "P1"},
        "diseinfo": [{"diag_code": "K35.800"}, {"diag_code": "I10"}],
    }
    assert discharge.evidence(data) == {"mdtrt_id": "M1", "inout_diag_type": "2", "diag_code": "K35.800"}
    assert discharge.evidence({"dscginfo": {"mdtrt_id": "M1"}, "diseinfo": []}) is None  # nothing to prove
    visit = REGISTRY["2203"]
    assert visit.evidence({"mdtrtinfo": {"mdtrt_id": "M2", "med_type": "11"}}) == {
        "mdtrt_id": "M2",
        "med_type": "11",
    }


def test_the_registry_refuses_evidence_that_names_no_field() -> None:
    bad = dataclasses.replace(REGISTRY["2402"], confirm_evidence=(("no_such_field", "dscginfo.nope"),))
    problems = check(tuple(bad if t.infno == "2402" else t for t in REGISTRY.transactions))
    assert any("answers no field no_such_field" in p for p in problems), problems
    assert any("the request has no field dscginfo.nope" in p for p in problems), problems


def test_money_transactions_have_a_resolution_path() -> None:
    """A reversible or confirmable MONEY call can be settled by a role that may make it."""
    reversal = REGISTRY["2601"]
    assert reversal.safety is Safety.MONEY
    for t in TXS:
        if t.safety is not Safety.MONEY or not (t.reversible or t.confirm_by):
            continue
        resolvers = []
        if t.confirm_by:
            resolvers.append(REGISTRY[t.confirm_by])
        if t.reversible:
            resolvers.append(reversal)
        callers = [r for r in NON_ADMIN_ROLES.values() if r.allows(t.permission)]
        assert callers, f"{t.infno}: no operator role may call it"
        resolved = [r for r in callers if any(r.allows(x.permission) for x in resolvers)]
        assert resolved == callers, f"{t.infno}: some callers cannot resolve an unknown outcome"


# --------------------------------------------------------------------------- roles and flows
ROLE_FLOWS = {
    "hospital_operator": [
        "9001",
        "1101",
        "2001",
        *codes((2201, 2208)),
        *codes((2401, 2405)),
        *codes((2301, 2305)),
        "2601",
    ],
    "pharmacy_operator": [
        "1101",
        "9001",
        "2101",
        "2102",
        "2103",
        *codes((3501, 3513)),
        *(f"{n}A" for n in codes((3501, 3507))),
        "7204",
        "7207",
    ],
    "data_analyst": [
        *(t.infno for t in TXS if t.infno.startswith("13")),
        "1901",
        *(t.infno for t in TXS if t.infno[:2] == "36" and t.safety is Safety.QUERY),
        *(t.infno for t in REGISTRY.in_category(Category.QUERY) if t.safety is Safety.QUERY),
    ],
}


@pytest.mark.parametrize("role_name", sorted(ROLE_FLOWS))
def test_roles_can_run_their_flows(role_name: str) -> None:
    role = policy.ROLES[role_name]
    blocked = [i for i in ROLE_FLOWS[role_name] if not role.allows(REGISTRY[i].permission)]
    assert blocked == []


def test_admin_can_run_everything() -> None:
    assert all(policy.ROLES["admin"].allows(t.permission) for t in TXS)


def test_every_permission_key_is_known_and_every_write_reachable_by_some_role() -> None:
    for t in TXS:
        assert t.permission in policy.PERMISSIONS
    assert {t.permission for t in TXS} <= set(policy.PERMISSIONS)


# --------------------------------------------------------------------------- channel, files, nodes, limits
def test_sm_channel_is_mobile_pay_and_prescriptions() -> None:
    sm = {t.infno for t in TXS if t.channel is Channel.SM}
    assert sm == {
        "6201",
        "6202",
        "6203",
        "6204",
        "6301",
        "6302",
        "6401",
        *codes((7101, 7109)),
        *codes((7201, 7211)),
    }


def test_file_outputs() -> None:
    files = {t.infno for t in TXS if t.file_output}
    downloads = {t.infno for t in TXS if t.infno.startswith("13") and t.name.endswith("下载")} - {"1312"}
    assert files == downloads | {"3202"}
    assert {
        "1301",
        "1302",
        "1303",
        "1305",
        "1306",
        "1307",
        "1308",
        "1309",
        "1310",
        "1311",
        "1313",
        "1314",
        "1315",
    } <= files


@pytest.mark.parametrize(
    ("infno", "nodes"),
    [
        ("9001", ("signIn",)),
        ("9002", ("signOut",)),
        ("2203", ("mdtrtinfo", "diseinfo")),
        ("2204", ("feedetail",)),
        ("2301", ("feedetail",)),
        ("2401", ("mdtrtinfo", "diseinfo")),
        ("2402", ("dscginfo", "diseinfo")),
        ("2403", ("adminfo", "diseinfo")),
        ("9101", ("fsUploadIn",)),
        ("9102", ("fsDownloadIn",)),
        ("1101", ("data",)),
        ("2207", ("data",)),
    ],
)
def test_input_nodes(infno: str, nodes: tuple[str, ...]) -> None:
    assert CATALOG[infno].input_nodes == nodes


def test_performance_classes() -> None:
    perf = {
        "1101": "person_info",
        "1201": "institution_info",
        "1301": "catalog_download",
        "1901": "dictionary_download",
        "2001": "benefit_check",
        "2102": "pharmacy_settle",
        "2207": "outpatient_settle",
        "2304": "inpatient_settle",
        "3501": "inventory_upload",
        "3605": "drg_query",
        "3702": "appeal_submit",
        "4701": "medical_record_upload",
        "4501": "clinical_data_upload",
        "5201": "info_query",
        "6202": "payment_order",
        "7103": "prescription_upload",
        "9601": "face_auth",
        "9101": "file_upload",
        "4901": "ticket_upload",
        "100001": "policy_query",
    }
    assert {i: REGISTRY[i].perf for i in perf} == perf
    assert all(t.perf in policy.PERFORMANCE_TARGETS for t in TXS)


def test_rate_and_concurrency_defaults() -> None:
    assert REGISTRY["2207"].rate_category == "settlement"
    assert REGISTRY["2207"].concurrency_class == "settle"
    assert REGISTRY["1301"].rate_category == "catalog_download"
    assert REGISTRY["5203"].rate_category == "data_query"
    assert REGISTRY["9101"].concurrency_class == "file_upload"
    assert REGISTRY["4101"].rate_category is None


# --------------------------------------------------------------------------- open questions
def test_open_questions_are_well_formed() -> None:
    assert len(OPEN_QUESTIONS) >= 10
    assert all(isinstance(q, OpenQuestion) for q in OPEN_QUESTIONS)
    assert all(q.topic.strip() and q.choice.strip() and q.reason.strip() for q in OPEN_QUESTIONS)
    assert len({q.topic for q in OPEN_QUESTIONS}) == len(OPEN_QUESTIONS)
    with pytest.raises(dataclasses.FrozenInstanceError):
        OPEN_QUESTIONS[0].topic = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    "infno",
    [
        "2161",
        "2181",
        "2203A",
        "3501A",
        "3601",
        "3611",
        "3701",
        "4104",
        "4402A",
        "4506",
        "5461",
        "6204",
        "6302",
        "7108",
        "7211",
        "9601",
        "5501",
        "4905",
    ],
)
def test_chosen_codes_are_recorded(infno: str) -> None:
    assert re.search(rf"(?<![\dA-Z]){infno}(?![\d])", open_question_text()), infno


def test_catalog_input_nodes_agree_with_field_schemas() -> None:
    """Where a field table exists, the catalog names the same input nodes (so docs agree before joining)."""
    from medical_insurance_sdk.registry.schemas import SCHEMAS

    differ = {
        infno: (CATALOG[infno].input_nodes, tuple(n.name for n in schema.request))
        for infno, schema in SCHEMAS.items()
        if schema.request and tuple(n.name for n in schema.request) != CATALOG[infno].input_nodes
    }
    assert differ == {}
