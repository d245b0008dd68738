"""Masking (spec §7.3.2) of whatever the audit stores or logs, and its size kept in bounds.

    redact({"certno": "430281199001010011", "memo": "联系电话 13800138000"})
    == {"certno": "430281********0011", "memo": "联系电话 138****8000"}

`masking.mask_payload` masks by field name (and whole values shaped like an ID number); free text can still
carry one (a bureau message quoting the patient's ID, a remark with a phone number), so strings are also
scrubbed of embedded 18-character ID numbers and 11-digit mobile numbers.  Long texts (a Base64 file) are
replaced by their size, as in the ledger.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from medical_insurance_sdk.engine.flow import ledger_copy
from medical_insurance_sdk.masking import mask_id_card, mask_phone
from medical_insurance_sdk.protocol import jsoncodec

# An ID number or a mobile number standing alone inside a text; not part of a longer run of digits (a
# msgid, a settlement id), which is why the look-arounds are there.
_EMBEDDED_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")
_EMBEDDED_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
# A stored payload larger than this (as JSON) is kept as a note of its size: rows stay small to query.
MAX_STORED_BYTES = 256 * 1024


def scrub_text(text: str) -> str:
    """The text with embedded ID and mobile numbers masked."""
    text = _EMBEDDED_ID.sub(lambda m: mask_id_card(m.group(0)), text)
    return _EMBEDDED_MOBILE.sub(lambda m: mask_phone(m.group(0)), text)


def _scrub(node: Any) -> Any:
    if isinstance(node, Mapping):
        return {str(k): _scrub(v) for k, v in node.items()}
    if isinstance(node, (list, tuple)):
        return [_scrub(v) for v in node]
    if isinstance(node, str):
        return scrub_text(node)
    return node


def redact(value: Any) -> Any:
    """A masked, scrubbed deep copy with long texts summarised."""
    return _scrub(ledger_copy(value))


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
