"""What the audit stores or logs: masked (spec §7.3.2, by the one policy of `masking.py`) and in bounds.

    redact({"certno": "430281199001010011", "memo": "联系电话 13800138000"})
    == {"certno": "430281********0011", "memo": "联系电话 138****8000"}

Masking itself (field names, JSON numbers, ID/mobile numbers and names in free text) lives in
`medical_insurance_sdk.masking`, shared with the ledger; this module adds what the audit tables need on
top: long texts (a Base64 file) replaced by their size, as in the ledger, and plain JSON values.
"""

from __future__ import annotations

from typing import Any

from medical_insurance_sdk.engine.flow import LEDGER_TEXT_LIMIT, ledger_copy
from medical_insurance_sdk.masking import mask_payloads, scrub_text
from medical_insurance_sdk.protocol import jsoncodec

__all__ = [
    "MAX_STORED_BYTES",
    "plain_json",
    "redact",
    "redact_together",
    "scrub_text",
    "stored",
    "stored_copy",
]

# A stored payload larger than this (as JSON) is kept as a note of its size: rows stay small to query.
MAX_STORED_BYTES = 256 * 1024


def redact(value: Any) -> Any:
    """A masked deep copy (the ledger's copy: masked, long texts summarised)."""
    return ledger_copy(value)


def redact_together(*values: Any) -> list[Any]:
    """`redact` of several payloads of one exchange in one pass: a name any of them carries (the answer's
    psn_name) is masked in the free text of all of them."""
    return mask_payloads(values, text_limit=LEDGER_TEXT_LIMIT)


def plain_json(value: Any) -> Any:
    """Plain JSON values: decimals keep their exact text ("350.00"), dates become the bureau's text."""
    return jsoncodec.plain(value)


def stored(value: Any, *, max_bytes: int = MAX_STORED_BYTES) -> Any:
    """What a JSON column keeps of `value`: redacted plain JSON, or a size note when it is too large."""
    return stored_copy(redact(value), max_bytes=max_bytes)


def stored_copy(redacted: Any, *, max_bytes: int = MAX_STORED_BYTES) -> Any:
    """`stored` of a value redacted already (one exchange's payloads are masked once, see recorder.py)."""
    if redacted is None:
        return None
    value, size = jsoncodec.plain_and_size(redacted)
    if size > max_bytes:
        return {"omitted": "too_large", "bytes": size}
    return value
