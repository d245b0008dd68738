"""Pharmacy purchases of the sandbox bureau: 2101 预结算, 2102 结算, 2103 结算撤销.

The registry's tables (national §6.2.2) name the purchase nodes `druginfo` and `drugdetail`; the dispatcher
has checked them before a handler runs.  The handlers read one internal shape, with the registry's own strict
field machinery (3000x texts on a bad field), and also take it spelled `data`/`feedetail` as earlier
sandbox versions and some provincial clients send it:

    2101 / 2102 input: druginfo{psn_no, mdtrt_cert_type, mdtrt_cert_no, insutype, med_type "41",
                                medfee_sumamt, acct_used_flag, begntime, …}
                       drugdetail[]{feedetl_sn, med_list_codg, medins_list_codg, cnt, pric,
                                    det_item_fee_sumamt, fee_ocur_time, …}
    2103 input: data{setl_id, psn_no, mdtrt_id?}

2101 prices and settles in memory (no setl_id); 2102 keeps a pharmacy visit, its lines and the
settlement in one step (with mdtrt_id and setl_id); 2103 writes the negative twin and
closes the purchase (the 2208 layout). Each answers in its own registry layout.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Final

from pydantic import BaseModel

from medical_insurance_sdk.exceptions import DataValidationError
from medical_insurance_sdk.registry.field_models import build_message_model
from medical_insurance_sdk.registry.fields import node
from medical_insurance_sdk.registry.validation import validate_message
from medical_insurance_sdk.sandbox.business.context import new_id
from medical_insurance_sdk.sandbox.business.fees import fee_line, price_rows, upload_lines
from medical_insurance_sdk.sandbox.business.persons import load_person, require_insured
from medical_insurance_sdk.sandbox.business.settlements import (
    build_row,
    cancel_settlement,
    check_amounts,
    compute,
    get_settlement,
    record_settlement,
    settlement_answer,
    terms,
)
from medical_insurance_sdk.sandbox.business.shapes import parse_time
from medical_insurance_sdk.sandbox.business.visits import CANCELLED, REGISTERED, lines_of, remember
from medical_insurance_sdk.sandbox.business_state import Visit
from medical_insurance_sdk.sandbox.handlers.base import Context, handles

PHARMACY: Final = "pharmacy"
PHARMACY_MED_TYPE = "41"  # 定点药店购药

_PURCHASE = node(
    "data",
    """
    psn_no            人员编号          C30    Y
    mdtrt_cert_type   就诊凭证类型      C3     Y  @mdtrt_cert_type
    mdtrt_cert_no     就诊凭证编号      C50    Y
    insutype          险种类型          C6     Y  @insutype
    med_type          医疗类别          C6     N  @med_type
    begntime          开始时间          DT     N
    medfee_sumamt     医疗费总额        N16,2  Y
    psn_setlway       个人结算方式      C6     N  @psn_setlway
    acct_used_flag    个人账户使用标志  C1     Y  @acct_used_flag
    ipt_otp_no        住院/门诊号       C30    N
    chrg_bchno        收费批次号        C30    N
    invono            发票号            C20    N
    fulamt_ownpay_amt 全自费金额        N16,2  N
    overlmt_selfpay   超限价金额        N16,2  N
    preselfpay_amt    先行自付金额      N16,2  N
    inscp_scp_amt     符合政策范围金额  N16,2  N
    """,
)
_ITEMS = node(
    "feedetail",
    """
    feedetl_sn          费用明细流水号      C30     Y
    rxno                处方号              C30     N
    rx_circ_flag        外购处方标志        C3      N  @rx_circ_flag
    fee_ocur_time       费用发生时间        DT      N
    med_list_codg       医疗目录编码        C50     Y
    medins_list_codg    医药机构目录编码    C150    N
    det_item_fee_sumamt 明细项目费用总额    N16,2   Y
    cnt                 数量                N16,4   Y
    pric                单价                N16,6   Y
    sin_dos_dscr        单次剂量描述        C200    N
    used_frqu_dscr      使用频次描述        C200    N
    prd_days            周期天数            N4,2    N
    medc_way_dscr       用药途径描述        C200    N
    bilg_dr_codg        开单医生编码        C30     N
    bilg_dr_name        开单医师姓名        C50     N
    hosp_appr_flag      医院审批标志        C3      N  @hosp_appr_flag
    """,
    many=True,
    max_items=1000,
)
_CANCEL = node(
    "data",
    """
    setl_id   结算ID    C30   Y
    psn_no    人员编号  C30   Y
    mdtrt_id  就诊ID    C30   N
    """,
)


@cache
def _model(kind: str) -> type[BaseModel]:
    nodes = (_CANCEL,) if kind == "cancel" else (_PURCHASE, _ITEMS)
    return build_message_model(f"SandboxPharmacy{kind.title()}", nodes, flavour="request")


# national node name → the handlers' internal one
_NATIONAL_NODES: Final = {"druginfo": "data", "drugdetail": "feedetail"}


def _read(ctx: Context, data: dict[str, Any], kind: str) -> dict[str, Any]:
    """The input in the pharmacy shape, typed (Decimal amounts), or a refusal naming every bad field."""
    if kind == "purchase" and any(name in data for name in _NATIONAL_NODES):
        data = {_NATIONAL_NODES.get(name, name): value for name, value in data.items()}
    try:
        return validate_message(_model(kind), data, infno=ctx.infno).model_dump()
    except DataValidationError as exc:
        ctx.refuse("; ".join(e.message for e in exc.errors) or exc.message)


@handles("2101", "2102")
def settle_purchase(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """2101 药店预结算 (nothing stored) and 2102 药店结算 (visit, lines and settlement kept)."""
    message = _read(ctx, data, "purchase")
    d, rows = message["data"], message["feedetail"]
    person = load_person(ctx, d["psn_no"])
    info = require_insured(ctx, person, d["insutype"])
    med_type = d["med_type"] or PHARMACY_MED_TYPE
    visit = Visit(
        mdtrt_id="" if ctx.infno == "2101" else new_id(ctx),
        psn_no=person.psn_no,
        fixmedins_code=ctx.fixmedins_code,
        kind=PHARMACY,
        insutype=d["insutype"],
        med_type=med_type,
        mdtrt_cert_type=d["mdtrt_cert_type"],
        mdtrt_cert_no=d["mdtrt_cert_no"],
        begntime=parse_time(d["begntime"]) or ctx.now,
        status=REGISTERED,
        diagnoses=[],
        created_msgid=ctx.msgid,
        created_at=ctx.now,
        opter=ctx.opter,
    )
    visit.ipt_otp_no = d["ipt_otp_no"] or visit.mdtrt_id
    if ctx.infno == "2101":
        s = compute(
            ctx,
            person,
            kind=PHARMACY,
            lines=price_rows(ctx, rows),
            insutype=d["insutype"],
            med_type=med_type,
            acct_used_flag=d["acct_used_flag"],
        )
        check_amounts(ctx, d, s)
        described = terms(visit, info, d, [], med_type=med_type)
        return settlement_answer(build_row(ctx, s, described, setl_id=""), "2101")
    remember(visit, "purchase", d)
    ctx.session.add(visit)
    upload_lines(ctx, visit, rows)
    lines = lines_of(ctx, visit.mdtrt_id)
    s = compute(
        ctx,
        person,
        kind=PHARMACY,
        lines=[fee_line(fd) for fd in lines],
        insutype=d["insutype"],
        med_type=med_type,
        acct_used_flag=d["acct_used_flag"],
    )
    check_amounts(ctx, d, s)
    row = record_settlement(ctx, person, s, terms(visit, info, d, lines, med_type=med_type), lines)
    return settlement_answer(row, "2102", visit)


@handles("2103")
def cancel_purchase(ctx: Context, data: dict[str, Any]) -> dict[str, Any]:
    """2103 药店结算撤销: the negative twin; the account is refunded and the purchase closed."""
    d = _read(ctx, data, "cancel")["data"]
    row = get_settlement(ctx, d["setl_id"], mdtrt_id=d["mdtrt_id"], psn_no=d["psn_no"], kind=PHARMACY)
    twin = cancel_settlement(ctx, load_person(ctx, row.psn_no), row, lines_to=CANCELLED)
    visit = ctx.session.get(Visit, row.mdtrt_id)
    if visit is not None:
        visit.status = CANCELLED
    return settlement_answer(twin, "2103", visit)
