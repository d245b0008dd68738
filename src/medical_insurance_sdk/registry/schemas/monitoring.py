"""Field tables of the 场景监控 category, 9601-9605: none published (data only)."""

from __future__ import annotations

from medical_insurance_sdk.registry.fields import Schema

SCHEMAS: dict[str, Schema] = {}

# Transactions of this module for which no public field table was found: infno -> what was searched.
_SEARCHED = (
    "Codes chosen by us in the spec's order (open questions); searched the code and pages corpora for"
    " 人脸认证, 特殊登记, 人脸建模, 远程查床 with infno and psn_no: only the spec itself names them; a "
    "second exact-string search of the whole index (远程查床, the infnos) found only a web page title."
)
UNPUBLISHED: dict[str, str] = {
    "9601": _SEARCHED,
    "9602": _SEARCHED,
    "9603": _SEARCHED,
    "9604": _SEARCHED,
    "9605": _SEARCHED,
}
