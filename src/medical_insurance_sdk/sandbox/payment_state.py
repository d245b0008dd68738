"""The sandbox bureau's mobile-payment orders (6201-6401), on `SandboxBase` beside the business tables.

An order (payOrdId) is made by 6201 from the fee lines it uploads, which live as an outpatient visit's
FeeDetail rows; 6202 settles them (a SettlementRow, `setl_id`), 6203 refunds that settlement (its negative
twin), 6401 revokes an unpaid order.  Status: uploaded / paid / refunded / revoked.  The table is imported
by `handlers/payment.py`, so `create_all` makes it with the others.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from medical_insurance_sdk.sandbox.state import AMOUNT, SandboxBase


class PayOrder(SandboxBase):
    """One mobile-payment order: the uploaded fees of a visit, then its settlement and refund."""

    __tablename__ = "sbx_pay_order"
    __table_args__ = (UniqueConstraint("fixmedins_code", "med_org_ord", name="uq_sbx_pay_order_med_org_ord"),)

    pay_ord_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    pay_token: Mapped[str] = mapped_column(String(40))
    fixmedins_code: Mapped[str] = mapped_column(String(30), index=True)
    med_org_ord: Mapped[str] = mapped_column(String(40))
    psn_no: Mapped[str] = mapped_column(String(30), index=True)
    mdtrt_id: Mapped[str] = mapped_column(String(30))
    insutype: Mapped[str] = mapped_column(String(6))
    med_type: Mapped[str] = mapped_column(String(6))
    acct_used_flag: Mapped[str] = mapped_column(String(3))
    medfee_sumamt: Mapped[Decimal] = mapped_column(AMOUNT)
    status: Mapped[str] = mapped_column(String(12), index=True)
    setl_id: Mapped[str | None] = mapped_column(String(30), nullable=True)  # the 6202 settlement
    refund_setl_id: Mapped[str | None] = mapped_column(String(30), nullable=True)  # its 6203 twin
    app_refd_sn: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_msgid: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    paid_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    refunded_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
