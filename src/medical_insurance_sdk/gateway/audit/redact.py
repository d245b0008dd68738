"""What the audit stores or logs: masked (spec §7.3.2, by the one policy of `masking.py`) and in bounds.

    redact({"certno": "430281199001010011", "memo": "联系电话 13800138000"})
    == {"certno": "430281********0011", "memo": "联系电话 138****8000"}

Masking itself (field names, JSON numbers, ID/mobile numbers and names in free text) lives in
`medical_insurance_sdk.masking`, shared with the ledger; this module adds what the audit tables need on
top: long texts (a Base64 file) replaced by their size, as in the ledger, and plain JSON values.
"""

from __future__ import annotations

import json
from typing import Any

from medical_insurance_sdk.engine.flow import ledger_copy
from medical_insurance_sdk.masking import scrub_text
from medical_insurance_sdk.protocol import jsoncodec

__all__ = ["MAX_STORED_BYTES", "plain_json", "redact", "scrub_text", "stored"]

# A stored payload larger than this (as JSON) is kept as a note of its size: rows stay small to query.
MAX_STORED_BYTES = 256 * 1024


def redact(value: Any) -> Any:
    """A masked deep copy (the ledger's copy: masked, long texts summarised)."""
    return ledger_copy(value)


def plain_json(value: Any) -> Any:
    """Plain JSON values: decimals keep their exact text ("350.00"), dates become the bureau's text."""
    return json.loads(jsoncodec.dumps(value), parse_float=str)


def stored(value: Any, *, max_bytes: int = MAX_STORED_BYTES) -> Any:
    """What a JSON column keeps of `value`: redacted plain JSON, or a size note when it is too large."""
    if value is None:
        return None
    text = jsoncodec.dumps(redact(value))
    if len(text) > max_bytes:
        return {"omitted": "too_large", "bytes": len(text)}
    return json.loads(text, parse_float=str)
