"""Fund split of the sandbox bureau: prices fee lines (2204/2301) and settles visits (2206/2207, 2303/2304,
2101/2102) from the policy in `policy.yaml`, and reverses settlements (2208/2305/2103, 2601).

    line = price_fee_line(item, Decimal("2"), Decimal("12.50"))
    settlement = settle(state, [line], insutype="310", med_type="11", acct_used_flag="1")
    state = settlement.state_after            # or state.apply(settlement)
    cancel = reverse(settlement)              # negated amounts; cancel.state_after restores the person

Everything is pure: Decimal only, no I/O except reading the policy file, immutable results.

Rounding (where the remainder goes):
- A fee line: the amount is cnt × pric rounded half-up to 0.01. 超限价 is the amount minus the rounded capped
  amount (cnt × pric_uplmt_amt); 先行自付 is the rounded share of what is left; 符合政策范围 takes the
  remainder. So the four parts always add up to the line amount exactly.
- A settlement: every fund payment is one rounded product (base × ratio); the personal part is the
  remainder (倒挤), and the personal account pays first with cash taking the remainder of that.

Conventions:
- `fund_pay_sumamt` EXCLUDES the personal account (Hunan style): it is the sum of hifp_pay, cvlserv_pay,
  hifes_pay, hifmi_pay, hifob_pay, maf_pay and oth_pay; `acct_pay` is part of `psn_part_amt`.
- `setldetail` lists every fund with a non-zero payment, then the personal account as row 310200 when
  acct_pay is non-zero (policy `personal_account.list_in_setldetail`). Each row's `inscp_scp_amt` is the base
  that fund was computed on, and `crt_payb_lmt_amt` is what it could still pay this year (for the account:
  the balance before the visit).
- `pool_prop_selfpay` is the 5,4 ratio the basic pool applied (spec: 统筹支付比例), not an amount.
- hifes_pay, oth_pay, hosp_part_amt and acct_mulaid_pay are always 0.00 (not modelled).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

CENT = Decimal("0.01")
RATIO_PLACES = Decimal("0.0001")
ZERO = Decimal("0.00")
ONE = Decimal("1")

GroupName = Literal["outpatient", "inpatient", "pharmacy"]
GROUPS: tuple[GroupName, ...] = ("outpatient", "inpatient", "pharmacy")
SettleField = Literal["cvlserv_pay", "hifes_pay", "hifmi_pay", "hifob_pay", "maf_pay", "oth_pay"]
FundKind = Literal["above_cap", "above_threshold", "civil_servant", "assistance"]

#: 2204/2301 chrgitm_lv: 甲类 fully in scope, 乙类 with 先行自付, 丙类 fully self-paid.
CLASS_A, CLASS_B, CLASS_C = "01", "02", "03"
OUT_OF_CATALOG_MEMO = "目录外项目"


class FundSplitError(ValueError):
    """A settlement cannot be computed: unknown insutype or med_type, a negative basket, a bad policy."""


class UnbalancedSettlementError(FundSplitError):
    """A settlement broke one of the amount identities; raised instead of ever returning it."""


def money(value: Decimal) -> Decimal:
    """Round to the cent, half up (四舍五入), as the bureau's 16,2 amounts."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def exact(value: Decimal | int | str) -> Decimal:
    """An exact Decimal from a Decimal, int or numeric string; floats are refused (they are not exact)."""
    if isinstance(value, bool | float):
        raise TypeError(f"use Decimal, int or str for money, not {type(value).__name__}: {value!r}")
    return value if isinstance(value, Decimal) else Decimal(value)


# ----------------------------------------------------------------------------------------------------------
# Policy (policy.yaml as a pydantic model)


def _no_float(value: object) -> object:
    # The YAML loader below reads 0.60 as Decimal("0.60"); a float here means a hand-built model.
    if isinstance(value, float):
        raise ValueError("write amounts and ratios as exact decimals, not floats")
    return value


Amount = Annotated[Decimal, BeforeValidator(_no_float), Field(ge=0)]
Ratio = Annotated[Decimal, BeforeValidator(_no_float), Field(ge=0, le=1)]
FundCode = Annotated[str, Field(pattern=r"^\d{6}$")]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class GroupRule(_Model):
    """Basic-pool rule of one insutype for one med_type group: 起付线, 统筹比例, 门诊年度限额."""

    deductible: Amount = Decimal(0)
    deductible_basis: Literal["year", "admission"]
    pool_ratio: Ratio
    retiree_bonus: Ratio = Decimal(0)
    annual_limit: Amount | None = None

    @model_validator(mode="after")
    def _ratio_at_most_one(self) -> GroupRule:
        if self.pool_ratio + self.retiree_bonus > ONE:
            raise ValueError("pool_ratio + retiree_bonus exceeds 1")
        return self


class BasicScheme(_Model):
    """One basic scheme (310 职工, 390 居民): its fund, account, yearly cap and per-group rules."""

    label: str
    fund_pay_type: FundCode
    fund_pay_type_name: str
    personal_account: bool
    annual_cap: Amount
    groups: dict[GroupName, GroupRule]

    @model_validator(mode="after")
    def _every_group(self) -> BasicScheme:
        missing = [g for g in GROUPS if g not in self.groups]
        if missing:
            raise ValueError(f"{self.label}: no rule for groups {missing}")
        return self


class SupplementaryFund(_Model):
    """A fund paid after the basic pool: 330 大额, 392 大病, 320 公务员补助, 610 医疗救助."""

    insutype: str
    label: str
    fund_pay_type: FundCode
    fund_pay_type_name: str
    settle_field: SettleField
    applies_to: tuple[str, ...]
    kind: FundKind
    shares: dict[GroupName, Ratio]
    threshold: Amount | None = None
    annual_cap: Amount | None = None
    idet_types: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _kind_needs(self) -> SupplementaryFund:
        if (self.kind == "above_threshold") != (self.threshold is not None):
            raise ValueError(f"{self.label}: `threshold` is required for, and only for, kind above_threshold")
        if (self.kind == "assistance") != bool(self.idet_types):
            raise ValueError(f"{self.label}: `idet_types` is required for, and only for, kind assistance")
        return self


class AccountRule(_Model):
    """How the personal account (个人账户) pays and is reported."""

    fund_pay_type: FundCode
    fund_pay_type_name: str
    covers_out_of_scope: bool
    list_in_setldetail: bool


class Policy(_Model):
    """The whole fund-split policy; `load_policy()` reads it from YAML."""

    version: str
    name: str
    admdvs: str
    med_type_groups: dict[GroupName, tuple[str, ...]]
    class_b_default_selfpay_prop: Ratio
    retiree_psn_type_prefixes: tuple[str, ...]
    personal_account: AccountRule
    basic: dict[str, BasicScheme]
    supplementary: tuple[SupplementaryFund, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Policy:
        seen: dict[str, str] = {}
        for group, med_types in self.med_type_groups.items():
            for med_type in med_types:
                if med_type in seen:
                    raise ValueError(f"med_type {med_type} is in both {seen[med_type]} and {group}")
                seen[med_type] = group
        fields = [fund.settle_field for fund in self.supplementary]
        if len(set(fields)) != len(fields):
            raise ValueError("two supplementary funds write the same settle_field")
        codes = [s.fund_pay_type for s in self.basic.values()] + [f.fund_pay_type for f in self.supplementary]
        codes.append(self.personal_account.fund_pay_type)
        if len(set(codes)) != len(codes):
            raise ValueError("fund_pay_type codes must be unique")
        for fund in self.supplementary:
            unknown = set(fund.applies_to) - set(self.basic)
            if unknown:
                raise ValueError(f"{fund.label}: applies_to unknown insutypes {sorted(unknown)}")
        return self

    def group_of(self, med_type: str) -> GroupName:
        """The med_type group (outpatient / inpatient / pharmacy) of a med_type code."""
        for group, med_types in self.med_type_groups.items():
            if med_type in med_types:
                return group
        raise FundSplitError(f"med_type {med_type} is not settled by the sandbox policy")

    def scheme(self, insutype: str) -> BasicScheme:
        """The basic scheme a person is settled under (310 or 390)."""
        try:
            return self.basic[insutype]
        except KeyError:
            raise FundSplitError(f"insutype {insutype} is not a basic scheme of the sandbox policy") from None

    def is_retiree(self, psn_type: str) -> bool:
        return psn_type.startswith(self.retiree_psn_type_prefixes)


class _DecimalLoader(yaml.SafeLoader):
    """A YAML loader that reads 0.60 as Decimal("0.60"), so the policy never passes through a float."""


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal:
    assert isinstance(node, yaml.ScalarNode)
    return Decimal(loader.construct_scalar(node).replace("_", ""))


_DecimalLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)


def parse_policy(text: str) -> Policy:
    """A Policy from YAML text; raises FundSplitError with pydantic's explanation if it is invalid."""
    try:
        return Policy.model_validate(yaml.load(text, Loader=_DecimalLoader))
    except ValidationError as exc:
        raise FundSplitError(f"invalid fund-split policy: {exc}") from exc


def load_policy(path: str | Path | None = None) -> Policy:
    """The policy from `path`, or the documented sandbox policy shipped with the package."""
    if path is None:
        return default_policy()
    return parse_policy(Path(path).read_text(encoding="utf-8"))


@cache
def default_policy() -> Policy:
    """The packaged `policy.yaml`, read once."""
    return parse_policy(
        resources.files("medical_insurance_sdk.sandbox").joinpath("policy.yaml").read_text(encoding="utf-8")
    )


# ----------------------------------------------------------------------------------------------------------
# Fee lines (2204 / 2301 result rows)


@dataclass(frozen=True, slots=True)
class CatalogItem:
    """One entry of the sandbox 医保目录 as the fee-line split needs it."""

    med_list_codg: str
    name: str
    list_type: str
    med_chrgitm_type: str
    chrgitm_lv: str
    selfpay_prop: Decimal | None = None  # 乙类 先行自付比例; None = the policy default
    pric_uplmt_amt: Decimal | None = None  # 限价 per unit; None = no cap
    lmt_used_flag: str = "0"
    spec: str = ""
    prcunt: str = ""
    ref_pric: Decimal | None = None  # the demo hospital's usual price, for examples
    bas_medn_flag: str = "0"
    hi_nego_drug_flag: str = "0"
    chld_medc_flag: str = "0"
    list_sp_item_flag: str = "0"
    drt_reim_flag: str = "0"
    in_catalog: bool = True
    memo: str = ""


def out_of_catalog_item(med_list_codg: str, name: str = "") -> CatalogItem:
    """The stand-in for a code the catalog does not know: 丙类, fully self-paid, memo 目录外项目."""
    return CatalogItem(
        med_list_codg=med_list_codg,
        name=name,
        list_type="",
        med_chrgitm_type="14",
        chrgitm_lv=CLASS_C,
        in_catalog=False,
        memo=OUT_OF_CATALOG_MEMO,
    )


@dataclass(frozen=True, slots=True)
class FeeLineResult:
    """One priced detail line: the 2204/2301 `output.result[]` row, with its four parts summing exactly."""

    feedetl_sn: str
    med_list_codg: str
    cnt: Decimal
    pric: Decimal
    det_item_fee_sumamt: Decimal
    fulamt_ownpay_amt: Decimal
    overlmt_amt: Decimal
    preselfpay_amt: Decimal
    inscp_scp_amt: Decimal
    pric_uplmt_amt: Decimal | None
    selfpay_prop: Decimal
    chrgitm_lv: str
    med_chrgitm_type: str
    bas_medn_flag: str = "0"
    hi_nego_drug_flag: str = "0"
    chld_medc_flag: str = "0"
    list_sp_item_flag: str = "0"
    lmt_used_flag: str = "0"
    drt_reim_flag: str = "0"
    memo: str = ""

    def __post_init__(self) -> None:
        parts = self.fulamt_ownpay_amt + self.overlmt_amt + self.preselfpay_amt + self.inscp_scp_amt
        if parts != self.det_item_fee_sumamt:
            raise UnbalancedSettlementError(f"fee line {self.feedetl_sn}: parts {parts} != amount")

    def as_result_row(self) -> dict[str, object]:
        """The 2204/2301 result row, with the spec's scales (cnt 16,4; pric 16,6; selfpay_prop 5,4)."""
        row: dict[str, object] = {
            name: getattr(self, name) for name in (f.name for f in dataclasses.fields(self))
        }
        row.pop("med_list_codg")
        row["cnt"] = self.cnt.quantize(Decimal("0.0001"))
        row["pric"] = self.pric.quantize(Decimal("0.000001"))
        row["pric_uplmt_amt"] = (
            None if self.pric_uplmt_amt is None else self.pric_uplmt_amt.quantize(Decimal("0.000001"))
        )
        row["selfpay_prop"] = self.selfpay_prop.quantize(RATIO_PLACES)
        return row


def price_fee_line(
    item: CatalogItem,
    cnt: Decimal | int | str,
    pric: Decimal | int | str,
    *,
    feedetl_sn: str = "",
    restricted_use_approved: bool = True,
    policy: Policy | None = None,
) -> FeeLineResult:
    """Split one 2204/2301 detail line: 全自费 + 超限价 + 先行自付 + 符合政策范围 = round(cnt × pric).

    丙类 and codes outside the catalog are fully self-paid; so is a 限制使用 item (lmt_used_flag 1) whose
    restriction was not approved (hosp_appr_flag 0). Refund lines (negative cnt) split the same way, negative.
    """
    cnt_d, pric_d = exact(cnt), exact(pric)
    total = money(cnt_d * pric_d)
    base = _line(item, cnt_d, pric_d, feedetl_sn, total)

    if item.chrgitm_lv not in (CLASS_A, CLASS_B) or not item.in_catalog:
        return _self_paid(base, total)
    if item.lmt_used_flag == "1" and not restricted_use_approved:
        return dataclasses.replace(_self_paid(base, total), memo="限制使用未审批，全自费")

    # 超限价: only the capped price is in scope; the part of the price above the cap is the person's.
    cap = item.pric_uplmt_amt
    allowed = money(cnt_d * cap) if cap is not None and pric_d > cap else total
    overlmt = total - allowed
    prop = Decimal(0)
    if item.chrgitm_lv == CLASS_B:
        default = (policy or default_policy()).class_b_default_selfpay_prop
        prop = item.selfpay_prop if item.selfpay_prop is not None else default
    preselfpay = money(allowed * prop)
    return dataclasses.replace(
        base,
        overlmt_amt=overlmt,
        preselfpay_amt=preselfpay,
        inscp_scp_amt=allowed - preselfpay,  # the remainder, so the parts add up exactly
        selfpay_prop=prop,
    )


def _self_paid(line: FeeLineResult, total: Decimal) -> FeeLineResult:
    return dataclasses.replace(line, fulamt_ownpay_amt=total, inscp_scp_amt=ZERO, selfpay_prop=ONE)


def _line(item: CatalogItem, cnt: Decimal, pric: Decimal, feedetl_sn: str, total: Decimal) -> FeeLineResult:
    return FeeLineResult(
        feedetl_sn=feedetl_sn,
        med_list_codg=item.med_list_codg,
        cnt=cnt,
        pric=pric,
        det_item_fee_sumamt=total,
        fulamt_ownpay_amt=ZERO,
        overlmt_amt=ZERO,
        preselfpay_amt=ZERO,
        inscp_scp_amt=total,
        pric_uplmt_amt=item.pric_uplmt_amt,
        selfpay_prop=Decimal(0),
        chrgitm_lv=item.chrgitm_lv,
        med_chrgitm_type=item.med_chrgitm_type,
        bas_medn_flag=item.bas_medn_flag,
        hi_nego_drug_flag=item.hi_nego_drug_flag,
        chld_medc_flag=item.chld_medc_flag,
        list_sp_item_flag=item.list_sp_item_flag,
        lmt_used_flag=item.lmt_used_flag,
        drt_reim_flag=item.drt_reim_flag,
        memo=item.memo,
    )


# ----------------------------------------------------------------------------------------------------------
# Person state (balance and year-to-date counters)


def deductible_key(insutype: str, group: str) -> str:
    """Counter of the yearly 起付线 already paid, e.g. `310.dedc.outpatient`."""
    return f"{insutype}.dedc.{group}"


def group_pool_key(insutype: str, group: str) -> str:
    """Counter of what the basic pool paid in one group this year (for 门诊年度限额)."""
    return f"{insutype}.pool.{group}"


def fund_key(fund_pay_type: str) -> str:
    """Counter of what one fund paid this year (for its 封顶线 / annual cap), e.g. `fund.310100`."""
    return f"fund.{fund_pay_type}"


def selfpay_key(fund_pay_type: str) -> str:
    """Counter of the 合规自付 accumulated towards a threshold fund's 起付标准, e.g. `selfpay.390200`."""
    return f"selfpay.{fund_pay_type}"


@dataclass(frozen=True, slots=True)
class YearToDate:
    """Year-to-date counters (年度累计), keyed as `deductible_key`, `fund_key` …; also used as deltas.

    Normalised (sorted, cent-quantized, zeros dropped), so two equal ledgers compare equal.
    """

    counters: tuple[tuple[str, Decimal], ...] = ()

    def __post_init__(self) -> None:
        merged: dict[str, Decimal] = {}
        for key, value in self.counters:
            merged[key] = merged.get(key, ZERO) + exact(value)
        clean = tuple(sorted((k, money(v)) for k, v in merged.items() if money(v) != 0))
        object.__setattr__(self, "counters", clean)

    @classmethod
    def of(cls, values: Mapping[str, Decimal | int | str]) -> YearToDate:
        return cls(tuple((k, exact(v)) for k, v in values.items()))

    def get(self, key: str) -> Decimal:
        return dict(self.counters).get(key, ZERO)

    def as_dict(self) -> dict[str, Decimal]:
        return dict(self.counters)

    def __add__(self, other: YearToDate) -> YearToDate:
        return YearToDate(self.counters + other.counters)

    def __neg__(self) -> YearToDate:
        return YearToDate(tuple((k, -v) for k, v in self.counters))


@dataclass(frozen=True, slots=True)
class PersonState:
    """What the bureau tracks about one insured person between settlements; never mutated."""

    psn_no: str
    psn_type: str
    balc: Decimal  # 个人账户余额
    year: int
    cvlserv_flag: str = "0"
    idet_types: tuple[str, ...] = ()  # psn_idet_type codes (低保, 特困 …)
    year_to_date: YearToDate = YearToDate()

    def __post_init__(self) -> None:
        object.__setattr__(self, "balc", money(exact(self.balc)))

    def apply(self, settlement: Settlement) -> PersonState:
        """The state after a settlement (or a reversal): balance minus acct_pay, counters plus its usage."""
        if settlement.psn_no != self.psn_no:
            raise FundSplitError(f"settlement of {settlement.psn_no} applied to {self.psn_no}")
        return _advance(self, settlement.acct_pay, settlement.year_to_date_delta)

    def for_year(self, year: int) -> PersonState:
        """The state at the start of a visit in `year`: the yearly counters restart on 1 January."""
        if year == self.year:
            return self
        return dataclasses.replace(self, year=year, year_to_date=YearToDate())


# ----------------------------------------------------------------------------------------------------------
# Settlement (2206/2207, 2303/2304, 2101/2102) and its reversal


@dataclass(frozen=True, slots=True)
class FundPayment:
    """One `setldetail[]` row."""

    fund_pay_type: str
    fund_pay_type_name: str
    inscp_scp_amt: Decimal
    crt_payb_lmt_amt: Decimal
    fund_payamt: Decimal
    setl_proc_info: str

    def as_dict(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def negated(self) -> FundPayment:
        return dataclasses.replace(
            self, inscp_scp_amt=_neg(self.inscp_scp_amt), fund_payamt=_neg(self.fund_payamt)
        )


#: setlinfo amounts in spec order (all 16,2).
AMOUNT_FIELDS: tuple[str, ...] = (
    "medfee_sumamt",
    "fulamt_ownpay_amt",
    "overlmt_selfpay",
    "preselfpay_amt",
    "inscp_scp_amt",
    "act_pay_dedc",
    "hifp_pay",
    "cvlserv_pay",
    "hifes_pay",
    "hifmi_pay",
    "hifob_pay",
    "maf_pay",
    "oth_pay",
    "fund_pay_sumamt",
    "psn_part_amt",
    "acct_pay",
    "psn_cash_pay",
    "hosp_part_amt",
    "acct_mulaid_pay",
)
#: The items whose sum is fund_pay_sumamt (the personal account is not one of them).
FUND_FIELDS: tuple[str, ...] = (
    "hifp_pay",
    "cvlserv_pay",
    "hifes_pay",
    "hifmi_pay",
    "hifob_pay",
    "maf_pay",
    "oth_pay",
)


@dataclass(frozen=True, slots=True)
class Settlement:
    """The amounts of a 2207/2304/2102 `setlinfo` + `setldetail`, or of their reversal (negated).

    Construction checks the identities of reference §9, so an unbalanced Settlement cannot exist.
    """

    psn_no: str
    insutype: str
    med_type: str
    medfee_sumamt: Decimal
    fulamt_ownpay_amt: Decimal
    overlmt_selfpay: Decimal
    preselfpay_amt: Decimal
    inscp_scp_amt: Decimal
    act_pay_dedc: Decimal
    hifp_pay: Decimal
    cvlserv_pay: Decimal
    hifes_pay: Decimal
    hifmi_pay: Decimal
    hifob_pay: Decimal
    maf_pay: Decimal
    oth_pay: Decimal
    fund_pay_sumamt: Decimal
    psn_part_amt: Decimal
    acct_pay: Decimal
    psn_cash_pay: Decimal
    hosp_part_amt: Decimal
    acct_mulaid_pay: Decimal
    pool_prop_selfpay: Decimal
    balc: Decimal
    setldetail: tuple[FundPayment, ...]
    year_to_date_delta: YearToDate
    state_after: PersonState
    reversal: bool = False
    account_fund_pay_type: str = "310200"

    def __post_init__(self) -> None:
        check_balanced(self)

    def amounts(self) -> dict[str, Decimal]:
        return {name: getattr(self, name) for name in AMOUNT_FIELDS}

    def setlinfo(self) -> dict[str, object]:
        """The amount block of `output.setlinfo` (ids and the person block are added by the handler)."""
        info: dict[str, object] = {
            "psn_no": self.psn_no,
            "insutype": self.insutype,
            "med_type": self.med_type,
        }
        info.update(self.amounts())
        info["pool_prop_selfpay"] = self.pool_prop_selfpay
        info["balc"] = self.balc
        return info

    def setldetail_rows(self) -> list[dict[str, object]]:
        return [row.as_dict() for row in self.setldetail]


def check_balanced(s: Settlement) -> None:
    """Raise UnbalancedSettlementError unless every identity of reference §9 holds exactly."""
    amounts = s.amounts()
    problems: list[str] = []
    for name, value in [*amounts.items(), ("balc", s.balc)]:
        if value != money(value):
            problems.append(f"{name}={value} is not quantized to 0.01")
        if name != "balc" and (value < 0 if not s.reversal else value > 0):
            problems.append(f"{name}={value} has the wrong sign")
    fund_items = sum((amounts[name] for name in FUND_FIELDS), ZERO)
    identities = {
        "medfee_sumamt = fund_pay_sumamt + psn_part_amt + hosp_part_amt": (
            s.medfee_sumamt,
            s.fund_pay_sumamt + s.psn_part_amt + s.hosp_part_amt,
        ),
        "psn_part_amt = acct_pay + psn_cash_pay": (s.psn_part_amt, s.acct_pay + s.psn_cash_pay),
        "medfee_sumamt = fulamt_ownpay_amt + overlmt_selfpay + preselfpay_amt + inscp_scp_amt": (
            s.medfee_sumamt,
            s.fulamt_ownpay_amt + s.overlmt_selfpay + s.preselfpay_amt + s.inscp_scp_amt,
        ),
        "fund_pay_sumamt = sum of the fund items": (s.fund_pay_sumamt, fund_items),
        "setldetail funds = fund_pay_sumamt": (
            s.fund_pay_sumamt,
            sum((r.fund_payamt for r in s.setldetail if r.fund_pay_type != s.account_fund_pay_type), ZERO),
        ),
        "balc = state_after.balc": (s.balc, s.state_after.balc),
    }
    problems += [f"{name}: {left} != {right}" for name, (left, right) in identities.items() if left != right]
    if problems:
        raise UnbalancedSettlementError("unbalanced settlement: " + "; ".join(problems))


@dataclass(frozen=True, slots=True)
class _Parts:
    """The four parts of a basket, summed over its lines."""

    fulamt: Decimal
    overlmt: Decimal
    preselfpay: Decimal
    inscp: Decimal

    @property
    def total(self) -> Decimal:
        return self.fulamt + self.overlmt + self.preselfpay + self.inscp

    @classmethod
    def of(cls, lines: Iterable[FeeLineResult]) -> _Parts:
        rows = list(lines)
        parts = cls(
            fulamt=sum((r.fulamt_ownpay_amt for r in rows), ZERO),
            overlmt=sum((r.overlmt_amt for r in rows), ZERO),
            preselfpay=sum((r.preselfpay_amt for r in rows), ZERO),
            inscp=sum((r.inscp_scp_amt for r in rows), ZERO),
        )
        # Refund lines may be negative, but the basket as a whole cannot be.
        if min(parts.fulamt, parts.overlmt, parts.preselfpay, parts.inscp) < 0:
            raise FundSplitError(f"the basket has a negative part: {parts}")
        return parts


@dataclass
class _Split:
    """Working state while one settlement is computed (local to `settle`, never escapes)."""

    remaining: Decimal  # in-scope amount the person still bears (政策范围内个人负担)
    delta: dict[str, Decimal] = field(default_factory=dict)
    rows: list[FundPayment] = field(default_factory=list)
    paid: dict[str, Decimal] = field(default_factory=dict)

    def count(self, key: str, amount: Decimal) -> None:
        if amount:
            self.delta[key] = self.delta.get(key, ZERO) + amount


def settle(
    state: PersonState,
    lines: Sequence[FeeLineResult],
    *,
    insutype: str,
    med_type: str,
    acct_used_flag: bool | str,
    policy: Policy | None = None,
) -> Settlement:
    """Settle one visit (2206/2207, 2303/2304, 2101/2102): the setlinfo amounts, setldetail and new state.

    The year-to-date counters are `state.year_to_date` (call `state.for_year(year)` first at a year change).
    """
    policy = policy or default_policy()
    scheme = policy.scheme(insutype)
    group = policy.group_of(med_type)
    rule = scheme.groups[group]
    parts = _Parts.of(lines)
    ytd = state.year_to_date
    split = _Split(remaining=parts.inscp)

    # 1. 起付线: the first in-scope yuan are the person's, up to what is left of the deductible.
    dedc_key = deductible_key(insutype, group)
    dedc_left = rule.deductible - (ytd.get(dedc_key) if rule.deductible_basis == "year" else ZERO)
    act_pay_dedc = min(parts.inscp, max(dedc_left, ZERO))
    if rule.deductible_basis == "year":
        split.count(dedc_key, act_pay_dedc)

    # 2. 基本统筹: (in-scope − deductible) × ratio, within the yearly cap and the group's yearly limit.
    ratio = rule.pool_ratio + (rule.retiree_bonus if policy.is_retiree(state.psn_type) else ZERO)
    eligible = parts.inscp - act_pay_dedc
    uncapped = money(eligible * ratio)
    basic_key = fund_key(scheme.fund_pay_type)
    cap_room = max(scheme.annual_cap - ytd.get(basic_key), ZERO)
    room = cap_room
    pool_key = group_pool_key(insutype, group)
    if rule.annual_limit is not None:
        room = min(room, max(rule.annual_limit - ytd.get(pool_key), ZERO))
    hifp = min(uncapped, room)
    above_cap = ZERO
    if hifp < uncapped and hifp == cap_room:
        # The 封顶线 stopped the pool: the in-scope cost it did not cover is what 大额 looks at.
        above_cap = eligible - min(eligible, money(hifp / ratio))
    info = (
        f"政策范围内{_y(parts.inscp)}，起付线{_y(act_pay_dedc)}，{_y(eligible)}×{_pct(ratio)}={_y(uncapped)}"
    )
    if hifp < uncapped:
        info += f"，受年度限额约束本次可付{_y(room)}"
    _pay(split, scheme.fund_pay_type, scheme.fund_pay_type_name, eligible, room, hifp, info)
    split.remaining -= hifp
    split.count(basic_key, hifp)
    split.count(pool_key, hifp)

    # 3. Supplementary funds, in policy order.
    for fund in policy.supplementary:
        if insutype in fund.applies_to and group in fund.shares:
            _supplementary(split, fund, fund.shares[group], state, ytd, above_cap)

    # 4. The personal part; the account pays first when asked and available, cash pays the rest.
    paid = {f.settle_field: split.paid.get(f.fund_pay_type, ZERO) for f in policy.supplementary}
    fund_pay_sumamt = hifp + sum(paid.values(), ZERO)
    hosp_part_amt = ZERO
    psn_part_amt = parts.total - fund_pay_sumamt - hosp_part_amt
    acct_pay = ZERO
    account = policy.personal_account
    if acct_used_flag in (True, "1") and scheme.personal_account:
        payable = psn_part_amt if account.covers_out_of_scope else psn_part_amt - parts.fulamt - parts.overlmt
        acct_pay = max(min(state.balc, payable), ZERO)
        if acct_pay and account.list_in_setldetail:
            info = f"个人账户余额{_y(state.balc)}，个人负担{_y(payable)}，账户支付{_y(acct_pay)}"
            split.rows.append(
                FundPayment(
                    account.fund_pay_type, account.fund_pay_type_name, payable, state.balc, acct_pay, info
                )
            )

    delta = YearToDate.of(split.delta)
    state_after = _advance(state, acct_pay, delta)
    return Settlement(
        psn_no=state.psn_no,
        insutype=insutype,
        med_type=med_type,
        medfee_sumamt=parts.total,
        fulamt_ownpay_amt=parts.fulamt,
        overlmt_selfpay=parts.overlmt,
        preselfpay_amt=parts.preselfpay,
        inscp_scp_amt=parts.inscp,
        act_pay_dedc=act_pay_dedc,
        hifp_pay=hifp,
        cvlserv_pay=paid.get("cvlserv_pay", ZERO),
        hifes_pay=paid.get("hifes_pay", ZERO),
        hifmi_pay=paid.get("hifmi_pay", ZERO),
        hifob_pay=paid.get("hifob_pay", ZERO),
        maf_pay=paid.get("maf_pay", ZERO),
        oth_pay=paid.get("oth_pay", ZERO),
        fund_pay_sumamt=fund_pay_sumamt,
        psn_part_amt=psn_part_amt,
        acct_pay=acct_pay,
        psn_cash_pay=psn_part_amt - acct_pay,
        hosp_part_amt=hosp_part_amt,
        acct_mulaid_pay=ZERO,
        pool_prop_selfpay=ratio.quantize(RATIO_PLACES, rounding=ROUND_HALF_UP),
        balc=state_after.balc,
        setldetail=tuple(split.rows),
        year_to_date_delta=delta,
        state_after=state_after,
        account_fund_pay_type=account.fund_pay_type,
    )


def _supplementary(
    split: _Split,
    fund: SupplementaryFund,
    share: Decimal,
    state: PersonState,
    ytd: YearToDate,
    above_cap: Decimal,
) -> None:
    """Pay one supplementary fund from what the person still bears in scope."""
    if fund.kind == "above_cap":
        base = above_cap
        info = f"封顶线以上政策范围内{_y(base)}×{_pct(share)}"
    elif fund.kind == "above_threshold":
        # 合规自付 accumulates over the year; only the part above the 起付标准 is shared.
        assert fund.threshold is not None
        counted = ytd.get(selfpay_key(fund.fund_pay_type))
        below = max(fund.threshold - counted, ZERO)
        base = max(split.remaining - below, ZERO)
        split.count(selfpay_key(fund.fund_pay_type), split.remaining)
        info = (
            f"年度合规自付{_y(counted)}+{_y(split.remaining)}，"
            f"超过起付标准{_y(fund.threshold)}部分{_y(base)}×{_pct(share)}"
        )
    elif fund.kind == "civil_servant":
        base = split.remaining if state.cvlserv_flag == "1" else ZERO
        info = f"政策范围内个人负担{_y(base)}×{_pct(share)}"
    else:  # assistance
        eligible = set(state.idet_types) & set(fund.idet_types)
        base = split.remaining if eligible else ZERO
        info = f"救助对象政策范围内个人负担{_y(base)}×{_pct(share)}"
    base = min(base, split.remaining)
    uncapped = money(base * share)
    room = uncapped
    if fund.annual_cap is not None:
        room = max(fund.annual_cap - ytd.get(fund_key(fund.fund_pay_type)), ZERO)
    payment = min(uncapped, room)
    info += f"={_y(uncapped)}" + (f"，受年度限额约束本次可付{_y(room)}" if payment < uncapped else "")
    _pay(split, fund.fund_pay_type, fund.fund_pay_type_name, base, room, payment, info)
    split.remaining -= payment
    split.count(fund_key(fund.fund_pay_type), payment)


def _pay(
    split: _Split, code: str, name: str, base: Decimal, room: Decimal, payment: Decimal, info: str
) -> None:
    split.paid[code] = payment
    if payment:
        split.rows.append(FundPayment(code, name, base, room, payment, info))


def reverse(settlement: Settlement, *, state: PersonState | None = None) -> Settlement:
    """The 2208/2305/2103 (or 2601) reversal: every amount negated, the person's usage given back.

    `state` is the person now (default: right after `settlement`); the reversal's `state_after` is that state
    with the account refunded and the yearly counters decreased by exactly what the settlement added.
    """
    now = settlement.state_after if state is None else state
    if now.psn_no != settlement.psn_no:
        raise FundSplitError(f"settlement of {settlement.psn_no} reversed on {now.psn_no}")
    undo_delta = -settlement.year_to_date_delta
    after = _advance(now, -settlement.acct_pay, undo_delta)
    negated: dict[str, Any] = {name: _neg(getattr(settlement, name)) for name in AMOUNT_FIELDS}
    return dataclasses.replace(
        settlement,
        **negated,
        setldetail=tuple(row.negated() for row in settlement.setldetail),
        year_to_date_delta=undo_delta,
        reversal=not settlement.reversal,
        balc=after.balc,
        state_after=after,
    )


def _advance(state: PersonState, acct_pay: Decimal, delta: YearToDate) -> PersonState:
    return dataclasses.replace(state, balc=state.balc - acct_pay, year_to_date=state.year_to_date + delta)


def _neg(value: Decimal) -> Decimal:
    # Avoid "-0.00" in answers: a zero stays a plain zero.
    return -value if value else ZERO


def _y(amount: Decimal) -> str:
    return f"{amount:.2f}"


def _pct(ratio: Decimal) -> str:
    text = f"{ratio * 100:f}"
    return (text.rstrip("0").rstrip(".") if "." in text else text) + "%"
