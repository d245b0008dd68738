"""Masking of personal data (spec §7.3.2): the one policy for everything stored, logged or shown.

    mask_id_card("430281199001010011") == "430281********0011"
    mask_phone("13800138000") == "138****8000"
    mask_name("张三丰") == "张*丰"
    mask_payload({"certno": 430281199001010011, "memo": "患者张三 电话13800138000"})
    == {"certno": "430281********0011", "memo": "患者张* 电话138****8000"}

Three rules, applied together by `mask_payload` (the ledger, the call log, batch and task copies) and by
`scrub_text` (log lines, error messages):
1. by field name: ID, phone and name fields are masked whatever their JSON type (an ID number sent as a
   JSON number is still an ID number);
2. by shape: an 18-character ID number or an 11-digit mobile number standing alone inside any text (a
   remark, a bureau message quoting the patient), and a whole value shaped like an ID number under any key;
3. names inside free text: the names the same message carries in its name fields wherever else they
   appear, and a name after a label (姓名 / 患者 / 参保人 …).

Stored copies are sealed as well (storage/protection.py); masking is what anything readable keeps.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

ID_FIELDS = frozenset(
    {"certno", "cert_no", "idNo", "id_card", "mdtrt_cert_no", "psn_cert_no", "idcard", "id_no", "psn_certno"}
)
PHONE_FIELDS = frozenset({"tel", "mob", "phone", "mobile", "coner_tel", "phone_no", "psn_tel", "emp_tel"})
NAME_FIELDS = frozenset(
    {"psn_name", "name", "userName", "coner_name", "patn_name", "patient_name", "insu_name", "psn_nm"}
)
_ID_LIKE = re.compile(r"^\d{17}[\dXx]$")
# An ID number or a mobile number standing alone inside a text; not part of a longer run of digits (a
# msgid, a settlement id), which is why the look-arounds are there.
_EMBEDDED_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")
_EMBEDDED_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
# A Chinese name after a label: "姓名:张三", "患者 李四丰", "参保人王五"
_LABELLED_NAME = re.compile(
    r"(?P<label>姓名|患者|病人|参保人|就诊人|联系人|持卡人|人员姓名)(?P<sep>\s*[:：]?\s*)"
    r"(?P<name>[\u4e00-\u9fa5·]{2,4})"
)
# Below these lengths a text holds no ID or mobile number (11 digits at least), nor a label and a name
# (2 + 2 characters, not ASCII): most values of a message (codes, amounts, dates) skip the expressions.
_SHORTEST_NUMBER = 11
_SHORTEST_LABELLED = 4


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


def _scalar_text(value: Any) -> str | None:
    """A scalar's text when it could carry a number (str, or a JSON number that is not a bool)."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def mask_value(key: str, value: Any) -> Any:
    """One field's value masked by its name or its shape; other values unchanged."""
    text = _scalar_text(value)
    if not text:
        return value
    if key in ID_FIELDS:
        # an e-voucher token or card number is not an ID number, but is just as personal
        return mask_id_card(text)
    if key in PHONE_FIELDS:
        return mask_phone(text)
    if key in NAME_FIELDS and isinstance(value, str):
        return mask_name(value)
    if _ID_LIKE.match(text):  # an ID number under an unexpected key
        return mask_id_card(text)
    return value


def scrub_text(text: str, names: Iterable[str] = ()) -> str:
    """The text with embedded ID numbers, mobile numbers and names masked (`names`: known names too)."""
    return _scrub(text, _longest_first(names))


def _longest_first(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({n for n in names if len(n) >= 2}, key=len, reverse=True))


def _scrub(text: str, names: tuple[str, ...]) -> str:
    """`scrub_text` with the names already in their order (once per message, not once per text)."""
    for name in names:
        if name in text:
            text = text.replace(name, mask_name(name))
    if len(text) < _SHORTEST_NUMBER and (text.isascii() or len(text) < _SHORTEST_LABELLED):
        return text  # too short for an ID or mobile number, and no room for a label and a name
    text = _LABELLED_NAME.sub(lambda m: m["label"] + m["sep"] + mask_name(m["name"]), text)
    text = _EMBEDDED_ID.sub(lambda m: mask_id_card(m.group(0)), text)
    return _EMBEDDED_MOBILE.sub(lambda m: mask_phone(m.group(0)), text)


def names_in(payload: Any) -> set[str]:
    """The values of the name fields anywhere in a message."""
    found: set[str] = set()
    _collect_names(payload, found)
    return found


def _collect_names(node: Any, found: set[str]) -> None:
    # dict and list first: the exact types messages are made of, cheaper to test than the ABCs
    if isinstance(node, dict) or (not isinstance(node, list) and isinstance(node, Mapping)):
        for key, value in node.items():
            if key in NAME_FIELDS and isinstance(value, str):
                if value.strip():
                    found.add(value.strip())
            elif isinstance(value, (dict, list, tuple, Mapping)):
                _collect_names(value, found)
    elif isinstance(node, (list, tuple)):
        for item in node:
            if isinstance(item, (dict, list, tuple, Mapping)):
                _collect_names(item, found)


class _Masker:
    """One message's masking: its names in order, and the longest text a copy keeps (`text_limit`)."""

    def __init__(self, names: tuple[str, ...], text_limit: int | None) -> None:
        self.names, self.text_limit = names, text_limit

    def node(self, node: Any) -> Any:
        if isinstance(node, dict) or (not isinstance(node, (str, list)) and isinstance(node, Mapping)):
            return {
                str(k): self.node(v) if isinstance(v, (dict, list, tuple, Mapping)) else self.field(str(k), v)
                for k, v in node.items()
            }
        if isinstance(node, (list, tuple)):
            return [self.node(v) for v in node]
        if isinstance(node, str):
            return self.bounded(_scrub(node, self.names))
        return node

    def field(self, key: str, value: Any) -> Any:
        masked = mask_value(key, value)
        if masked is value and isinstance(value, str):
            masked = _scrub(value, self.names)
        return self.bounded(masked)

    def bounded(self, value: Any) -> Any:
        if self.text_limit is not None and isinstance(value, str) and len(value) > self.text_limit:
            return f"<{len(value)} 字符，未存入台账>"
        return value


def mask_payload(payload: Any, *, text_limit: int | None = None) -> Any:
    """A masked deep copy of a message (dicts, lists, scalars): by field name, by shape and in free text.

    `text_limit`: a (masked) text longer than this is replaced by a note of its size (the ledger's and the
    audit's copies: a Base64 file is not worth keeping twice)."""
    return mask_payloads([payload], text_limit=text_limit)[0]


def mask_payloads(payloads: Sequence[Any], *, text_limit: int | None = None) -> list[Any]:
    """Several messages of one exchange (a request, its answer) masked together: a name any of them
    carries is masked in the free text of all of them."""
    names: set[str] = set()
    for payload in payloads:
        _collect_names(payload, names)
    masker = _Masker(_longest_first(names), text_limit)
    return [masker.node(payload) for payload in payloads]


def id_number_of(payload: Any) -> str | None:
    """The first ID number (an ID field's value) of a message, for its blind index; None when it has none."""
    if isinstance(payload, Mapping):
        for key, value in payload.items():
            text = _scalar_text(value)
            if key in ID_FIELDS and text and text.strip():
                return text.strip()
        for value in payload.values():
            if isinstance(value, (Mapping, list, tuple)) and (found := id_number_of(value)):
                return found
    elif isinstance(payload, (list, tuple)):
        for item in payload:
            if found := id_number_of(item):
                return found
    return None
