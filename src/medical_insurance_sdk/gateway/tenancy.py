"""Institutions: stored, listed, and turned into the engine's `InstitutionConfig`.

    add_institution(database, NewInstitution(code="H43028110001", name="湘潭市第一人民医院", admdvs="430200"))
    tenants = Tenants(settings, environ=os.environ)
    config = tenants.config_for(record)          # envelope identity + province profile + credentials

Credentials: an institution's `credential_env` names the environment variables holding its bureau
credentials ({"access_key": "HOSP_A_AK", …}, and the SM channel's "sm_app_id", "sm_app_secret",
"sm_private_key", "sm_platform_public_key"); names it leaves out fall back to the gateway-wide
MEDICAL_BUREAU_* settings.  Values are read from the environment snapshot taken at startup.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType

from sqlalchemy import select

from medical_insurance_sdk.engine.settings import InstitutionConfig
from medical_insurance_sdk.engine.sm_request import SM_SETTINGS, sm_channel_from
from medical_insurance_sdk.exceptions import DataValidationError, FieldError
from medical_insurance_sdk.gateway.models import Institution
from medical_insurance_sdk.gateway.settings import GatewaySettings
from medical_insurance_sdk.protocol.envelope import EnvelopeConfig
from medical_insurance_sdk.protocol.profiles import Profile, ProfileError, load_profile
from medical_insurance_sdk.storage.database import Database

DEMO_CODE = "H43028110001"
DEMO_NAME = "湘潭市第一人民医院"
DEMO_ADMDVS = "430200"

_CODE = re.compile(r"^[A-Za-z0-9]{12}$")  # the msgid layout needs exactly 12 characters
_ADMDVS = re.compile(r"^\d{6}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class NewInstitution:
    """What `add_institution` needs; checked before anything is written."""

    code: str
    name: str
    admdvs: str
    profile: str = "national"
    bureau_base_url: str | None = None
    credential_env: Mapping[str, str] = field(default_factory=dict)
    opter: str = "OP001"
    opter_name: str = "医保接口"

    def problems(self) -> list[FieldError]:
        found: list[FieldError] = []
        if not _CODE.match(self.code):
            found.append(FieldError(30003, "code", "定点医药机构编号应为 12 位字母或数字"))
        if not self.name.strip():
            found.append(FieldError(30002, "name", "机构名称不能为空"))
        if not _ADMDVS.match(self.admdvs):
            found.append(FieldError(30003, "admdvs", "医保区划应为 6 位数字"))
        try:
            load_profile(self.profile)
        except ProfileError as exc:
            found.append(FieldError(30003, "profile", exc.args[0]))
        for name, variable in self.credential_env.items():
            if not _ENV_NAME.match(variable):
                found.append(FieldError(30003, f"credential_env.{name}", f"环境变量名无效: {variable}"))
        return found


@dataclass(frozen=True)
class InstitutionRecord:
    """A stored institution, detached from any session (hashable: configs are cached by it)."""

    id: int
    code: str
    name: str
    admdvs: str
    profile: str
    bureau_base_url: str | None
    credential_env: tuple[tuple[str, str], ...]
    opter: str
    opter_name: str
    opter_type: str
    active: bool

    @classmethod
    def of(cls, row: Institution) -> InstitutionRecord:
        return cls(
            id=row.id,
            code=row.code,
            name=row.name,
            admdvs=row.admdvs,
            profile=row.profile,
            bureau_base_url=row.bureau_base_url,
            credential_env=tuple(sorted((row.credential_env or {}).items())),
            opter=row.opter,
            opter_name=row.opter_name,
            opter_type=row.opter_type,
            active=row.active,
        )


def add_institution(database: Database, spec: NewInstitution) -> InstitutionRecord:
    """Store a new institution; 30003/30006 (DataValidationError) when invalid or the code exists."""
    problems = spec.problems()
    if problems:
        raise DataValidationError(problems)
    with database.session() as session:
        if session.scalar(select(Institution.id).where(Institution.code == spec.code)) is not None:
            raise DataValidationError([FieldError(30006, "code", f"机构 {spec.code} 已存在")])
        row = Institution(
            code=spec.code,
            name=spec.name,
            admdvs=spec.admdvs,
            profile=spec.profile,
            bureau_base_url=spec.bureau_base_url,
            credential_env=dict(spec.credential_env),
            opter=spec.opter,
            opter_name=spec.opter_name,
            opter_type="1",
            active=True,
            created_at=utcnow(),
        )
        session.add(row)
        session.flush()
        return InstitutionRecord.of(row)


def find_institution(database: Database, code: str) -> InstitutionRecord | None:
    with database.session() as session:
        row = session.scalar(select(Institution).where(Institution.code == code))
        return InstitutionRecord.of(row) if row is not None else None


def list_institutions(database: Database, *, active_only: bool = False) -> list[InstitutionRecord]:
    query = select(Institution).order_by(Institution.code)
    if active_only:
        query = query.where(Institution.active.is_(True))
    with database.session() as session:
        return [InstitutionRecord.of(row) for row in session.scalars(query)]


def ensure_demo_institution(database: Database, settings: GatewaySettings) -> InstitutionRecord | None:
    """Create 湘潭市第一人民医院 (H43028110001) when the database has no institution; None otherwise."""
    with database.session() as session:
        if session.scalar(select(Institution.id).limit(1)) is not None:
            return None
    try:
        return add_institution(
            database,
            NewInstitution(
                code=DEMO_CODE, name=DEMO_NAME, admdvs=DEMO_ADMDVS, profile=settings.bureau_profile
            ),
        )
    except DataValidationError:
        return find_institution(database, DEMO_CODE)  # another worker created it first


class Tenants:
    """Builds (and caches) the engine's view of institutions: profile, credentials, base URL."""

    def __init__(self, settings: GatewaySettings, *, environ: Mapping[str, str]) -> None:
        self.settings = settings
        self.environ = MappingProxyType(dict(environ))
        self._profiles: dict[str, Profile] = {}
        self._configs: dict[InstitutionRecord, InstitutionConfig] = {}

    def profile(self, name: str) -> Profile:
        profile = self._profiles.get(name)
        if profile is None:
            profile = self._profiles[name] = load_profile(name)
        return profile

    def credentials(
        self, record: InstitutionRecord, profile: Profile, names: Iterable[str] | None = None
    ) -> dict[str, str]:
        """The values of the credentials the profile's signer needs, or of `names` (missing ones are left
        out)."""
        defaults = self.settings.default_credentials()
        named = dict(record.credential_env)
        values: dict[str, str] = {}
        for name in profile.credentials if names is None else names:
            value = self.environ.get(named[name]) if name in named else defaults.get(name)
            if value:
                values[name] = value
        return values

    def config_for(self, record: InstitutionRecord) -> InstitutionConfig:
        config = self._configs.get(record)
        if config is None:
            profile = self.profile(record.profile)
            envelope = EnvelopeConfig(
                fixmedins_code=record.code,
                fixmedins_name=record.name,
                mdtrtarea_admvs=record.admdvs,
                recer_sys_code=profile.recer_sys_code,
                infver=profile.infver,
                opter_type=record.opter_type,
                opter=record.opter,
                opter_name=record.opter_name,
                # local patients by default; callers name another 参保地 per call (insuplc_admdvs)
                insuplc_admdvs=record.admdvs,
            )
            config = self._configs[record] = InstitutionConfig(
                envelope=envelope,
                profile=profile,
                base_url=record.bureau_base_url or self.settings.bureau_api_url,
                credentials=MappingProxyType(self.credentials(record, profile)),
                sm_channel=sm_channel_from(self.credentials(record, profile, SM_SETTINGS)),
            )
        return config

    def active_configs(self, database: Database) -> dict[str, InstitutionConfig]:
        """Every active institution's config by code (what the compensation sweeper works through)."""
        return {r.code: self.config_for(r) for r in list_institutions(database, active_only=True)}
