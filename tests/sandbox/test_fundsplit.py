"""Fund split of the sandbox: worked examples with amounts derived by hand from policy.yaml, and properties.

The policy numbers used below (all from src/medical_insurance_sdk/sandbox/policy.yaml, pinned in
`test_policy_numbers_the_examples_rely_on`):
  310 职工  门诊: 年度起付线 1000, 统筹 60% (退休 65%), 门诊年度限额 5000
            住院: 每次起付线 800, 统筹 85% (退休 90%); 年封顶线 150000
            药店: 统筹 0%
  330 大额  住院 封顶线以上 90%, 年度 400000
  320 公务员 门诊 50%, 住院 60% of the in-scope personal part left after 统筹/大额
  390 居民  门诊: 无起付线, 50%, 年度限额 500;  住院: 每次起付线 500, 70%; 年封顶线 100000
  392 大病  住院 年度合规自付超过 15000 的部分 60%, 年度 400000
  610 救助  特困 01 / 低保 02, 住院 剩余政策范围内个人负担 70%, 年度 30000
  乙类 default 先行自付 10%
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from medical_insurance_sdk.sandbox import seed
from medical_insurance_sdk.sandbox.fund_policy import (
    FundSplitError,
    GroupRule,
    UnbalancedSettlementError,
    default_policy,
    load_policy,
    parse_policy,
)
from medical_insurance_sdk.sandbox.fund_pricing import CatalogItem, FeeLineResult, price_fee_line
from medical_insurance_sdk.sandbox.fundsplit import (
    AMOUNT_FIELDS,
    FUND_FIELDS,
    PersonState,
    Settlement,
    YearToDate,
    deductible_key,
    fund_key,
    group_pool_key,
    reverse,
    selfpay_key,
    settle,
)

D = Decimal
CLASS_A = CatalogItem("T-A", "甲类测试药", "101", "09", "01")
CLASS_B = CatalogItem("T-B", "乙类测试药", "101", "09", "02", selfpay_prop=D("0.10"))
CLASS_C = CatalogItem("T-C", "丙类测试药", "101", "09", "03")
BED_SINGLE = CatalogItem("T-BED", "单人间床位费", "201", "01", "01", pric_uplmt_amt=D("40.00"))
LENS = CatalogItem("T-LENS", "人工晶体", "301", "08", "02", selfpay_prop=D("0.20"), pric_uplmt_amt=D("2000"))


def a(amount: str) -> FeeLineResult:
    return price_fee_line(CLASS_A, 1, amount)


def b(amount: str) -> FeeLineResult:
    return price_fee_line(CLASS_B, 1, amount)


def c(amount: str) -> FeeLineResult:
    return price_fee_line(CLASS_C, 1, amount)


def person(
    psn_type: str = "1101",
    balc: str = "0",
    *,
    cvlserv_flag: str = "0",
    idet_types: tuple[str, ...] = (),
    ytd: dict[str, str] | None = None,
) -> PersonState:
    return PersonState(
        psn_no="43000030281000999999",
        psn_type=psn_type,
        balc=D(balc),
        year=2025,
        cvlserv_flag=cvlserv_flag,
        idet_types=idet_types,
        year_to_date=YearToDate.of(ytd or {}),
    )


def _policy_text() -> str:
    return resources.files("medical_insurance_sdk.sandbox").joinpath("policy.yaml").read_text("utf-8")


def detail(s: Settlement) -> dict[str, Decimal]:
    return {row.fund_pay_type: row.fund_payamt for row in s.setldetail}


def test_policy_numbers_the_examples_rely_on() -> None:
    p = default_policy()
    emp, res = p.basic["310"], p.basic["390"]
    assert (emp.annual_cap, res.annual_cap) == (D("150000"), D("100000"))
    out, inp, pharm = emp.groups["outpatient"], emp.groups["inpatient"], emp.groups["pharmacy"]
    assert (out.deductible, out.deductible_basis, out.pool_ratio, out.retiree_bonus, out.annual_limit) == (
        D("1000"),
        "year",
        D("0.60"),
        D("0.05"),
        D("5000"),
    )
    assert (inp.deductible, inp.deductible_basis, inp.pool_ratio, inp.retiree_bonus) == (
        D("800"),
        "admission",
        D("0.85"),
        D("0.05"),
    )
    assert pharm.pool_ratio == 0
    r_out, r_in = res.groups["outpatient"], res.groups["inpatient"]
    assert (r_out.deductible, r_out.pool_ratio, r_out.annual_limit) == (D("0"), D("0.50"), D("500"))
    assert (r_in.deductible, r_in.deductible_basis, r_in.pool_ratio) == (D("500"), "admission", D("0.70"))
    funds = {f.insutype: f for f in p.supplementary}
    assert [f.insutype for f in p.supplementary] == ["330", "392", "320", "610"]
    assert (funds["330"].shares, funds["330"].annual_cap) == ({"inpatient": D("0.90")}, D("400000"))
    assert (funds["392"].threshold, funds["392"].shares["inpatient"]) == (D("15000"), D("0.60"))
    assert funds["320"].shares == {"outpatient": D("0.50"), "inpatient": D("0.60")}
    assert (funds["610"].shares, funds["610"].annual_cap) == ({"inpatient": D("0.70")}, D("30000"))
    assert p.class_b_default_selfpay_prop == D("0.10")
    assert p.personal_account.covers_out_of_scope and p.personal_account.list_in_setldetail


# ----------------------------------------------------------------------------------------------------------
# Fee lines (2204 / 2301 result rows)


def test_fee_line_class_a_b_c() -> None:
    # 甲 4 × 25.00 = 100.00, all in scope
    line = price_fee_line(CLASS_A, 4, "25.00")
    assert (line.det_item_fee_sumamt, line.inscp_scp_amt, line.selfpay_prop) == (D("100.00"), D("100.00"), 0)
    # 乙 2 × 100.00 = 200.00: 先行自付 10% = 20.00, in scope 180.00
    line = price_fee_line(CLASS_B, 2, "100.00")
    assert (line.preselfpay_amt, line.inscp_scp_amt, line.selfpay_prop) == (
        D("20.00"),
        D("180.00"),
        D("0.10"),
    )
    # 丙 50.00: fully self-paid, selfpay_prop 1
    line = price_fee_line(CLASS_C, 1, "50")
    assert (line.fulamt_ownpay_amt, line.inscp_scp_amt, line.selfpay_prop) == (D("50.00"), D("0.00"), 1)


def test_fee_line_price_cap() -> None:
    # 单人间 3 日 × 120.00 = 360.00; cap 40.00/日 → in scope 3 × 40 = 120.00, 超限价 240.00
    line = price_fee_line(BED_SINGLE, 3, "120")
    assert (line.overlmt_amt, line.inscp_scp_amt) == (D("240.00"), D("120.00"))
    # 人工晶体 2600.00, cap 2000.00, 乙 20%: 超限价 600.00, 先行自付 2000 × 20% = 400.00, in scope 1600.00
    line = price_fee_line(LENS, 1, "2600")
    assert (line.overlmt_amt, line.preselfpay_amt, line.inscp_scp_amt) == (D("600"), D("400"), D("1600"))
    # A price under the cap is untouched.
    assert price_fee_line(LENS, 1, "1500").overlmt_amt == 0


def test_fee_line_rounding_remainder_goes_to_inscp() -> None:
    # 3 × 0.333333 = 0.999999 → 1.00; 乙 15%: 先行自付 0.15, in scope 0.85
    item = dataclasses.replace(CLASS_B, selfpay_prop=D("0.15"))
    line = price_fee_line(item, 3, "0.333333")
    assert (line.det_item_fee_sumamt, line.preselfpay_amt, line.inscp_scp_amt) == (
        D("1"),
        D("0.15"),
        D("0.85"),
    )
    # 当归 7 g × 0.35 = 2.45; 5%: 0.1225 → 0.12 (half up), in scope 2.33
    line = price_fee_line(seed.lookup_item("T000400112"), 7, "0.35")
    assert (line.preselfpay_amt, line.inscp_scp_amt) == (D("0.12"), D("2.33"))
    # 33.33 × 10% = 3.333 → 3.33; in scope 30.00
    assert price_fee_line(CLASS_B, 1, "33.33").inscp_scp_amt == D("30.00")
    # cap: 3 × 10.005 = 30.015 → 30.02; capped 3 × 10.001 = 30.003 → 30.00; 超限价 0.02
    capped = dataclasses.replace(CLASS_A, pric_uplmt_amt=D("10.001"))
    line = price_fee_line(capped, 3, "10.005")
    assert (line.det_item_fee_sumamt, line.overlmt_amt, line.inscp_scp_amt) == (
        D("30.02"),
        D("0.02"),
        D("30"),
    )


def test_fee_line_out_of_catalog_and_unapproved_restriction() -> None:
    line = price_fee_line(seed.lookup_item("NOT-IN-CATALOG", "自带药品"), 2, "15.50")
    assert (line.fulamt_ownpay_amt, line.inscp_scp_amt, line.chrgitm_lv) == (D("31.00"), 0, "03")
    assert line.memo == "目录外项目"
    ceftriaxone = seed.lookup_item("XJ01DDA040B001010100010")  # 限制使用
    assert price_fee_line(ceftriaxone, 1, "9.60").inscp_scp_amt == D("8.64")  # 9.60 − 10%
    refused = price_fee_line(ceftriaxone, 1, "9.60", restricted_use_approved=False)
    assert (refused.fulamt_ownpay_amt, refused.memo) == (D("9.60"), "限制使用未审批，全自费")


def test_fee_line_refund_is_negative_and_balanced() -> None:
    line = price_fee_line(CLASS_B, -2, "100")
    assert (line.det_item_fee_sumamt, line.preselfpay_amt, line.inscp_scp_amt) == (
        D("-200"),
        D("-20"),
        D("-180"),
    )


def test_fee_line_result_row_scales() -> None:
    row = price_fee_line(LENS, "1", "2600").as_result_row()
    assert str(row["cnt"]) == "1.0000" and str(row["pric"]) == "2600.000000"
    assert str(row["pric_uplmt_amt"]) == "2000.000000" and str(row["selfpay_prop"]) == "0.2000"
    assert row["overlmt_amt"] == D("600.00") and "med_list_codg" not in row


def test_fee_line_refuses_floats_and_unbalanced_rows() -> None:
    with pytest.raises(TypeError):
        price_fee_line(CLASS_A, 1, 0.1)  # type: ignore[arg-type]
    good = a("10")
    with pytest.raises(UnbalancedSettlementError):
        dataclasses.replace(good, inscp_scp_amt=D("9.99"))


# ----------------------------------------------------------------------------------------------------------
# Worked settlements


def test_employee_outpatient_deductible_partly_used_account_pays() -> None:
    # 张三-like employee, balance 1500.00, 900.00 of the 1000.00 yearly outpatient 起付线 already paid.
    # Lines: 甲 100.00 + 乙 200.00 (先行自付 20.00) + 丙 50.00 = 350.00
    #   全自费 50.00, 先行自付 20.00, 符合范围 100 + 180 = 280.00
    #   起付线: min(280, 1000 − 900) = 100.00
    #   统筹: (280 − 100) × 60% = 108.00
    #   个人负担 350 − 108 = 242.00, all from the account (1500 ≥ 242) → balance 1258.00
    state = person("1101", "1500.00", ytd={deductible_key("310", "outpatient"): "900"})
    lines = [price_fee_line(CLASS_A, 4, "25.00"), price_fee_line(CLASS_B, 2, "100.00"), c("50.00")]
    s = settle(state, lines, insutype="310", med_type="11", acct_used_flag="1")
    assert s.amounts() | {"pool_prop_selfpay": s.pool_prop_selfpay, "balc": s.balc} == {
        "medfee_sumamt": D("350.00"),
        "fulamt_ownpay_amt": D("50.00"),
        "overlmt_selfpay": D("0"),
        "preselfpay_amt": D("20.00"),
        "inscp_scp_amt": D("280.00"),
        "act_pay_dedc": D("100.00"),
        "hifp_pay": D("108.00"),
        "cvlserv_pay": 0,
        "hifes_pay": 0,
        "hifmi_pay": 0,
        "hifob_pay": 0,
        "maf_pay": 0,
        "oth_pay": 0,
        "fund_pay_sumamt": D("108.00"),
        "psn_part_amt": D("242.00"),
        "acct_pay": D("242.00"),
        "psn_cash_pay": D("0"),
        "hosp_part_amt": 0,
        "acct_mulaid_pay": 0,
        "pool_prop_selfpay": D("0.6000"),
        "balc": D("1258.00"),
    }
    # setldetail: the pool (base 180.00, this year's room min(150000, 5000) = 5000.00) and the account row.
    pool, account = s.setldetail
    assert (pool.fund_pay_type, pool.inscp_scp_amt, pool.crt_payb_lmt_amt, pool.fund_payamt) == (
        "310100",
        D("180.00"),
        D("5000.00"),
        D("108.00"),
    )
    assert (account.fund_pay_type, account.crt_payb_lmt_amt, account.fund_payamt) == (
        "310200",
        D("1500.00"),
        D("242.00"),
    )
    # fund_pay_sumamt excludes the account (Hunan style) although setldetail lists it.
    assert s.fund_pay_sumamt == pool.fund_payamt
    assert s.state_after.year_to_date.as_dict() == {
        deductible_key("310", "outpatient"): D("1000.00"),
        group_pool_key("310", "outpatient"): D("108.00"),
        fund_key("310100"): D("108.00"),
    }


def test_inpatient_crossing_deductible_with_civil_servant_subsidy() -> None:
    # Civil servant, balance 1000.00, first admission of the year.
    # 甲 8000.00 + 乙 2000.00 (先行自付 200.00) + 丙 500.00 = 10500.00; 符合范围 9800.00
    #   起付线 800.00; 统筹 (9800 − 800) × 85% = 7650.00; 封顶线 not reached → no 大额
    #   公务员补助: (9800 − 7650) × 60% = 1290.00
    #   基金合计 7650 + 1290 = 8940.00; 个人负担 10500 − 8940 = 1560.00
    #   账户 1000.00 (all of it), 现金 560.00
    state = person("1101", "1000.00", cvlserv_flag="1")
    s = settle(state, [a("8000"), b("2000"), c("500")], insutype="310", med_type="21", acct_used_flag="1")
    assert (s.medfee_sumamt, s.inscp_scp_amt, s.preselfpay_amt, s.fulamt_ownpay_amt) == (
        D("10500"),
        D("9800"),
        D("200"),
        D("500"),
    )
    assert (s.act_pay_dedc, s.hifp_pay, s.hifob_pay, s.cvlserv_pay) == (D("800"), D("7650"), 0, D("1290"))
    assert (s.fund_pay_sumamt, s.psn_part_amt, s.acct_pay, s.psn_cash_pay) == (
        D("8940"),
        D("1560"),
        D("1000"),
        D("560"),
    )
    assert s.balc == 0 and s.pool_prop_selfpay == D("0.8500")
    assert detail(s) == {"310100": D("7650"), "320100": D("1290"), "310200": D("1000")}
    # An inpatient deductible is per admission: nothing is counted against a yearly deductible.
    assert s.state_after.year_to_date.get(deductible_key("310", "inpatient")) == 0


def test_retiree_gets_the_higher_ratio() -> None:
    # Retiree (1201), deductible met: 甲 300.00 × (60% + 5%) = 195.00; account not used → cash 105.00
    state = person("1201", "3000.00", ytd={deductible_key("310", "outpatient"): "1000"})
    s = settle(state, [a("300")], insutype="310", med_type="11", acct_used_flag="0")
    assert (s.act_pay_dedc, s.hifp_pay, s.acct_pay, s.psn_cash_pay, s.balc) == (
        0,
        D("195.00"),
        0,
        D("105.00"),
        D("3000.00"),
    )
    assert s.pool_prop_selfpay == D("0.6500")
    # Inpatient: 甲 10800.00 − 起付线 800 = 10000 × 90% = 9000.00; 个人 1800.00 from the account → 1200.00
    s = settle(state, [a("10800")], insutype="310", med_type="21", acct_used_flag="1")
    assert (s.hifp_pay, s.psn_part_amt, s.acct_pay, s.psn_cash_pay, s.balc) == (
        D("9000"),
        D("1800"),
        D("1800"),
        0,
        D("1200"),
    )


def test_resident_has_no_account() -> None:
    # Resident outpatient: no 起付线, 甲 80.00 × 50% = 40.00; 丙 20.00; 个人 60.00 in cash (no account)
    s = settle(person("1501"), [a("80"), c("20")], insutype="390", med_type="11", acct_used_flag="1")
    assert (s.act_pay_dedc, s.hifp_pay, s.psn_part_amt, s.acct_pay, s.psn_cash_pay) == (
        0,
        D("40"),
        D("60"),
        0,
        D("60"),
    )
    assert detail(s) == {"390100": D("40")}
    # Resident inpatient: 甲 10000 + 乙 1000 (先行自付 100) → 符合范围 10900; 起付线 500;
    #   统筹 10400 × 70% = 7280.00; 合规自付 10900 − 7280 = 3620 < 15000 → no 大病;
    #   现金 11000 − 7280 = 3720
    s = settle(person("1501"), [a("10000"), b("1000")], insutype="390", med_type="21", acct_used_flag="0")
    assert (s.act_pay_dedc, s.hifp_pay, s.hifmi_pay, s.psn_cash_pay) == (D("500"), D("7280"), 0, D("3720"))
    assert s.state_after.year_to_date.get(selfpay_key("390200")) == D("3620")


def test_exhausted_and_nearly_exhausted_account() -> None:
    # Employee with balance 0.00, deductible met: 甲 200.00 → 统筹 120.00; 个人 80.00 all cash, no 310200 row
    ytd = {deductible_key("310", "outpatient"): "1000"}
    s = settle(person("1101", "0", ytd=ytd), [a("200")], insutype="310", med_type="11", acct_used_flag="1")
    assert (s.hifp_pay, s.acct_pay, s.psn_cash_pay, s.balc) == (D("120"), 0, D("80"), 0)
    assert "310200" not in detail(s)
    # Balance 35.60: the account pays what it has, cash the rest (80.00 − 35.60 = 44.40)
    s = settle(
        person("1101", "35.60", ytd=ytd), [a("200")], insutype="310", med_type="11", acct_used_flag="1"
    )
    assert (s.acct_pay, s.psn_cash_pay, s.balc) == (D("35.60"), D("44.40"), 0)


def test_cap_reached_large_amount_fund_pays() -> None:
    # 148300.00 of the 150000.00 封顶线 already used. Inpatient 甲 20000.00:
    #   起付线 800; 统筹 would be 19200 × 85% = 16320.00 but only 1700.00 is left under the cap
    #   1700.00 covers 1700 / 85% = 2000.00 of cost; 封顶线以上 19200 − 2000 = 17200.00
    #   大额 17200 × 90% = 15480.00; 基金 17180.00; 个人 20000 − 17180 = 2820.00 (= 800 + 300 + 1720)
    state = person("1101", "0", ytd={fund_key("310100"): "148300"})
    s = settle(state, [a("20000")], insutype="310", med_type="21", acct_used_flag="0")
    assert (s.act_pay_dedc, s.hifp_pay, s.hifob_pay, s.fund_pay_sumamt, s.psn_cash_pay) == (
        D("800"),
        D("1700"),
        D("15480"),
        D("17180"),
        D("2820"),
    )
    pool, large = s.setldetail
    assert (pool.crt_payb_lmt_amt, large.fund_pay_type, large.inscp_scp_amt) == (
        D("1700"),
        "330100",
        D("17200"),
    )
    assert s.state_after.year_to_date.get(fund_key("310100")) == D("150000")
    # Next admission: the pool is exhausted, 大额 carries the whole in-scope amount above the deductible.
    #   甲 10800 → 10000 × 90% = 9000.00 from 大额
    s2 = settle(s.state_after, [a("10800")], insutype="310", med_type="21", acct_used_flag="0")
    assert (s2.hifp_pay, s2.hifob_pay, s2.psn_cash_pay) == (0, D("9000"), D("1800"))


def test_resident_serious_illness_crosses_the_threshold() -> None:
    # 14000.00 合规自付 already this year. Inpatient 甲 30000.00:
    #   起付线 500; 统筹 29500 × 70% = 20650.00; 合规自付 30000 − 20650 = 9350.00
    #   大病: 9350 − (15000 − 14000) = 8350.00 above the threshold × 60% = 5010.00
    #   基金 25660.00; 现金 4340.00
    state = person("1501", ytd={selfpay_key("390200"): "14000"})
    s = settle(state, [a("30000")], insutype="390", med_type="21", acct_used_flag="0")
    assert (s.hifp_pay, s.hifmi_pay, s.fund_pay_sumamt, s.psn_cash_pay) == (
        D("20650"),
        D("5010"),
        D("25660"),
        D("4340"),
    )
    assert detail(s)["390200"] == D("5010")
    assert s.state_after.year_to_date.get(selfpay_key("390200")) == D("23350")


def test_medical_assistance_for_low_income_resident() -> None:
    # 低保 (02) resident, inpatient 甲 10000.00: 起付线 500; 统筹 9500 × 70% = 6650.00;
    #   合规自付 3350.00 (< 大病 threshold); 医疗救助 3350 × 70% = 2345.00; 现金 10000 − 8995 = 1005.00
    s = settle(
        person("1501", idet_types=("02",)), [a("10000")], insutype="390", med_type="21", acct_used_flag="0"
    )
    assert (s.hifp_pay, s.hifmi_pay, s.maf_pay, s.fund_pay_sumamt, s.psn_cash_pay) == (
        D("6650"),
        0,
        D("2345"),
        D("8995"),
        D("1005"),
    )
    # Outpatient visits get no assistance under the policy.
    s = settle(
        person("1501", idet_types=("02",)), [a("100")], insutype="390", med_type="11", acct_used_flag="0"
    )
    assert s.maf_pay == 0


def test_outpatient_annual_limit() -> None:
    # Resident: 480.00 of the 500.00 门诊限额 used; 甲 80.00 × 50% = 40.00 but only 20.00 left → 统筹 20.00
    state = person("1501", ytd={group_pool_key("390", "outpatient"): "480"})
    s = settle(state, [a("80")], insutype="390", med_type="11", acct_used_flag="0")
    assert (s.hifp_pay, s.psn_cash_pay) == (D("20"), D("60"))
    # Employee: the outpatient limit is not the 封顶线, so 大额 does not step in.
    ytd = {deductible_key("310", "outpatient"): "1000", group_pool_key("310", "outpatient"): "5000"}
    s = settle(person("1101", ytd=ytd), [a("200")], insutype="310", med_type="11", acct_used_flag="0")
    assert (s.hifp_pay, s.hifob_pay, s.psn_cash_pay) == (0, 0, D("200"))


def test_pharmacy_purchase_paid_by_account() -> None:
    # 2101/2102: 阿莫西林 2 × 12.50 = 25.00 (甲) + 复合维生素 60.00 (丙) = 85.00; the pool pays nothing at a
    # pharmacy, the account pays everything (it may pay 自费 items too) → balance 1500.00 − 85.00 = 1415.00
    amoxicillin, vitamins = (
        seed.lookup_item("XJ01CAA040A001010100001"),
        seed.lookup_item("XA11JAF000A001010100015"),
    )
    lines = [price_fee_line(amoxicillin, 2, "12.50"), price_fee_line(vitamins, 1, "60.00")]
    s = settle(person("1101", "1500"), lines, insutype="310", med_type="41", acct_used_flag="1")
    assert (s.medfee_sumamt, s.fund_pay_sumamt, s.acct_pay, s.psn_cash_pay, s.balc) == (
        D("85"),
        0,
        D("85"),
        0,
        D("1415"),
    )
    assert s.pool_prop_selfpay == 0 and detail(s) == {"310200": D("85")}


def test_seed_person_settles() -> None:
    zhang = seed.person_by_no("43000030281000128715")
    assert zhang is not None
    # 诊查费 10.00 + 血常规 20.00, first visit of the year: all under the 1000.00 起付线 → account 30.00
    lines = [
        price_fee_line(seed.lookup_item("001102000010000-110200001"), 1, "10"),
        price_fee_line(seed.lookup_item("002501010010000-250101001"), 1, "20"),
    ]
    s = settle(zhang.initial_state(2025), lines, insutype="310", med_type="11", acct_used_flag="1")
    assert (s.act_pay_dedc, s.hifp_pay, s.acct_pay, s.balc) == (D("30"), 0, D("30"), D("1470"))


# ----------------------------------------------------------------------------------------------------------
# Reversal (2208 / 2305 / 2103, 2601)


def test_reverse_negates_and_restores_the_person() -> None:
    state = person("1101", "1000.00", cvlserv_flag="1")
    s = settle(state, [a("8000"), b("2000"), c("500")], insutype="310", med_type="21", acct_used_flag="1")
    r = reverse(s)
    assert r.reversal and r.amounts() == {k: -v for k, v in s.amounts().items()}
    assert (r.medfee_sumamt, r.hifp_pay, r.cvlserv_pay, r.acct_pay, r.psn_cash_pay) == (
        D("-10500"),
        D("-7650"),
        D("-1290"),
        D("-1000"),
        D("-560"),
    )
    assert r.balc == D("1000.00") and r.state_after == state
    assert [row.fund_payamt for row in r.setldetail] == [D("-7650"), D("-1290"), D("-1000")]
    assert str(r.hifes_pay) == "0.00"  # a zero stays a zero, never "-0.00"


def test_reverse_an_older_settlement_against_the_current_state() -> None:
    ytd = {deductible_key("310", "outpatient"): "1000"}
    s0 = person("1101", "500", ytd=ytd)
    first = settle(s0, [a("100")], insutype="310", med_type="11", acct_used_flag="1")  # 统筹 60, 账户 40
    second = settle(first.state_after, [a("300")], insutype="310", med_type="11", acct_used_flag="1")
    undo_first = reverse(first, state=second.state_after)
    assert undo_first.state_after.balc == D("500") - second.acct_pay
    assert undo_first.state_after.year_to_date.get(fund_key("310100")) == second.hifp_pay
    assert reverse(second, state=undo_first.state_after).state_after == s0
    assert s0.apply(first) == first.state_after


def test_reverse_refuses_another_person() -> None:
    s = settle(person("1101", "10"), [a("10")], insutype="310", med_type="11", acct_used_flag="1")
    with pytest.raises(FundSplitError):
        reverse(s, state=dataclasses.replace(s.state_after, psn_no="other"))


def test_new_year_restarts_the_counters() -> None:
    state = person("1101", "10", ytd={deductible_key("310", "outpatient"): "1000"})
    assert state.for_year(2025) is state
    fresh = state.for_year(2026)
    assert (fresh.year, fresh.year_to_date, fresh.balc) == (2026, YearToDate(), D("10"))


# ----------------------------------------------------------------------------------------------------------
# Errors and policy loading


def test_unbalanced_settlement_cannot_exist() -> None:
    s = settle(person("1101", "100"), [a("100")], insutype="310", med_type="11", acct_used_flag="1")
    with pytest.raises(UnbalancedSettlementError, match="psn_part_amt = acct_pay"):
        dataclasses.replace(s, psn_cash_pay=s.psn_cash_pay + D("0.01"))
    with pytest.raises(UnbalancedSettlementError, match="quantized"):
        dataclasses.replace(s, hosp_part_amt=D("0.001"), psn_cash_pay=s.psn_cash_pay - D("0.001"))


def test_unknown_insutype_med_type_and_negative_basket() -> None:
    with pytest.raises(FundSplitError, match="insutype 320"):
        settle(person(), [a("10")], insutype="320", med_type="11", acct_used_flag="0")
    with pytest.raises(FundSplitError, match="med_type 99"):
        settle(person(), [a("10")], insutype="310", med_type="99", acct_used_flag="0")
    with pytest.raises(FundSplitError, match="negative"):
        settle(
            person(), [price_fee_line(CLASS_A, -1, "10")], insutype="310", med_type="21", acct_used_flag="0"
        )


def test_load_policy_from_a_path(tmp_path: Path) -> None:
    text = _policy_text()
    assert load_policy() is default_policy()
    custom = tmp_path / "policy.yaml"
    custom.write_text(text.replace("pool_ratio: 0.85", "pool_ratio: 0.80"), encoding="utf-8")
    policy = load_policy(custom)
    # 甲 10800 − 800 = 10000 × 80% = 8000.00 under the custom policy
    s = settle(person(), [a("10800")], insutype="310", med_type="21", acct_used_flag="0", policy=policy)
    assert s.hifp_pay == D("8000")
    assert isinstance(policy.basic["310"].groups["inpatient"].pool_ratio, Decimal)


def test_invalid_policies_are_refused() -> None:
    text = _policy_text()
    with pytest.raises(FundSplitError, match="less than or equal to 1"):
        parse_policy(text.replace("pool_ratio: 0.85", "pool_ratio: 1.85"))
    with pytest.raises(FundSplitError, match="med_type 41 is in both"):
        parse_policy(text.replace('    - "28"\n', '    - "28"\n    - "41"\n'))
    with pytest.raises(FundSplitError, match="exceeds 1"):
        parse_policy(text.replace("pool_ratio: 0.85", "pool_ratio: 0.98"))
    with pytest.raises(ValidationError, match="not floats"):
        GroupRule(deductible_basis="year", pool_ratio=0.6)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------------------------------------
# Properties over random baskets and person states

_POLICY = default_policy()
_ITEMS = [*seed.CATALOG.values(), CLASS_A, CLASS_B, CLASS_C, BED_SINGLE, LENS, seed.lookup_item("UNKNOWN")]
_MED_TYPES = [m for group in _POLICY.med_type_groups.values() for m in group]
_CENTS = st.decimals(min_value=0, max_value=200000, places=2)


@st.composite
def _states(draw: st.DrawFn) -> tuple[str, PersonState]:
    insutype = draw(st.sampled_from(["310", "390"]))
    psn_type = draw(
        st.sampled_from(["1101", "1102", "1201"] if insutype == "310" else ["1401", "1501", "1601"])
    )
    keys = [
        deductible_key(insutype, "outpatient"),
        group_pool_key(insutype, "outpatient"),
        fund_key(_POLICY.basic[insutype].fund_pay_type),
        *(fund_key(f.fund_pay_type) for f in _POLICY.supplementary),
        selfpay_key("390200"),
    ]
    ytd = {key: draw(_CENTS) for key in keys if draw(st.booleans())}
    return insutype, PersonState(
        psn_no="P",
        psn_type=psn_type,
        balc=draw(st.decimals(min_value=0, max_value=20000, places=2)) if insutype == "310" else D(0),
        year=2025,
        cvlserv_flag=draw(st.sampled_from(["0", "1"])),
        idet_types=tuple(draw(st.sets(st.sampled_from(["01", "02", "03"])))),
        year_to_date=YearToDate.of(ytd),
    )


_LINES = st.lists(
    st.builds(
        price_fee_line,
        st.sampled_from(_ITEMS),
        st.decimals(min_value=D("0.0001"), max_value=50, places=4),
        st.decimals(min_value=0, max_value=5000, places=6),
    ),
    max_size=8,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    person_case=_states(),
    lines=_LINES,
    med_type=st.sampled_from(_MED_TYPES),
    acct_used_flag=st.sampled_from(["0", "1"]),
)
def test_settlement_properties(
    person_case: tuple[str, PersonState], lines: list[FeeLineResult], med_type: str, acct_used_flag: str
) -> None:
    insutype, state = person_case
    s = settle(state, lines, insutype=insutype, med_type=med_type, acct_used_flag=acct_used_flag)
    amounts = s.amounts()
    # The four identities of reference §9, exactly.
    assert s.medfee_sumamt == s.fund_pay_sumamt + s.psn_part_amt + s.hosp_part_amt
    assert s.psn_part_amt == s.acct_pay + s.psn_cash_pay
    assert s.medfee_sumamt == s.fulamt_ownpay_amt + s.overlmt_selfpay + s.preselfpay_amt + s.inscp_scp_amt
    assert s.fund_pay_sumamt == sum(amounts[name] for name in FUND_FIELDS)
    assert s.medfee_sumamt == sum(line.det_item_fee_sumamt for line in lines)
    # Never negative, always to the cent; the account never goes below zero; no zero rows in setldetail.
    assert all(v >= 0 and v == v.quantize(D("0.01")) for v in amounts.values())
    assert s.acct_pay <= state.balc and s.balc == state.balc - s.acct_pay >= 0
    assert all(row.fund_payamt > 0 for row in s.setldetail)
    if insutype == "390":
        assert s.acct_pay == 0
    # Funds never pay beyond what is in scope, and never push a yearly counter past its cap.
    assert s.fund_pay_sumamt <= s.inscp_scp_amt
    cap = _POLICY.basic[insutype].annual_cap
    before, after = state.year_to_date, s.state_after.year_to_date
    basic_key = fund_key(_POLICY.basic[insutype].fund_pay_type)
    assert after.get(basic_key) <= max(cap, before.get(basic_key))
    # Applying and reversing are exact inverses.
    assert state.apply(s) == s.state_after
    r = reverse(s)
    assert r.state_after == state
    assert r.amounts() == {name: -value for name, value in amounts.items()}
    assert reverse(r).amounts() == amounts
    # Deterministic.
    assert settle(state, lines, insutype=insutype, med_type=med_type, acct_used_flag=acct_used_flag) == s


@settings(max_examples=300, deadline=None)
@given(
    item=st.sampled_from(_ITEMS),
    cnt=st.decimals(min_value=-100, max_value=100, places=4),
    pric=st.decimals(min_value=0, max_value=100000, places=6),
)
def test_fee_line_parts_always_sum(item: CatalogItem, cnt: Decimal, pric: Decimal) -> None:
    line = price_fee_line(item, cnt, pric)
    parts = (line.fulamt_ownpay_amt, line.overlmt_amt, line.preselfpay_amt, line.inscp_scp_amt)
    assert (
        sum(parts) == line.det_item_fee_sumamt == (cnt * pric).quantize(D("0.01"), rounding="ROUND_HALF_UP")
    )
    assert all(p == p.quantize(D("0.01")) for p in parts)
    if cnt >= 0:
        assert all(p >= 0 for p in parts)
    if item.chrgitm_lv == "03" or not item.in_catalog:
        assert line.fulamt_ownpay_amt == line.det_item_fee_sumamt


def test_amount_fields_cover_the_settlement() -> None:
    names = {f.name for f in dataclasses.fields(Settlement)}
    assert set(AMOUNT_FIELDS) <= names and set(FUND_FIELDS) <= set(AMOUNT_FIELDS)
