"""The sandbox rule engine's memory: every violation 3101/3102 reported, and the doctor's 3103 answer to it.

One row per reported violation (jr_id).  `warn_type` is the 3103 反馈类型 it belongs to: 1 事前 (3101),
2 事中 (3102).  3103 fills `dspo_way` (1 继续执行医嘱 / 2 返回修改医嘱) and its reason; a later 3103 for the
same jr_id replaces the answer (the bureau keeps the latest feedback).  Created by the sandbox's create_all
(the handler module imports this one).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from medical_insurance_sdk.sandbox.state import AMOUNT, SandboxBase


class ReviewJudgement(SandboxBase):
    """One violation found by 3101 (事前) or 3102 (事中)."""

    __tablename__ = "sbx_review_judgement"

    jr_id: Mapped[str] = mapped_column(String(50), primary_key=True)
    infno: Mapped[str] = mapped_column(String(8))
    warn_type: Mapped[str] = mapped_column(String(3))
    fixmedins_code: Mapped[str] = mapped_column(String(30), index=True)
    task_id: Mapped[str | None] = mapped_column(String(50), nullable=True)
    rule_id: Mapped[str] = mapped_column(String(50))
    patn_id: Mapped[str] = mapped_column(String(50))
    mdtrt_id: Mapped[str] = mapped_column(String(50), index=True)
    rx_id: Mapped[str | None] = mapped_column(String(50), nullable=True)
    vola_amt: Mapped[Decimal] = mapped_column(AMOUNT)
    msgid: Mapped[str] = mapped_column(String(30), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    dspo_way: Mapped[str | None] = mapped_column(String(3), nullable=True)
    dspo_way_rea: Mapped[str | None] = mapped_column(String(500), nullable=True)
    feedback_msgid: Mapped[str | None] = mapped_column(String(30), nullable=True)
    feedback_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
