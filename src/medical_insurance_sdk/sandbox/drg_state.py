"""The sandbox bureau's DRG exit applications (3601-3604) and audit appeals (3701-3704).

They live on `SandboxBase` beside the shared tables and are created by the same `create_all` (imported by
`sandbox/handlers/drg.py`, which `runtime.load_handlers` imports).

Statuses:
- DrgExitApplication: pending 待审核 (3602, or modified by 3603) / withdrawn 已撤销 (3603) / approved 审核通过
  / rejected 审核不通过 (the bureau's audit, once the application has waited `AUDIT_DELAY`).
- AuditDeduction: one 扣款节点 of the bureau's audit of a settlement (listed by 3701).
- Appeal: pending 待审核 (3702) / accepted 申诉成立 / refused 维持扣款 (the audit, after `AUDIT_DELAY`);
  `review_requested_at` is set by 3703 (申请合议) on a refused appeal, `attachments` by 3704.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from medical_insurance_sdk.sandbox.state import AMOUNT, SandboxBase


class DrgExitApplication(SandboxBase):
    """One DRG 退出申请 of an inpatient visit (3602), as 3603 changed it and the audit decided it."""

    __tablename__ = "sbx_drg_exit"

    appy_id: Mapped[str] = mapped_column(String(30), primary_key=True)
    fixmedins_code: Mapped[str] = mapped_column(String(30), index=True)
    psn_no: Mapped[str] = mapped_column(String(30), index=True)
    mdtrt_id: Mapped[str] = mapped_column(String(30), index=True)
    exit_rea: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(12), index=True)
    opinion: Mapped[str | None] = mapped_column(String(200), nullable=True)
    submitted_at: Mapped[datetime] = mapped_column(DateTime)
    changed_at: Mapped[datetime] = mapped_column(DateTime)  # last 3602/3603: the audit waits from here
    audited_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    msgid: Mapped[str] = mapped_column(String(30))
    opter: Mapped[str] = mapped_column(String(30), default="")


class AuditDeduction(SandboxBase):
    """One 扣款节点: what the bureau's audit deducted from a settlement's fund payment."""

    __tablename__ = "sbx_audit_deduction"

    dedu_id: Mapped[str] = mapped_column(String(30), primary_key=True)
    fixmedins_code: Mapped[str] = mapped_column(String(30), index=True)
    setl_id: Mapped[str] = mapped_column(String(30), unique=True)
    mdtrt_id: Mapped[str] = mapped_column(String(30), index=True)
    psn_no: Mapped[str] = mapped_column(String(30), index=True)
    dedu_amt: Mapped[Decimal] = mapped_column(AMOUNT)
    dedu_rea: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Appeal(SandboxBase):
    """One 申诉 against a deduction node (3702), its attachments (3704) and its 合议 request (3703)."""

    __tablename__ = "sbx_appeal"

    appeal_id: Mapped[str] = mapped_column(String(30), primary_key=True)
    dedu_id: Mapped[str] = mapped_column(String(30), index=True)
    fixmedins_code: Mapped[str] = mapped_column(String(30), index=True)
    appeal_rea: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(12), index=True)
    opinion: Mapped[str | None] = mapped_column(String(200), nullable=True)
    attachments: Mapped[list[Any]] = mapped_column(JSON, default=list)  # {file_name, file_size, time}
    submitted_at: Mapped[datetime] = mapped_column(DateTime)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    review_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    review_requested_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    msgid: Mapped[str] = mapped_column(String(30))
