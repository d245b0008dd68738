"""Settlements: computed by the fund split, kept as SettlementRow, cancelled, reversed and restored.

    s = compute(ctx, person, kind="outpatient", lines=priced, insutype="310", med_type="11",
                acct_used_flag="1")
    check_amounts(ctx, data, s)                            # 费用总额与明细不符 unless the echo matches
    row = record_settlement(ctx, person, s, terms, lines)  # persists, moves the balance, marks the lines
    twin = cancel_settlement(ctx, person, row)             # 2208/2305/2103: negative twin, balance back
    reverse_settlement(ctx, person, row)                   # 2601 of 2207/2304/2102: as if it never happened
    restore_settlement(ctx, person, twin, row)             # 2601 of 2208/2305/2103: the original stands again
    settlement_answer(row, "2207")                         # {"setlinfo": …, "setldetail": […]}

Every money movement goes through `fundsplit.settle` / `fundsplit.reverse` and `PersonState`, so the
identities of reference §9 hold on every row, positive or negative.  A row is rebuilt into a
`fundsplit.Settlement` for reversal; a settlement of an earlier year gives back only the account money,
because the yearly counters it moved have restarted since.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import select

from medical_insurance_sdk.sandbox.business.context import new_id, policy_of
from medical_insurance_sdk.sandbox.business.persons import PersonFacts, state_of, store_state
from medical_insurance_sdk.sandbox.business.shapes import (
    plain,
    response_node,
    revive,
    shape,
    text_date,
    text_time,
)
from medical_insurance_sdk.sandbox.business.visits import CANCELLED, SETTLED, UPLOADED
from medical_insurance_sdk.sandbox.business_state import FeeDetail, SettlementRow, Visit
from medical_insurance_sdk.sandbox.fund_policy import FundSplitError, GroupName
from medical_insurance_sdk.sandbox.fund_pricing import FeeLineResult
from medical_insurance_sdk.sandbox.fundsplit import (
    AMOUNT_FIELDS,
    FundPayment,
    PersonState,
    Settlement,
    YearToDate,
    reverse,
    settle,
)
from medical_insurance_sdk.sandbox.handlers.base import Context
from medical_insurance_sdk.sandbox.seed import institution
from medical_insurance_sdk.sandbox.state import Person

REVERSED = "reversed"
CLR_TYPES = {"outpatient": "11", "inpatient": "21", "pharmacy": "41"}  # clr_type 门诊 / 住院 / 药店购药
CLR_WAY = "1"
GROUP_LABELS = {"outpatient": "门诊", "inpatient": "住院", "pharmacy": "药店购药"}
AMOUNT_PARTS = (
    ("fulamt_ownpay_amt", "全自费金额"),
    ("overlmt_selfpay", "超限价金额"),
    ("preselfpay_amt", "先行自付金额"),
    ("inscp_scp_amt", "符合政策范围金额"),
)
# The descriptive columns of a settlement row: from the request, copied onto its negative twin.
TERM_FIELDS = (
    "mdtrt_id",
    "psn_no",
    "kind",
    "clr_type",
    "clr_way",
    "clr_optins",
    "insutype",
    "med_type",
    "mdtrt_cert_type",
    "psn_setlway",
    "acct_used_flag",
    "mid_setl_flag",
    "invono",
    "chrg_bchno",
    "person",
    "feedetl_sns",
)


# ------------------------------------------------------------------------------------------ computing


def compute(
    ctx: Context,
    person: Person,
    *,
    kind: GroupName,
    lines: Sequence[FeeLineResult],
    insutype: str,
    med_type: str,
    acct_used_flag: str,
) -> Settlement:
    """The settlement of `lines` for the person now (nothing is stored)."""
    policy = policy_of(ctx)
    try:
        group = policy.group_of(med_type)
    except FundSplitError:
        ctx.refuse(f"医疗类别[{med_type}]不在沙箱待遇政策的结算范围内")
    if group != kind:
        ctx.refuse(f"医疗类别[{med_type}]不能办理{GROUP_LABELS[kind]}结算")
    if insutype not in policy.basic:
        ctx.refuse(f"险种类型[{insutype}]不能办理结算")
    if not lines:
        ctx.refuse("无待结算的费用明细")
    state = state_of(person, ctx.now.year)
    try:
        return settle(
            state,
            lines,
            insutype=insutype,
            med_type=med_type,
            acct_used_flag=acct_used_flag,
            policy=policy,
        )
    except FundSplitError as exc:
        ctx.refuse(f"结算计算失败：{exc}")


def check_amounts(ctx: Context, data: Mapping[str, Any], s: Settlement) -> None:
    """Refuse unless medfee_sumamt and the amount parts the request carries equal the computed ones."""
    problems = []
    if data["medfee_sumamt"] != s.medfee_sumamt:
        problems.append(f"医疗费总额{data['medfee_sumamt']:f}，明细合计{s.medfee_sumamt:f}")
    for name, label in AMOUNT_PARTS:
        given = data.get(name)
        if given is not None and given != getattr(s, name):
            problems.append(f"{label}{given:f}，明细合计{getattr(s, name):f}")
    if problems:
        ctx.refuse("费用总额与明细不符：" + "；".join(problems))


def terms(
    visit: Visit, info: PersonFacts, data: Mapping[str, Any], lines: Iterable[FeeDetail], *, med_type: str
) -> dict[str, Any]:
    """The descriptive columns of a new settlement row, from its visit and request."""
    return {
        "mdtrt_id": visit.mdtrt_id,
        "psn_no": visit.psn_no,
        "kind": visit.kind,
        "clr_type": CLR_TYPES[visit.kind],
        "clr_way": CLR_WAY,
        "clr_optins": info.insuplc_admdvs,
        "insutype": data["insutype"],
        "med_type": med_type,
        "mdtrt_cert_type": data.get("mdtrt_cert_type"),
        "psn_setlway": data.get("psn_setlway"),
        "acct_used_flag": data.get("acct_used_flag"),
        "mid_setl_flag": data.get("mid_setl_flag"),
        "invono": data.get("invono"),
        "chrg_bchno": data.get("chrg_bchno"),
        "person": plain(info.block(visit.begntime.date())),
        "feedetl_sns": [fd.feedetl_sn for fd in lines],
    }


def build_row(
    ctx: Context, s: Settlement, terms: Mapping[str, Any], *, setl_id: str, cancel_of: str | None = None
) -> SettlementRow:
    """A SettlementRow of `s` (not added to the session: a pre-settlement only answers it)."""
    return SettlementRow(
        setl_id=setl_id,
        fixmedins_code=ctx.fixmedins_code,
        setl_time=ctx.now,
        year=s.state_after.year,
        medins_setl_id=ctx.msgid,
        msgid=ctx.msgid,
        **{name: terms[name] for name in TERM_FIELDS},
        **s.amounts(),
        pool_prop_selfpay=s.pool_prop_selfpay,
        balc=s.balc,
        setldetail=plain(s.setldetail_rows()),
        ytd_delta=plain(s.year_to_date_delta.as_dict()),
        status=SETTLED,
        cancel_of=cancel_of,
    )


def get_settlement(
    ctx: Context, setl_id: str, *, mdtrt_id: str | None, psn_no: str, kind: str
) -> SettlementRow:
    """The settlement a 2208/2305/2103 cancels, checked as the bureau checks it."""
    row = ctx.session.get(SettlementRow, setl_id)
    if row is None or row.fixmedins_code != ctx.fixmedins_code or row.status == REVERSED:
        ctx.refuse(f"结算信息不存在（结算ID {setl_id}）")
    if mdtrt_id and row.mdtrt_id != mdtrt_id:
        ctx.refuse("结算ID与就诊ID不符")
    if row.psn_no != psn_no:
        ctx.refuse("人员编号与结算信息不符")
    if row.cancel_of is not None:
        ctx.refuse("该记录为结算撤销记录，不能撤销")
    if row.kind != kind:
        ctx.refuse(f"该结算不是{GROUP_LABELS[kind]}结算")
    if row.status == CANCELLED:
        ctx.refuse("该结算已撤销，不能重复撤销")
    return row


# ------------------------------------------------------------------------------------------ state changes


def record_settlement(
    ctx: Context, person: Person, s: Settlement, terms: Mapping[str, Any], lines: Iterable[FeeDetail]
) -> SettlementRow:
    """Persist a settlement: the row, the person's new balance and counters, the lines marked settled."""
    row = build_row(ctx, s, terms, setl_id=new_id(ctx))
    ctx.session.add(row)
    store_state(person, s.state_after)
    for fd in lines:
        fd.status, fd.setl_id = SETTLED, row.setl_id
    return row


def cancel_settlement(
    ctx: Context, person: Person, row: SettlementRow, *, lines_to: str = UPLOADED
) -> SettlementRow:
    """2208/2305/2103: a negative twin row, the account and counters given back, the lines released.

    `lines_to` is what the settled lines become: uploaded (hospital visits: they can be settled again) or
    cancelled (a pharmacy purchase ends with its cancellation).
    """
    now = state_of(person, ctx.now.year)
    undo = reverse(rebuild(ctx, row, now), state=now)
    twin = build_row(
        ctx,
        undo,
        {name: getattr(row, name) for name in TERM_FIELDS},
        setl_id=new_id(ctx),
        cancel_of=row.setl_id,
    )
    ctx.session.add(twin)
    store_state(person, undo.state_after)
    row.status, row.cancelled_by = CANCELLED, twin.setl_id
    for fd in settled_lines(ctx, row):
        fd.status, fd.setl_id = lines_to, None
    return twin


def reverse_settlement(ctx: Context, person: Person, row: SettlementRow, *, lines_to: str = UPLOADED) -> None:
    """2601 of a 2207/2304/2102: the settlement is undone without a trace in reconciliation.

    `lines_to` is what the settled lines become, as for `cancel_settlement`.
    """
    now = state_of(person, ctx.now.year)
    undo = reverse(rebuild(ctx, row, now), state=now)
    store_state(person, undo.state_after)
    for fd in settled_lines(ctx, row):
        fd.status, fd.setl_id = lines_to, None
    row.status, row.reversed_by = REVERSED, ctx.msgid


def restore_settlement(
    ctx: Context, person: Person, twin: SettlementRow, original: SettlementRow, *, lines_from: str = UPLOADED
) -> None:
    """2601 of a 2208/2305/2103: the cancellation is undone, the original settlement stands again.

    `lines_from` is what the cancellation left the lines as (its `lines_to`); lines in any other state, or
    missing, were settled again or changed since, and the original can no longer stand.
    """
    lines = _lines_named(ctx, original)
    if any(fd.status != lines_from for fd in lines) or len(lines) != len(original.feedetl_sns):
        ctx.refuse("原结算的费用明细已变更，不能冲正结算撤销")
    now = state_of(person, ctx.now.year)
    again = reverse(rebuild(ctx, twin, now), state=now)
    store_state(person, again.state_after)
    twin.status, twin.reversed_by = REVERSED, ctx.msgid
    original.status, original.cancelled_by = SETTLED, None
    for fd in lines:
        fd.status, fd.setl_id = SETTLED, original.setl_id


def settled_lines(ctx: Context, row: SettlementRow) -> list[FeeDetail]:
    """The fee lines a settlement row holds settled."""
    query = select(FeeDetail).where(FeeDetail.mdtrt_id == row.mdtrt_id, FeeDetail.setl_id == row.setl_id)
    return list(ctx.session.scalars(query.order_by(FeeDetail.id)))


def _lines_named(ctx: Context, row: SettlementRow) -> list[FeeDetail]:
    names = [str(sn) for sn in row.feedetl_sns]
    query = select(FeeDetail).where(FeeDetail.mdtrt_id == row.mdtrt_id, FeeDetail.feedetl_sn.in_(names))
    return list(ctx.session.scalars(query.order_by(FeeDetail.id)))


def rebuild(ctx: Context, row: SettlementRow, now: PersonState) -> Settlement:
    """The fundsplit.Settlement a row was made from, as seen from the person's state `now`."""
    same_year = row.year == now.year
    fields = response_node("2207", "setldetail").fields
    return Settlement(
        psn_no=row.psn_no,
        insutype=row.insutype,
        med_type=row.med_type,
        **{name: getattr(row, name) for name in AMOUNT_FIELDS},
        pool_prop_selfpay=row.pool_prop_selfpay,
        balc=row.balc,
        setldetail=tuple(FundPayment(**revive(r, fields)) for r in row.setldetail),
        # a row of an earlier year: its counters are gone with that year, only the account is given back
        year_to_date_delta=YearToDate.of(row.ytd_delta) if same_year else YearToDate(),
        state_after=dataclasses.replace(now, balc=row.balc),
        reversal=row.cancel_of is not None,
        account_fund_pay_type=policy_of(ctx).personal_account.fund_pay_type,
    )


# ------------------------------------------------------------------------------------------ answers


def settlement_values(row: SettlementRow, visit: Visit | None = None) -> dict[str, Any]:
    """Everything a setlinfo node may ask about a row (each answer keeps the fields its node lists)."""
    values: dict[str, Any] = dict(row.person or {})
    values.update({name: getattr(row, name) for name in AMOUNT_FIELDS})
    place = institution(row.fixmedins_code)
    values.update(
        mdtrt_id=row.mdtrt_id or None,  # a pharmacy pre-settlement has no visit yet
        setl_id=row.setl_id or None,  # a pre-settlement has no setl_id
        psn_no=row.psn_no,
        insutype=row.insutype,
        med_type=row.med_type,
        mdtrt_cert_type=row.mdtrt_cert_type,
        setl_time=text_time(row.setl_time),
        pool_prop_selfpay=row.pool_prop_selfpay,
        balc=row.balc,
        hifdm_pay=0,
        medins_setl_id=row.medins_setl_id,
        clr_optins=row.clr_optins,
        clr_way=row.clr_way,
        clr_type=row.clr_type,
        fixmedins_code=row.fixmedins_code,
        fixmedins_name=place.fixmedins_name if place else None,
        psn_pay=row.psn_part_amt,
        cash_payamt=row.psn_cash_pay,
        refd_setl_flag="1" if row.cancel_of else "0",
        year=str(row.setl_time.year),
        invono=row.invono,
    )
    if visit is not None:
        values.update(begndate=text_date(visit.begntime), enddate=text_date(visit.endtime))
    return values


def settlement_answer(row: SettlementRow, infno: str, visit: Visit | None = None) -> dict[str, Any]:
    """`{"setlinfo": …, "setldetail": […]}` in the response shape of `infno` (2206/2207/2208/2303/…)."""
    values = settlement_values(row, visit)
    detail = response_node(infno, "setldetail")
    return {
        "setlinfo": shape(values, response_node(infno, "setlinfo")),
        "setldetail": [shape(revive(r, detail.fields), detail) for r in row.setldetail],
    }
