"""Who may use the embedded sandbox's admin API and page when the gateway serves them (/sandbox/…).

    app.include_router(admin_router(sandbox_state, guard=sandbox_admin_access))

The gateway's own credentials (API key or JWT, with X-Institution-Code; 401 + 10007 otherwise) in every
environment.  An admin key sees everything (persons, balances, faults, reset, every institution's ledger);
another role that may read personal data (person_info:read: the ledger holds what 1101 answers hold) sees
only its own institution's ledger rows; anything else is 403 + 10009.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from medical_insurance_sdk.gateway.policies.auth import Caller, authenticate
from medical_insurance_sdk.gateway.policies.rbac import check_permission
from medical_insurance_sdk.sandbox.admin import AdminAccess

LEDGER_PERMISSION = "person_info:read"


async def sandbox_admin_access(caller: Annotated[Caller, Depends(authenticate)]) -> AdminAccess:
    if caller.role.name == "admin":
        return AdminAccess()
    check_permission(caller, LEDGER_PERMISSION)
    return AdminAccess(institution=caller.institution_code)
