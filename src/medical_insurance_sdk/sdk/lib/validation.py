"""Local validation against the registry's field tables, without any network (spec §11.4).

result = sdk.validate_medical_data("electronic_medical_record", data)
if not result.success: print(result.errors)        # ["30002 - 必填字段缺失: adminfo.mdtrt_sn", ...]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from medical_insurance_sdk.exceptions import DataValidationError, UnsupportedInterfaceError
from medical_insurance_sdk.registry import REGISTRY, Registry, Transaction
from medical_insurance_sdk.sdk._results import ValidationResult
from medical_insurance_sdk.sdk.lib.friendly import to_bureau


def resolve(key: str, registry: Registry = REGISTRY) -> Transaction:
    """A transaction by infno, interface_type, SDK method name, or the spec's short interface names
    ("electronic_medical_record" → electronic_medical_record_upload)."""
    for candidate in (key, f"{key}_upload", f"{key}_query", f"upload_{key}", f"query_{key}"):
        tx = registry.get(candidate)
        if tx is not None:
            return tx
    raise UnsupportedInterfaceError(f"不支持的接口类型: {key}")


def validate(key: str, data: Mapping[str, Any], registry: Registry = REGISTRY) -> ValidationResult:
    """Every problem of `data` (friendly or bureau names) as the bureau would see it; nothing is filled in."""
    tx = resolve(key, registry)
    try:
        tx.validate_input(to_bureau(tx, data))
    except DataValidationError as exc:
        return ValidationResult(
            infno=tx.infno,
            success=False,
            errors=tuple(e.message for e in exc.errors) or (exc.message,),
            details=tuple(e.as_dict() for e in exc.errors),
        )
    return ValidationResult(infno=tx.infno, success=True)
