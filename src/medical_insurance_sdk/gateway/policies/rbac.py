"""What a caller may do: the roles and permissions of spec §7.2 (registry.policy), 403 + 10009 otherwise.

What a caller may read follows from it: a job's results or a stored answer only with the permission of
the transactions in it (`check_all`, `readable_infnos`) — a data_analyst does not read a 1101's answer.

router.add_api_route(..., dependencies=[Depends(require_permission("settlement:create"))])
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Annotated

from fastapi import Depends

from medical_insurance_sdk.exceptions import PermissionDeniedError
from medical_insurance_sdk.gateway.policies.auth import Caller, authenticate
from medical_insurance_sdk.registry import REGISTRY, Registry
from medical_insurance_sdk.registry.policy import PERMISSIONS, Role


def check_permission(caller: Caller, permission: str) -> None:
    if not caller.role.allows(permission):
        label = PERMISSIONS.get(permission, permission)
        raise PermissionDeniedError(
            f"权限不足: 角色 {caller.role.name}（{caller.role.label}）没有 {permission}（{label}）权限",
            code=10009,
        )


def check_all(caller: Caller, permissions: Iterable[str]) -> None:
    """Results of a job or a log are read with the permission of every transaction in them (403 + 10009)."""
    for permission in sorted(permissions):
        check_permission(caller, permission)


def readable_infnos(role: Role, registry: Registry = REGISTRY) -> frozenset[str] | None:
    """The transactions whose stored data (call log, interface data) the role may read: those it may call;
    None when it may call them all."""
    if role.allows("*"):
        return None
    return frozenset(tx.infno for tx in registry.transactions if role.allows(tx.permission))


def require_permission(permission: str) -> Callable[[Caller], Awaitable[Caller]]:
    """A dependency that authenticates the caller and demands `permission`."""

    async def permitted(caller: Annotated[Caller, Depends(authenticate)]) -> Caller:
        check_permission(caller, permission)
        return caller

    return permitted
