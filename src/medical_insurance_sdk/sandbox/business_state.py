"""The sandbox bureau's business tables: visits, fee lines, settlements, 备案 filings and 进销存 records.

They live on `SandboxBase` beside the shared tables of `state.py` and are created by the same `create_all`.
Amounts are Numeric(16,2) columns; the JSON columns keep what the answers and queries need to replay
(uploaded rows, priced rows, setldetail), with decimals written as text so that a row reads back the same
whatever JSON serializer the engine uses (`business/shapes.py` turns them back into Decimal).

Statuses:
- Visit: registered (2201) / admitted (2401) / discharged (2402) / cancelled (2202, 2404, 2601 of a 2401,
  2103 for a pharmacy purchase).  Whether a visit is settled is not a status: it is "has a live settlement".
- FeeDetail: uploaded (not settled) / settled / cancelled (2205, 2302, or the visit was cancelled).
- SettlementRow: settled / cancelled (2208, 2305, 2103 wrote its negative twin) / reversed (2601 undid it).
  A negative twin has `cancel_of` set; its own status is settled while the cancellation stands, reversed
  after a 2601 of the 2208/2305 restored the original.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from medical_insurance_sdk.sandbox.state import AMOUNT, SandboxBase

RATIO = Numeric(5, 4)


class Visit(SandboxBase):
    """One 就诊 (mdtrt_id): an outpatient registration, an admission, or a pharmacy purchase."""

    __tablename__ = "sbx_visit"

    mdtrt_id: Mapped[str] = mapped_column(String(30), primary_key=True)
    psn_no: Mapped[str] = mapped_column(String(30), index=True)
    fixmedins_code: Mapped[str] = mapped_column(String(30), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # outpatient / inpatient / pharmacy
    insutype: Mapped[str] = mapped_column(String(6))
    med_type: Mapped[str | None] = mapped_column(String(6), nullable=True)
    ipt_otp_no: Mapped[str | None] = mapped_column(String(30), nullable=True)  # 门诊号 or 住院号 (ipt_no)
    mdtrt_cert_type: Mapped[str | None] = mapped_column(String(3), nullable=True)
    mdtrt_cert_no: Mapped[str | None] = mapped_column(String(50), nullable=True)
    begntime: Mapped[datetime] = mapped_column(DateTime, index=True)
    endtime: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    dept_code: Mapped[str | None] = mapped_column(String(30), nullable=True)
    dept_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    status: Mapped[str] = mapped_column(String(12), index=True)
    # what 2201/2203/2401/2402/2403 said about the visit, merged (text values), for 5201/5303
    info: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # diagnosis rows (2203, 2401, 2402, 2403), each with inout_diag_type, for 5202
    diagnoses: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_msgid: Mapped[str] = mapped_column(String(30), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    opter: Mapped[str] = mapped_column(String(30), default="")


class FeeDetail(SandboxBase):
    """One uploaded fee line (2204 / 2301 / a pharmacy purchase) with the bureau's split of it."""

    __tablename__ = "sbx_fee_detail"
    __table_args__ = (UniqueConstraint("mdtrt_id", "feedetl_sn", name="uq_sbx_fee_detail_sn"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    mdtrt_id: Mapped[str] = mapped_column(String(30), index=True)
    feedetl_sn: Mapped[str] = mapped_column(String(30))
    psn_no: Mapped[str] = mapped_column(String(30), index=True)
    fixmedins_code: Mapped[str] = mapped_column(String(30))
    chrg_bchno: Mapped[str | None] = mapped_column(String(30), nullable=True)
    init_feedetl_sn: Mapped[str | None] = mapped_column(String(30), nullable=True)  # 2301 refund lines
    med_list_codg: Mapped[str] = mapped_column(String(50))
    fee_ocur_time: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    det_item_fee_sumamt: Mapped[Decimal] = mapped_column(AMOUNT)
    request: Mapped[dict[str, Any]] = mapped_column(JSON)  # the uploaded row (text values)
    priced: Mapped[dict[str, Any]] = mapped_column(JSON)  # the result row + med_list_codg (text values)
    status: Mapped[str] = mapped_column(String(12), index=True)
    setl_id: Mapped[str | None] = mapped_column(String(30), nullable=True, index=True)
    msgid: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class SettlementRow(SandboxBase):
    """One settlement (2207 / 2304 / 2102) or its negative cancellation (2208 / 2305 / 2103)."""

    __tablename__ = "sbx_settlement"

    setl_id: Mapped[str] = mapped_column(String(30), primary_key=True)
    mdtrt_id: Mapped[str] = mapped_column(String(30), index=True)
    psn_no: Mapped[str] = mapped_column(String(30), index=True)
    fixmedins_code: Mapped[str] = mapped_column(String(30), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # outpatient / inpatient / pharmacy
    clr_type: Mapped[str] = mapped_column(String(6))
    clr_way: Mapped[str] = mapped_column(String(6))
    clr_optins: Mapped[str] = mapped_column(String(6))
    insutype: Mapped[str] = mapped_column(String(6))
    med_type: Mapped[str] = mapped_column(String(6))
    mdtrt_cert_type: Mapped[str | None] = mapped_column(String(3), nullable=True)
    psn_setlway: Mapped[str | None] = mapped_column(String(6), nullable=True)
    acct_used_flag: Mapped[str | None] = mapped_column(String(1), nullable=True)
    mid_setl_flag: Mapped[str | None] = mapped_column(String(3), nullable=True)
    invono: Mapped[str | None] = mapped_column(String(20), nullable=True)
    chrg_bchno: Mapped[str | None] = mapped_column(String(30), nullable=True)
    setl_time: Mapped[datetime] = mapped_column(DateTime, index=True)
    year: Mapped[int] = mapped_column(Integer)  # the year of the person counters it moved
    medins_setl_id: Mapped[str] = mapped_column(String(30), index=True)  # = the request msgid
    msgid: Mapped[str] = mapped_column(String(30), index=True)

    medfee_sumamt: Mapped[Decimal] = mapped_column(AMOUNT)
    fulamt_ownpay_amt: Mapped[Decimal] = mapped_column(AMOUNT)
    overlmt_selfpay: Mapped[Decimal] = mapped_column(AMOUNT)
    preselfpay_amt: Mapped[Decimal] = mapped_column(AMOUNT)
    inscp_scp_amt: Mapped[Decimal] = mapped_column(AMOUNT)
    act_pay_dedc: Mapped[Decimal] = mapped_column(AMOUNT)
    hifp_pay: Mapped[Decimal] = mapped_column(AMOUNT)
    cvlserv_pay: Mapped[Decimal] = mapped_column(AMOUNT)
    hifes_pay: Mapped[Decimal] = mapped_column(AMOUNT)
    hifmi_pay: Mapped[Decimal] = mapped_column(AMOUNT)
    hifob_pay: Mapped[Decimal] = mapped_column(AMOUNT)
    maf_pay: Mapped[Decimal] = mapped_column(AMOUNT)
    oth_pay: Mapped[Decimal] = mapped_column(AMOUNT)
    fund_pay_sumamt: Mapped[Decimal] = mapped_column(AMOUNT)
    psn_part_amt: Mapped[Decimal] = mapped_column(AMOUNT)
    acct_pay: Mapped[Decimal] = mapped_column(AMOUNT)
    psn_cash_pay: Mapped[Decimal] = mapped_column(AMOUNT)
    hosp_part_amt: Mapped[Decimal] = mapped_column(AMOUNT)
    acct_mulaid_pay: Mapped[Decimal] = mapped_column(AMOUNT)
    pool_prop_selfpay: Mapped[Decimal] = mapped_column(RATIO)
    balc: Mapped[Decimal] = mapped_column(AMOUNT)  # the account balance right after this row

    person: Mapped[dict[str, Any]] = mapped_column(JSON)  # the setlinfo person block (text values)
    setldetail: Mapped[list[Any]] = mapped_column(JSON)  # fund rows (text values)
    ytd_delta: Mapped[dict[str, Any]] = mapped_column(JSON)  # what it added to the yearly counters
    feedetl_sns: Mapped[list[Any]] = mapped_column(JSON)  # the fee lines it settled
    status: Mapped[str] = mapped_column(String(12), index=True)
    cancel_of: Mapped[str | None] = mapped_column(String(30), nullable=True, index=True)
    cancelled_by: Mapped[str | None] = mapped_column(String(30), nullable=True)  # setl_id of the twin
    reversed_by: Mapped[str | None] = mapped_column(String(30), nullable=True)  # msgid of the 2601


class Record(SandboxBase):
    """A 备案 filing (2501 转院, 2503 慢特病, 2505 定点, 2507 意外伤害) and whether it was cancelled."""

    __tablename__ = "sbx_record"

    trt_dcla_detl_sn: Mapped[str] = mapped_column(String(30), primary_key=True)
    infno: Mapped[str] = mapped_column(String(8), index=True)
    psn_no: Mapped[str] = mapped_column(String(30), index=True)
    fixmedins_code: Mapped[str] = mapped_column(String(30))
    business_key: Mapped[str | None] = mapped_column(String(50), nullable=True)  # disease / institution
    begndate: Mapped[str | None] = mapped_column(String(10), nullable=True)
    enddate: Mapped[str | None] = mapped_column(String(10), nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)  # the filed node (text values)
    status: Mapped[str] = mapped_column(String(12), index=True)  # active / cancelled
    created_msgid: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    cancelled_msgid: Mapped[str | None] = mapped_column(String(30), nullable=True)
    cancel_memo: Mapped[str | None] = mapped_column(String(500), nullable=True)


class InventoryRecord(SandboxBase):
    """One 进销存 row (3501-3506 and their batch forms); 3507 marks rows deleted."""

    __tablename__ = "sbx_inventory"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    infno: Mapped[str] = mapped_column(String(8), index=True)  # the single-row infno (3501 for 3501A)
    inv_data_type: Mapped[str] = mapped_column(String(3), index=True)  # 3507's 1 盘存 2 变更 3 采购 4 销售
    fixmedins_code: Mapped[str] = mapped_column(String(30), index=True)
    fixmedins_bchno: Mapped[str] = mapped_column(String(30), index=True)
    med_list_codg: Mapped[str] = mapped_column(String(50), index=True)
    fixmedins_hilist_id: Mapped[str | None] = mapped_column(String(30), nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)  # the uploaded row (text values)
    status: Mapped[str] = mapped_column(String(12))  # active / deleted
    msgid: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    deleted_msgid: Mapped[str | None] = mapped_column(String(30), nullable=True)
