"""API keys: `mik_<key_id>_<secret>`, shown once, stored as a SHA-256 hash, compared in constant time.

    issued = create_key(database, "H43028110001", "hospital_operator")
    print(issued.key)                        # the only time the whole key is visible
    found = authenticate_key(database, presented_key)   # a KeyRecord, or None

`key_id` (16 hex characters) identifies a key in lists, logs and `yibao keys revoke`; it is not secret.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, func, select

from medical_insurance_sdk.exceptions import DataValidationError, FieldError
from medical_insurance_sdk.gateway.models import ApiKey, Institution
from medical_insurance_sdk.gateway.tenancy import InstitutionRecord, utcnow
from medical_insurance_sdk.registry.policy import ROLES
from medical_insurance_sdk.storage.database import Database

KEY_PREFIX = "mik"
_KEY = re.compile(r"^mik_([0-9a-f]{16})_([A-Za-z0-9_\-]{20,})$")
# last_used_at is a hint for operators, not an audit trail: write it at most once a minute per key.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# Compared against when the key_id is unknown, so that a miss costs what a hit costs.
_DUMMY_HASH = hashlib.sha256(b"mik_unknown").hexdigest()


@dataclass(frozen=True)
class IssuedKey:
    key_id: str
    key: str
    institution_code: str
    role: str


@dataclass(frozen=True)
class KeyRecord:
    """A stored key with its institution (never the secret)."""

    key_id: str
    role: str
    label: str | None
    institution: InstitutionRecord
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None and self.institution.active


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def key_id_of(key: str) -> str | None:
    """The key_id of a well-formed key, else None."""
    match = _KEY.match(key.strip())
    return match.group(1) if match else None


def new_key() -> tuple[str, str]:
    """A fresh (key_id, key)."""
    key_id = secrets.token_hex(8)
    return key_id, f"{KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"


def create_key(
    database: Database, institution_code: str, role: str, *, label: str | None = None
) -> IssuedKey:
    """Issue a key for an existing institution and one of the spec's roles (§7.2)."""
    if role not in ROLES:
        known = ", ".join(ROLES)
        raise DataValidationError([FieldError(30003, "role", f"角色 {role} 不存在（可选: {known}）")])
    key_id, key = new_key()
    with database.session() as session:
        institution_id = session.scalar(select(Institution.id).where(Institution.code == institution_code))
        if institution_id is None:
            raise DataValidationError([FieldError(30007, "institution", f"机构 {institution_code} 不存在")])
        session.add(
            ApiKey(
                key_id=key_id,
                secret_hash=hash_key(key),
                institution_id=institution_id,
                role=role,
                label=label,
                created_at=utcnow(),
            )
        )
    return IssuedKey(key_id, key, institution_code, role)


def _record(key: ApiKey, institution: Institution) -> KeyRecord:
    return KeyRecord(
        key_id=key.key_id,
        role=key.role,
        label=key.label,
        institution=InstitutionRecord.of(institution),
        created_at=key.created_at,
        revoked_at=key.revoked_at,
        last_used_at=key.last_used_at,
    )


def _with_institution() -> Select[ApiKey, Institution]:
    return select(ApiKey, Institution).join(Institution, ApiKey.institution_id == Institution.id)


def find_key(database: Database, key_id: str) -> KeyRecord | None:
    """The key with `key_id` (revoked ones too), with its institution."""
    with database.session() as session:
        row = session.execute(_with_institution().where(ApiKey.key_id == key_id)).first()
        return _record(*row) if row is not None else None


def list_keys(database: Database, *, institution_code: str | None = None) -> list[KeyRecord]:
    query = _with_institution().order_by(Institution.code, ApiKey.created_at)
    if institution_code:
        query = query.where(Institution.code == institution_code)
    with database.session() as session:
        return [_record(key, institution) for key, institution in session.execute(query)]


def count_keys(database: Database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count(ApiKey.id))) or 0


def revoke_key(database: Database, key_id: str) -> bool:
    """Revoke a key; False when there is no such key or it was revoked already."""
    with database.session() as session:
        key = session.scalar(select(ApiKey).where(ApiKey.key_id == key_id))
        if key is None or key.revoked_at is not None:
            return False
        key.revoked_at = utcnow()
        return True


def authenticate_key(database: Database, presented: str) -> KeyRecord | None:
    """The active key matching `presented`, or None (malformed, unknown, wrong secret, revoked)."""
    key_id = key_id_of(presented)
    with database.session() as session:
        row = session.execute(_with_institution().where(ApiKey.key_id == (key_id or ""))).first()
        stored = row[0].secret_hash if row is not None else _DUMMY_HASH
        if not hmac.compare_digest(stored, hash_key(presented.strip())) or row is None:
            return None
        key, institution = row
        now = utcnow()
        if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
            key.last_used_at = now
        record = _record(key, institution)
    return record if record.active else None
