"""Per-institution interface overrides (spec §3.1.3): switch a transaction off, or give it another timeout.

    PUT config/interface-schema/batch
    {"interfaces": [{"interface_type": "outpatient_settle", "enabled": false},
                    {"interface_type": "1101", "timeout": 20}]}

A switched-off transaction answers 404 + 20002 (接口配置不存在: the institution has withdrawn its
configuration), kept apart from 20001, which says the path itself is unknown.  A timeout override reaches
`engine.call(timeout_s=…)` and wins over MEDICAL_INSURANCE_TIMEOUT and the registry's per-transaction value.

The rows are cached per process and re-read when older than `interface_config_refresh_s`: the worker that
took the update applies it at once, the others within that time.  A row equal to the defaults (enabled, no
timeout) is deleted, so the table holds only real overrides.
"""

from __future__ import annotations

import math
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

import anyio
import anyio.to_thread
from fastapi import FastAPI
from sqlalchemy import select

from medical_insurance_sdk.exceptions import UnsupportedInterfaceError
from medical_insurance_sdk.gateway.audit.models import InterfaceConfig
from medical_insurance_sdk.gateway.extensions import Admission, admission_policies, lifespan_hooks
from medical_insurance_sdk.gateway.settings import GatewaySettings
from medical_insurance_sdk.gateway.state import GatewayState
from medical_insurance_sdk.gateway.tenancy import utcnow
from medical_insurance_sdk.registry import Transaction
from medical_insurance_sdk.storage.database import Database

DISABLED_CODE = 20002
# A bureau call longer than this is a mistake, not a setting (the longest §6.1.1 timeout is 300 s).
MAX_TIMEOUT_S = 600.0


@dataclass(frozen=True)
class InterfaceOverride:
    """What one institution changed about one transaction."""

    interface_type: str
    infno: str
    enabled: bool = True
    timeout_s: float | None = None
    updated_at: datetime | None = None
    updated_by: str | None = None

    @property
    def is_default(self) -> bool:
        return self.enabled and self.timeout_s is None


@dataclass(frozen=True)
class Change:
    """One entry of a batch update: None leaves `enabled` as it is; `reset_timeout` restores the default."""

    tx: Transaction
    enabled: bool | None = None
    timeout_s: float | None = None
    reset_timeout: bool = False

    def applied_to(self, current: InterfaceOverride) -> InterfaceOverride:
        timeout = None if self.reset_timeout else (self.timeout_s or current.timeout_s)
        enabled = current.enabled if self.enabled is None else self.enabled
        return InterfaceOverride(self.tx.interface_type, self.tx.infno, enabled, timeout)


Key = tuple[int, str]  # (institution_id, interface_type)


def _load(database: Database) -> dict[Key, InterfaceOverride]:
    with database.session() as session:
        return {
            (row.institution_id, row.interface_type): InterfaceOverride(
                row.interface_type, row.infno, row.enabled, row.timeout_s, row.updated_at, row.updated_by
            )
            for row in session.scalars(select(InterfaceConfig))
        }


def _store(database: Database, institution_id: int, changes: Iterable[Change], key_id: str | None) -> None:
    now = utcnow()
    with database.session() as session:
        for change in changes:
            row = session.get(InterfaceConfig, (institution_id, change.tx.interface_type))
            current = (
                InterfaceOverride(row.interface_type, row.infno, row.enabled, row.timeout_s)
                if row is not None
                else InterfaceOverride(change.tx.interface_type, change.tx.infno)
            )
            wanted = change.applied_to(current)
            if wanted.is_default:
                if row is not None:
                    session.delete(row)
                continue
            if row is None:
                row = InterfaceConfig(institution_id=institution_id, interface_type=wanted.interface_type)
                session.add(row)
            row.infno = wanted.infno
            row.enabled = wanted.enabled
            row.timeout_s = wanted.timeout_s
            row.updated_at = now
            row.updated_by = key_id


class InterfaceOverrides:
    """The interface_config rows of every institution, cached for `refresh_s` seconds."""

    def __init__(self, database: Database, *, refresh_s: float) -> None:
        self.database = database
        self.refresh_s = refresh_s
        self._rows: dict[Key, InterfaceOverride] = {}
        self._loaded_at = -math.inf
        self._lock = anyio.Lock()

    async def _fresh(self) -> dict[Key, InterfaceOverride]:
        if time.monotonic() - self._loaded_at >= self.refresh_s:
            async with self._lock:  # one reload, however many calls arrive meanwhile
                if time.monotonic() - self._loaded_at >= self.refresh_s:
                    self._rows = await anyio.to_thread.run_sync(_load, self.database)
                    self._loaded_at = time.monotonic()
        return self._rows

    async def get(self, institution_id: int, tx: Transaction) -> InterfaceOverride:
        rows = await self._fresh()
        return rows.get((institution_id, tx.interface_type)) or InterfaceOverride(tx.interface_type, tx.infno)

    async def of_institution(self, institution_id: int) -> dict[str, InterfaceOverride]:
        rows = await self._fresh()
        return {kind: value for (owner, kind), value in rows.items() if owner == institution_id}

    async def update(self, institution_id: int, changes: list[Change], *, key_id: str | None) -> None:
        """Apply the changes in one transaction; this worker sees them at once."""
        await anyio.to_thread.run_sync(_store, self.database, institution_id, changes, key_id)
        self._loaded_at = -math.inf


class InterfaceConfigPolicy:
    """The transaction policy applying the overrides: 20002 when switched off, else the timeout."""

    name = "interface-config"
    order = 10  # first: a switched-off transaction should not spend rate or concurrency quota

    def __init__(self, settings: GatewaySettings) -> None:
        self.refresh_s = settings.interface_config_refresh_s

    @asynccontextmanager
    async def guard(self, state: GatewayState, admission: Admission) -> AsyncIterator[None]:
        if admission.tx is None:  # not a transaction: nothing to switch off
            yield
            return
        override = await interface_overrides(state).get(admission.caller.institution.id, admission.tx)
        if not override.enabled:
            raise UnsupportedInterfaceError(
                f"接口配置不存在: {admission.tx.title} 已被本机构停用"
                "（可用 PUT config/interface-schema/batch 重新启用）",
                code=DISABLED_CODE,
                infno=admission.tx.infno,
            )
        admission.timeout_s = override.timeout_s
        yield

    @asynccontextmanager
    async def running(self, state: GatewayState) -> AsyncIterator[None]:
        state.extras[self.name] = InterfaceOverrides(state.database, refresh_s=self.refresh_s)
        yield


def interface_overrides(state: GatewayState) -> InterfaceOverrides:
    store: InterfaceOverrides = state.extras[InterfaceConfigPolicy.name]
    return store


def install_interface_config(app: FastAPI, settings: GatewaySettings) -> None:
    policy = InterfaceConfigPolicy(settings)
    admission_policies(app).append(policy)
    lifespan_hooks(app).append(policy.running)
