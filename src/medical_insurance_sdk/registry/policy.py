"""Service levels of the spec as data: response targets and timeouts (§6.1.1), concurrency classes (§6.1.2),
rate-limit categories (§6.2.1), size limits (§6.2.2) and the permissions and roles of §7.2.

Transactions refer to these by key; the gateway and the engine read them from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class Performance:
    target_s: float
    timeout_s: float


# §6.1.1 PERFORMANCE_TARGETS: "≤ 2秒" -> target_s 2, "timeout": 10 -> timeout_s 10
PERFORMANCE_TARGETS: MappingProxyType[str, Performance] = MappingProxyType(
    {
        "person_info": Performance(2, 10),
        "institution_info": Performance(2, 10),
        "catalog_download": Performance(30, 120),
        "dictionary_download": Performance(10, 30),
        "benefit_check": Performance(3, 15),
        "pharmacy_settle": Performance(5, 30),
        "outpatient_settle": Performance(5, 30),
        "inpatient_settle": Performance(10, 60),
        "inventory_upload": Performance(5, 30),
        "drg_query": Performance(5, 30),
        "appeal_submit": Performance(3, 15),
        "medical_record_upload": Performance(30, 120),
        "clinical_data_upload": Performance(10, 60),
        "info_query": Performance(3, 15),
        "payment_order": Performance(5, 30),
        "prescription_upload": Performance(5, 30),
        "face_auth": Performance(10, 30),
        "file_upload": Performance(60, 300),
        "ticket_upload": Performance(5, 30),
        "policy_query": Performance(2, 10),
    }
)

# §6.1.2 CONCURRENCY_LIMITS
TOTAL_CONCURRENT_REQUESTS = 500
PER_INSTITUTION_CONCURRENT = 50
CONCURRENCY_CLASSES: MappingProxyType[str, int] = MappingProxyType(
    {"catalog_download": 10, "file_upload": 20, "data_upload": 30, "query": 100, "settle": 50}
)


@dataclass(frozen=True, slots=True)
class RateLimit:
    per_minute: int | None = None
    per_hour: int | None = None
    per_day: int | None = None

    def items(self) -> tuple[str, ...]:
        """As `limits` strings: ("1000/minute", "30000/hour", ...)."""
        parts = (("minute", self.per_minute), ("hour", self.per_hour), ("day", self.per_day))
        return tuple(f"{n}/{unit}" for unit, n in parts if n is not None)


# §6.2.1 RATE_LIMITS
GLOBAL_RATE = RateLimit(per_minute=1000, per_hour=30000, per_day=500000)
PER_INSTITUTION_RATE = RateLimit(per_minute=100, per_hour=5000, per_day=50000)
RATE_CATEGORIES: MappingProxyType[str, RateLimit] = MappingProxyType(
    {
        "catalog_download": RateLimit(per_hour=50, per_day=200),
        "file_upload": RateLimit(per_minute=20, per_hour=500),
        "data_query": RateLimit(per_minute=50, per_hour=2000),
        "settlement": RateLimit(per_minute=30, per_hour=1000),
    }
)

# §6.2.2 SIZE_LIMITS (bytes / counts)
MB = 1024 * 1024
REQUEST_BODY_MAX_BYTES = 50 * MB
UPLOAD_FILE_MAX_BYTES = 500 * MB
DOWNLOAD_FILE_MAX_BYTES = 2048 * MB
BATCH_OPERATION_MAX_RECORDS = 10000
JSON_FIELD_MAX_BYTES = 10 * MB
TEXT_FIELD_MAX_LENGTH = 10000
SINGLE_INTERFACE_MAX_RECORDS: MappingProxyType[str, int] = MappingProxyType(
    {"expense_detail": 1000, "diagnosis_info": 50, "course_record": 100, "inventory_data": 5000}
)

# §7.2.1 INTERFACE_PERMISSIONS and ROLES
PERMISSIONS: MappingProxyType[str, str] = MappingProxyType(
    {
        "person_info:read": "人员信息查询",
        "catalog:download": "目录下载",
        "settlement:create": "结算创建",
        "settlement:cancel": "结算撤销",
        "inventory:manage": "进销存管理",
        "drg:query": "DRG查询",
        "medical_record:upload": "病历上传",
        "clinical_data:upload": "临床数据上传",
        "info:query": "信息查询",
        "payment:create": "支付创建",
        "payment:query": "支付查询",
        "prescription:upload": "处方上传",
        "prescription:query": "处方查询",
        "monitoring:access": "监控访问",
        "file:upload": "文件上传",
        "file:download": "文件下载",
        "ticket:manage": "票据管理",
        "policy:query": "政策查询",
    }
)


@dataclass(frozen=True, slots=True)
class Role:
    name: str
    label: str
    permissions: frozenset[str]

    def allows(self, permission: str) -> bool:
        return "*" in self.permissions or permission in self.permissions


# The spec's four roles, each widened by what its users cannot work without (the spec's lists are the
# first set; the additions are the second):
#   hospital_operator: catalogs, 45xx/46xx clinical uploads and the 9101/9102 files of reconciliation;
#   pharmacy_operator: 5203 to see its own settlements, catalogs and files;
#   data_analyst: 9102, to fetch the catalog files it may request.
_SPEC_ROLE_PERMISSIONS: dict[str, set[str]] = {
    "hospital_operator": {
        "person_info:read",
        "settlement:create",
        "settlement:cancel",
        "medical_record:upload",
        "info:query",
        "prescription:upload",
    },
    "pharmacy_operator": {
        "person_info:read",
        "inventory:manage",
        "prescription:query",
        "payment:create",
        "payment:query",
    },
    "data_analyst": {"info:query", "drg:query", "policy:query", "catalog:download"},
}
_ADDED_PERMISSIONS: dict[str, set[str]] = {
    "hospital_operator": {"catalog:download", "clinical_data:upload", "file:upload", "file:download"},
    "pharmacy_operator": {"info:query", "catalog:download", "file:upload", "file:download"},
    "data_analyst": {"file:download"},
}

ROLES: MappingProxyType[str, Role] = MappingProxyType(
    {
        "admin": Role("admin", "系统管理员", frozenset({"*"})),
        "hospital_operator": Role(
            "hospital_operator",
            "医院操作员",
            frozenset(_SPEC_ROLE_PERMISSIONS["hospital_operator"] | _ADDED_PERMISSIONS["hospital_operator"]),
        ),
        "pharmacy_operator": Role(
            "pharmacy_operator",
            "药店操作员",
            frozenset(_SPEC_ROLE_PERMISSIONS["pharmacy_operator"] | _ADDED_PERMISSIONS["pharmacy_operator"]),
        ),
        "data_analyst": Role(
            "data_analyst",
            "数据分析员",
            frozenset(_SPEC_ROLE_PERMISSIONS["data_analyst"] | _ADDED_PERMISSIONS["data_analyst"]),
        ),
    }
)
