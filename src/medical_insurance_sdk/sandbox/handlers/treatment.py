"""2001 人员待遇享受检查: one trtinfo row per fund the person's scheme would pay from for that med_type.

    → trtinfo[]{psn_no, trt_chk_type "1", fund_pay_type, trt_enjymnt_flag, begndate, enddate, trt_chk_rslt}

trt_enjymnt_flag is "1" (entitled) unless the insurance is not in force (暂停参保 …), the person is not
insured under the asked insutype, or the sandbox policy does not settle the med_type; then every row is "0"
and trt_chk_rslt says why.  The rows list the basic fund, the personal account (职工) and the supplementary
funds the policy would apply to this person and med_type group.
"""

from __future__ import annotations

from typing import Any

from medical_insurance_sdk.sandbox.business.context import policy_of
from medical_insurance_sdk.sandbox.business.persons import INSURED, PersonFacts, facts, load_person
from medical_insurance_sdk.sandbox.business.shapes import response_node, shape
from medical_insurance_sdk.sandbox.fund_policy import FundSplitError, Policy
from medical_insurance_sdk.sandbox.handlers.base import Context, handles

FUND_CHECK = "1"  # trt_chk_type 基金项检查
ENTITLED = "待遇享受正常"


@handles("2001")
def treatment_check(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """2001: the person's entitlement per fund, for the asked insutype, med_type and period."""
    d = data["data"]
    person = load_person(ctx, d["psn_no"])
    info = facts(person)
    policy = policy_of(ctx)
    reason = _refusal_reason(policy, info, d["insutype"], d["med_type"])
    year = d["begntime"][:4]
    values = {
        "psn_no": person.psn_no,
        "trt_chk_type": FUND_CHECK,
        "trt_enjymnt_flag": "0" if reason else "1",
        "begndate": d["begntime"][:10],
        "enddate": (d.get("endtime") or f"{year}-12-31")[:10],
        "trt_chk_rslt": reason or ENTITLED,
    }
    node = response_node("2001", "trtinfo")
    funds: list[str | None] = [*_funds(policy, info, d["insutype"], d["med_type"])] or [None]
    return {"trtinfo": [shape({**values, "fund_pay_type": fund}, node) for fund in funds]}


def _refusal_reason(policy: Policy, info: PersonFacts, insutype: str, med_type: str) -> str | None:
    if info.psn_insu_stas != INSURED:
        return "参保人员参保状态异常，不能享受医保待遇"
    if insutype != info.insutype:
        return f"参保人员无该险种参保信息（险种类型{insutype}）"
    try:
        policy.group_of(med_type)
    except FundSplitError:
        return f"医疗类别[{med_type}]不在待遇享受范围内"
    return None


def _funds(policy: Policy, info: PersonFacts, insutype: str, med_type: str) -> list[str]:
    """The fund_pay_type codes that could pay: basic fund, personal account, applying supplementary funds."""
    scheme = policy.basic.get(insutype)
    if scheme is None:
        return []
    funds = [scheme.fund_pay_type]
    if scheme.personal_account:
        funds.append(policy.personal_account.fund_pay_type)
    try:
        group = policy.group_of(med_type)
    except FundSplitError:
        return funds
    for fund in policy.supplementary:
        if insutype not in fund.applies_to or group not in fund.shares:
            continue
        if fund.kind == "civil_servant" and info.cvlserv_flag != "1":
            continue
        if fund.kind == "assistance" and not set(info.idet_types) & set(fund.idet_types):
            continue
        funds.append(fund.fund_pay_type)
    return funds
