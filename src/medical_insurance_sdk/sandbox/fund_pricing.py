"""Fee lines of the sandbox bureau (2204 / 2301 result rows): a catalogue item priced into its four parts.

    line = price_fee_line(item, Decimal("2"), Decimal("12.50"))

The amount is cnt × pric rounded half-up to 0.01; 超限价 is the amount minus the rounded capped amount;
先行自付 the rounded share of what is left; 符合政策范围 the remainder — the four parts add up exactly.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal

from medical_insurance_sdk.sandbox.fund_policy import (
    CLASS_A,
    CLASS_B,
    CLASS_C,
    ONE,
    OUT_OF_CATALOG_MEMO,
    RATIO_PLACES,
    ZERO,
    Policy,
    UnbalancedSettlementError,
    default_policy,
    exact,
    money,
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
