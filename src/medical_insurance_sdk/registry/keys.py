"""Identifying keys: which fields name a business record, the facts compensation and the ledger share.

    LEDGER_KEYS                  kept unmasked in every ledger entry (plus each transaction's additions)
    CREATION_KEYS                what identifies the record a write creates, unless it declares its own
    CANCELLATION_KEYS            what names the record a cancellation removes, unless it declares its own
    REMOVED_MARK                 the answer-row field and value that show a record as cancelled

A transaction declares its own (`Transaction.identity_keys`, `ledger_keys`, `removed_mark`) where its
record is named otherwise: an electronic prescription by its 医保处方编号 `hiRxno`.  Keys are never personal
data: the ledger keeps them unmasked (storage/models.py `LedgerEntry.business_keys`).
"""

from __future__ import annotations

# Business keys every ledger entry keeps unmasked: compensation and reconciliation work with them.
LEDGER_KEYS: tuple[str, ...] = (
    "psn_no",
    "mdtrt_id",
    "setl_id",
    "ipt_otp_no",
    "ipt_no",
    "chrg_bchno",
    "med_type",
    "insutype",
    "begntime",
    "endtime",
    "feedetl_sn",
    "file_qury_no",
    "medins_setl_id",
    "payOrdId",  # mobile payment (6202/6203/6401): the order 6301 is asked about
    "medOrgOrd",  # mobile payment 6201: the institution's order number, before a payOrdId exists
)
# Keys that identify one business record well enough to confirm its creation from a query answer.
CREATION_KEYS: tuple[str, ...] = ("setl_id", "feedetl_sn", "ipt_otp_no", "ipt_no")
# A cancellation names the record it removes by these.
CANCELLATION_KEYS: tuple[str, ...] = ("setl_id", "feedetl_sn", "mdtrt_id", "ipt_otp_no", "ipt_no")
# A removed record a query still lists carries this (field, value): 有效标志 0.
REMOVED_MARK: tuple[str, str] = ("vali_flag", "0")


def default_identity_keys(cancels: bool) -> tuple[str, ...]:
    """The identity keys of a transaction that declares none."""
    return CANCELLATION_KEYS if cancels else CREATION_KEYS
