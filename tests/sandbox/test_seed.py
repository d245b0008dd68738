"""Seed data of the sandbox: enough valid, distinct, deterministic persons, catalog items and institutions."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections import Counter
from decimal import Decimal

from medical_insurance_sdk.sandbox import seed
from medical_insurance_sdk.sandbox.fund_pricing import price_fee_line

PERSONS = seed.PERSONS


def gb11643_ok(certno: str) -> bool:
    """An independent check of the ID number's check digit (GB 11643-1999, ISO 7064 MOD 11-2)."""
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(certno[:17]))
    return certno[17] == "10X98765432"[total % 11]


def gb32100_ok(uscc: str) -> bool:
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    total = sum(chars.index(ch) * (3**i % 31) for i, ch in enumerate(uscc[:17]))
    return uscc[17] == chars[(31 - total % 31) % 31]


def test_known_check_digits() -> None:
    # Worked by hand: 11010519491231002 → weighted sum 167, 167 mod 11 = 2 → "X"
    assert seed.id_check_digit("11010519491231002") == "X"
    assert seed.is_valid_certno("11010519491231002X")
    assert not seed.is_valid_certno("110105194912310021")
    assert not seed.is_valid_certno("110105194902310029")  # 31 February


def test_at_least_fifty_distinct_persons() -> None:
    assert len(PERSONS) >= 50
    for attr in ("psn_no", "certno", "psn_name", "tel"):
        values = [getattr(p, attr) for p in PERSONS]
        assert len(set(values)) == len(values), attr


def test_every_id_number_is_valid_and_matches_the_person() -> None:
    for p in PERSONS:
        assert len(p.certno) == 18 and p.certno[:17].isdigit(), p
        assert gb11643_ok(p.certno) and seed.is_valid_certno(p.certno), p.certno
        assert p.certno[6:14] == f"{p.brdy:%Y%m%d}", p.certno
        assert int(p.certno[16]) % 2 == (1 if p.gend == "1" else 0), p.certno
        assert p.psn_cert_type == "01"
        assert p.age == seed.age_on(p.brdy, seed.SEED_DATE) >= 0
        assert seed.person_by_certno(p.certno) is p


def test_person_fields_have_the_bureau_shapes() -> None:
    for p in PERSONS:
        assert len(p.psn_no) == 20 and p.psn_no.isdigit()
        assert len(p.insuplc_admdvs) == 6 and p.insuplc_admdvs.isdigit()
        assert len(p.tel) == 11 and p.tel.startswith("1")
        assert p.gend in {"1", "2"} and len(p.naty) == 2
        assert p.psn_insu_stas in {"1", "2"} and p.cvlserv_flag in {"0", "1"}
        assert p.balc == p.balc.quantize(Decimal("0.01")) >= 0
        assert p.psn_insu_date <= seed.SEED_DATE
        assert (p.paus_insu_date is not None) == (p.psn_insu_stas == "2")
        assert seed.person_by_no(p.psn_no) is p
    assert seed.PERSONS[0].psn_no == "43000030281000128715" and seed.PERSONS[0].balc == Decimal("1500.00")


def test_required_categories_are_present() -> None:
    employees = [p for p in PERSONS if p.insutype == "310"]
    residents = [p for p in PERSONS if p.insutype == "390"]
    assert sum(p.psn_type == "1101" and p.cvlserv_flag == "0" for p in employees) >= 10
    assert sum(p.psn_type.startswith("12") for p in employees) >= 5
    assert sum(p.cvlserv_flag == "1" for p in employees) >= 3
    assert len(residents) >= 10 and all(p.balc == 0 for p in residents)
    assert {p.psn_type for p in residents} >= {"1401", "1402", "1501", "1601"}
    suspended = [p for p in PERSONS if p.psn_insu_stas == "2"]
    assert len(suspended) == 1
    elsewhere = [p for p in PERSONS if p.insuplc_admdvs != "430200"]
    assert [p.insuplc_admdvs for p in elsewhere] == ["440300"]
    exhausted = [p for p in employees if p.balc == 0]
    assert len(exhausted) == 1 and exhausted[0].psn_insu_stas == "1"
    identities = Counter(i.psn_idet_type for p in PERSONS for i in p.idetinfo)
    assert identities["01"] >= 1 and identities["02"] >= 1 and identities["03"] >= 1
    assert set(identities) <= set(seed.IDENTITY_TYPES)


def test_1101_blocks_and_initial_state() -> None:
    p = next(p for p in PERSONS if p.idetinfo and p.insutype == "390")
    base, insu, idet = p.baseinfo(), p.insuinfo(), p.idetinfo_rows()
    assert base["certno"] == p.certno and base["brdy"] == p.brdy.isoformat()
    assert insu["insutype"] == "390" and insu["balc"] == Decimal("0.00") and insu["paus_insu_date"] is None
    assert idet[0]["psn_idet_type"] in seed.IDENTITY_TYPES and str(idet[0]["begntime"]).endswith("00:00:00")
    state = p.initial_state(2025)
    assert (state.psn_no, state.balc, state.year) == (p.psn_no, p.balc, 2025)
    assert state.idet_types == tuple(i.psn_idet_type for i in p.idetinfo)


def test_catalog_spans_the_item_kinds() -> None:
    items = list(seed.CATALOG.values())
    assert len(items) >= 40
    assert {i.list_type for i in items} >= {"101", "102", "103", "201", "301"}
    assert {i.chrgitm_lv for i in items} == {"01", "02", "03"}
    assert sum(i.pric_uplmt_amt is not None for i in items) >= 5
    for item in items:
        if item.chrgitm_lv == "02":
            assert item.selfpay_prop is not None and 0 < item.selfpay_prop < 1, item
        else:
            assert item.selfpay_prop is None, item
        assert item.ref_pric is not None and item.in_catalog
        assert seed.lookup_item(item.med_list_codg) is item
        line = price_fee_line(item, 1, item.ref_pric)
        assert line.det_item_fee_sumamt == item.ref_pric
    # Code styles: 西药 X…, 中成药 Z…, 饮片 T…, 耗材 C…, services national-local
    prefixes = {i.list_type: i.med_list_codg[0] for i in items if i.list_type != "201"}
    assert prefixes == {"101": "X", "102": "Z", "103": "T", "301": "C"}
    assert all("-" in i.med_list_codg for i in items if i.list_type == "201")


def test_unknown_code_is_fully_self_paid() -> None:
    item = seed.lookup_item("XX0000", "院内自制")
    assert (item.chrgitm_lv, item.in_catalog, item.memo, item.name) == ("03", False, "目录外项目", "院内自制")


def test_institutions_departments_and_staff() -> None:
    codes = {i.fixmedins_code for i in seed.INSTITUTIONS}
    assert codes == {seed.DEMO_HOSPITAL, seed.DEMO_PHARMACY, seed.OTHER_REGION_HOSPITAL}
    hospital = seed.institution("H43028110001")
    assert hospital is not None and hospital.fixmedins_name == "湘潭市第一人民医院"
    assert hospital.fixmedins_type == "1" and seed.institution("P43028110002").fixmedins_type == "2"  # type: ignore[union-attr]
    assert not seed.institution(seed.OTHER_REGION_HOSPITAL).admdvs.startswith("43")  # type: ignore[union-attr]
    for inst in seed.INSTITUTIONS:
        assert len(inst.uscc) == 18 and gb32100_ok(inst.uscc), inst.uscc
    for dept in seed.DEPARTMENTS:
        assert dept.fixmedins_code in codes
    assert len(seed.departments_of(seed.DEMO_HOSPITAL)) >= 5
    assert len({(d.fixmedins_code, d.hosp_dept_codg) for d in seed.DEPARTMENTS}) == len(seed.DEPARTMENTS)
    assert len({s.prac_psn_code for s in seed.STAFF}) == len(seed.STAFF)
    for staff in seed.STAFF:
        assert gb11643_ok(staff.certno)
        assert staff.hosp_dept_codg in {d.hosp_dept_codg for d in seed.departments_of(staff.fixmedins_code)}
        assert staff.prac_psn_type in {"1", "2", "3", "4"}
    assert {s.prac_psn_type for s in seed.staff_of(seed.DEMO_PHARMACY)} == {"3"}
    assert not {s.certno for s in seed.STAFF} & {p.certno for p in PERSONS}


_DIGEST = (
    "import hashlib; from medical_insurance_sdk.sandbox import seed; "
    "print(hashlib.sha256(repr((seed.PERSONS, sorted(seed.CATALOG.items()), seed.INSTITUTIONS, "
    "seed.DEPARTMENTS, seed.STAFF)).encode()).hexdigest())"
)


def test_seed_is_deterministic_across_runs() -> None:
    here = hashlib.sha256(
        repr(
            (seed.PERSONS, sorted(seed.CATALOG.items()), seed.INSTITUTIONS, seed.DEPARTMENTS, seed.STAFF)
        ).encode()
    ).hexdigest()
    for hash_seed in ("1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run(
            [sys.executable, "-c", _DIGEST], capture_output=True, text=True, env=env, check=True
        )
        assert out.stdout.strip() == here
