"""The sandbox bureau's electronic prescriptions (电子处方中心): one row per 医保处方编号 (hiRxno).

A prescription moves through these statuses (`status`):
- verified   7101 上传预核验 passed: hiRxno and rxTraceCode are issued, nothing is filed yet;
- signed     7102 医保电子签名 signed its information (`sign_digest`);
- uploaded   7103 上传: filed and audited at once (`chk_stas`); pharmacies may download and dispense it;
- dispensed  7207 出库明细上传: the drugs were handed out and settled (`setl_time`, `sale`); 7208 undoes it;
- cancelled  7104 撤销.

`rx_stas` is the bureau's 医保处方状态 (1 有效, 2 已失效, 3 已撤销, as the 7103 answer documents it).  The
audit (`chk_stas`) and use (`used_stas`) codes are the sandbox's own, the public copies print no dictionary
for rx_chk_stas_codg / rx_used_stas_codg: 1 审核通过 / 2 审核不通过; 0 未使用 / 1 已使用.  The JSON columns
keep what the answers replay (texts only).  Created by the same `create_all` as the other sandbox tables
(the handler module imports this one).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from medical_insurance_sdk.sandbox.state import SandboxBase

VERIFIED = "verified"
SIGNED = "signed"
UPLOADED = "uploaded"
DISPENSED = "dispensed"
CANCELLED = "cancelled"

RX_STAS = {"1": "有效", "2": "已失效", "3": "已撤销"}
CHK_STAS = {"1": "审核通过", "2": "审核不通过"}
USED_STAS = {"0": "未使用", "1": "已使用"}


class Prescription(SandboxBase):
    """One electronic prescription, from its pre-verification to its dispensing or cancellation."""

    __tablename__ = "sbx_prescription"

    hi_rxno: Mapped[str] = mapped_column(String(30), primary_key=True)
    rx_trace_code: Mapped[str] = mapped_column(String(20), index=True)
    hosp_rxno: Mapped[str] = mapped_column(String(40), index=True)
    fixmedins_code: Mapped[str] = mapped_column(String(30), index=True)
    psn_no: Mapped[str] = mapped_column(String(30), index=True)
    certno: Mapped[str] = mapped_column(String(50))
    psn_name: Mapped[str] = mapped_column(String(50))
    mdtrt_id: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(12), index=True)
    rx_stas: Mapped[str] = mapped_column(String(3), default="1")
    used_stas: Mapped[str] = mapped_column(String(3), default="0")
    chk_stas: Mapped[str | None] = mapped_column(String(3), nullable=True)
    chk_opnn: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    prsc_time: Mapped[datetime] = mapped_column(DateTime)
    vali_end_time: Mapped[datetime] = mapped_column(DateTime)
    sign_digest: Mapped[str | None] = mapped_column(String(128), nullable=True)
    # the 7101 message (data with its rxdrugdetail/mdtrtinfo/diseinfo), for 7105/7204 to replay
    info: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # the 7103 message without the file (pharmacist, signature), and the audit
    upload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # pharmacy side: 7201 authorisation, 7206 review, 7209/7210 delivery, 7108/7109 notifications
    pharmacy: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # 7207: the sale rows and the settlement id; emptied again by 7208
    sale: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    chk_time: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    setl_time: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    created_msgid: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
