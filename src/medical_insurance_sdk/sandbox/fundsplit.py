"""Fund split of the sandbox bureau: settles visits (2206/2207, 2303/2304, 2101/2102) from the policy in
`policy.yaml`, and reverses settlements (2208/2305/2103, 2601).  The policy and the money helpers are
`fund_policy.py`; the fee lines (2204/2301) it settles are priced by `fund_pricing.py`.

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
from typing import Any

from medical_insurance_sdk.sandbox.fund_policy import (
    RATIO_PLACES,
    ZERO,
    FundSplitError,
    Policy,
    SupplementaryFund,
    UnbalancedSettlementError,
    default_policy,
    exact,
    money,
)
from medical_insurance_sdk.sandbox.fund_pricing import FeeLineResult

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
