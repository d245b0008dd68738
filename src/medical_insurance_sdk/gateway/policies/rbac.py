"""What a caller may do: the roles and permissions of spec §7.2 (registry.policy), 403 + 10009 otherwise.

router.add_api_route(..., dependencies=[Depends(require_permission("settlement:create"))])
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends

from medical_insurance_sdk.exceptions import PermissionDeniedError
from medical_insurance_sdk.gateway.policies.auth import Caller, authenticate
from medical_insurance_sdk.registry.policy import PERMISSIONS


def check_permission(caller: Caller, permission: str) -> None:
    if not caller.role.allows(permission):
        label = PERMISSIONS.get(permission, permission)
        raise PermissionDeniedError(
            f"权限不足: 角色 {caller.role.name}（{caller.role.label}）没有 {permission}（{label}）权限",
            code=10009,
        )


def require_permission(permission: str) -> Callable[[Caller], Awaitable[Caller]]:
    """A dependency that authenticates the caller and demands `permission`."""

    async def permitted(caller: Annotated[Caller, Depends(authenticate)]) -> Caller:
        check_permission(caller, permission)
        return caller

    return permitted
