"""Masking of personal data (spec §7.3.2) for everything that is stored or logged.

    mask_id_card("430281199001010011") == "430281********0011"
    mask_phone("13800138000") == "138****8000"
    mask_name("张三丰") == "张*丰"

`mask_payload` walks a message and masks by field name, so the ledger, the audit log and the JSON log lines
never hold a full ID number, phone number or name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

ID_FIELDS = frozenset({"certno", "cert_no", "idNo", "id_card", "mdtrt_cert_no", "psn_cert_no"})
PHONE_FIELDS = frozenset({"tel", "mob", "phone", "mobile", "coner_tel", "phone_no"})
NAME_FIELDS = frozenset({"psn_name", "name", "userName", "coner_name", "patn_name", "patient_name"})
_ID_LIKE = re.compile(r"^\d{17}[\dXx]$")


def mask_id_card(value: str) -> str:
    """身份证号脱敏: keep the region (6) and the last 4."""
    if len(value) == 18:
        return value[:6] + "********" + value[-4:]
    if len(value) > 8:
        return value[:4] + "*" * (len(value) - 8) + value[-4:]
    return value


def mask_phone(value: str) -> str:
    """手机号脱敏: 138****8000."""
    if len(value) == 11:
        return value[:3] + "****" + value[-4:]
    if len(value) > 4:
        return "*" * (len(value) - 4) + value[-4:]
    return value


def mask_name(value: str) -> str:
    """姓名脱敏: 张* / 张*丰 / 欧阳**锋."""
    if not value:
        return value
    if len(value) <= 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


def mask_value(key: str, value: Any) -> Any:
    if not isinstance(value, str) or not value:
        return value
    if key in ID_FIELDS:
        # an e-voucher token or card number is not an ID number, but is just as personal
        return mask_id_card(value)
    if key in PHONE_FIELDS:
        return mask_phone(value)
    if key in NAME_FIELDS:
        return mask_name(value)
    if _ID_LIKE.match(value):  # an ID number under an unexpected key
        return mask_id_card(value)
    return value


def mask_payload(payload: Any) -> Any:
    """A masked deep copy of a message (dicts, lists, scalars)."""
    if isinstance(payload, Mapping):
        return {
            k: mask_value(k, mask_payload(v)) if not isinstance(v, (Mapping, list)) else mask_payload(v)
            for k, v in payload.items()
        }
    if isinstance(payload, list):
        return [mask_payload(v) for v in payload]
    return payload
