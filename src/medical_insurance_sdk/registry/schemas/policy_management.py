"""Field tables of the 政策管理 category, 100001 (data only; none published)."""

from __future__ import annotations

from medical_insurance_sdk.registry.fields import Schema

SCHEMAS: dict[str, Schema] = {}

# Transactions of this module for which no public field table was found: infno -> what was searched.
UNPUBLISHED: dict[str, str] = {
    "100001": (
        "No field table found: fengzaiqishi11/hsa-his InsurePolicyBOImpl.java calls 100001 with "
        "setl_Id, psn_No, mdtrt_Id directly under input (that casing, no types) and reads output as "
        "one object; searched the code corpus for 政策项查询 and 100001; openhis and "
        "binzhe12123/Medical have no 100001 model; a second exact-string search (政策项查询) finds only "
        "hsa-his service wrappers and enums, no types."
    ),
}
