"""场景监控 (spec §2.8): 5 transactions, in the spec's order (data only).

Codes follow the spec's order inside 9601-9605 (the spec's §4.1 table confirms 9605 远程查床申诉).
"""

from __future__ import annotations

from medical_insurance_sdk.registry.transaction import Category, Safety, Transaction, tx

_C = Category.MONITORING
_W = Safety.WRITE

TRANSACTIONS: tuple[Transaction, ...] = (
    tx(
        "9601",
        "人脸认证",
        "face_authentication",
        _C,
        "POST monitoring/face-authentication",
        safety=_W,
        permission="monitoring:access",
        perf="face_auth",
        sdk_method="authenticate_face",
        notes="Records a presence check at the bureau, so it is not retried.",
    ),
    tx(
        "9602",
        "特殊登记",
        "special_registration",
        _C,
        "POST monitoring/special-registration",
        safety=_W,
        permission="monitoring:access",
        perf="face_auth",
        sdk_method="register_special_case",
    ),
    tx(
        "9603",
        "人脸建模",
        "face_modeling",
        _C,
        "POST monitoring/face-modeling",
        safety=_W,
        permission="monitoring:access",
        perf="face_auth",
        sdk_method="build_face_model",
    ),
    tx(
        "9604",
        "远程查床任务查询",
        "remote_bed_check_query",
        _C,
        "GET monitoring/remote-bed-check-query",
        safety=Safety.QUERY,
        permission="monitoring:access",
        perf="face_auth",
        sdk_method="query_remote_bed_check_tasks",
    ),
    tx(
        "9605",
        "远程查床申诉",
        "remote_bed_check_appeal",
        _C,
        "POST monitoring/remote-bed-check-appeal",
        safety=_W,
        permission="monitoring:access",
        perf="face_auth",
        sdk_method="appeal_remote_bed_check",
    ),
)
