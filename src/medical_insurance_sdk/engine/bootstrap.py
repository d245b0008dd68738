"""Build a ready engine from configuration: product database, bureau (real or embedded sandbox), msgid
allocator and the institution.  Used by the CLI; the gateway will reuse it.

    settings = BootstrapSettings.from_env()              # arguments > environment > defaults
    database = open_database(settings)
    engine, institutions = open_engine(settings, database=database)

Environment (spec §9.2.2 and the compose file):
    DATABASE_URL                       product database; default the SQLite file of the data directory
    REDIS_URL                          msgid allocation through Redis instead of the database
    MEDICAL_BUREAU_API_URL             the bureau's base URL; unset = the embedded sandbox, in process
    MEDICAL_BUREAU_PROFILE             province profile (national, tif, aksk, shenzhen or a YAML path);
                                       default aksk when MEDICAL_BUREAU_AK/SK are set, else national
    MEDICAL_BUREAU_AK / _SK            AK/SK signer credentials (access_key / secret_key)
    MEDICAL_BUREAU_PAASID / _TOKEN     x-tif signer credentials (paasid / token)
    MEDICAL_BUREAU_SM_APP_ID / _SM_APP_SECRET / _SM_PRIVATE_KEY / _SM_PLATFORM_PUBLIC_KEY
                                       the SM4/SM2 channel (all four or none): mobile payment and
                                       e-prescription then travel on it (engine/sm_request.py)
    MEDICAL_INSURANCE_INSTITUTION_CODE / _INSTITUTION_NAME / _ADMDVS / _INSUPLC_ADMDVS
    MEDICAL_INSURANCE_OPERATOR / _OPERATOR_NAME
    MEDICAL_INSURANCE_TIMEOUT          per-call timeout in seconds (default: the registry's per transaction)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import httpx

from medical_insurance_sdk.engine.engine import BureauEngine
from medical_insurance_sdk.engine.settings import EngineSettings, InstitutionConfig
from medical_insurance_sdk.engine.sm_request import SM_SETTINGS, SM_VARIABLES, sm_channel_from
from medical_insurance_sdk.exceptions import RequestError
from medical_insurance_sdk.protocol.envelope import EnvelopeConfig
from medical_insurance_sdk.protocol.profiles import load_profile
from medical_insurance_sdk.storage.allocators import allocator_for
from medical_insurance_sdk.storage.database import (
    DATA_DIR_ENV,
    DEFAULT_DATA_DIR,
    Database,
    default_database_url,
)
from medical_insurance_sdk.storage.protection import KeyRing

# environment variable → credential name the profiles' signers use
CREDENTIAL_VARIABLES = MappingProxyType(
    {
        "MEDICAL_BUREAU_AK": "access_key",
        "MEDICAL_BUREAU_SK": "secret_key",
        "MEDICAL_BUREAU_PAASID": "paasid",
        "MEDICAL_BUREAU_TOKEN": "token",
    }
)
# field → environment variable, for the plain text settings
VARIABLES = MappingProxyType(
    {
        "database_url": "DATABASE_URL",
        "redis_url": "REDIS_URL",
        "bureau_url": "MEDICAL_BUREAU_API_URL",
        "profile": "MEDICAL_BUREAU_PROFILE",
        "institution_code": "MEDICAL_INSURANCE_INSTITUTION_CODE",
        "institution_name": "MEDICAL_INSURANCE_INSTITUTION_NAME",
        "admdvs": "MEDICAL_INSURANCE_ADMDVS",
        "insuplc_admdvs": "MEDICAL_INSURANCE_INSUPLC_ADMDVS",
        "operator": "MEDICAL_INSURANCE_OPERATOR",
        "operator_name": "MEDICAL_INSURANCE_OPERATOR_NAME",
        "timeout_s": "MEDICAL_INSURANCE_TIMEOUT",
        **{setting: variable for variable, setting in SM_VARIABLES.items()},
    }
)
# The embedded sandbox's demo hospital: with no configuration at all, everything works against it.
DEMO_INSTITUTION = ("H43028110001", "湘潭市第一人民医院", "430200")
_IDENTITY = ("institution_code", "institution_name", "admdvs")


@dataclass(frozen=True)
class BootstrapSettings:
    """Where the engine's database and bureau are, and which institution it speaks for (immutable)."""

    database_url: str | None = None
    redis_url: str | None = None
    bureau_url: str | None = None  # None: the embedded sandbox
    profile: str | None = None
    credentials: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    institution_code: str | None = None
    institution_name: str | None = None
    admdvs: str | None = None  # 就医地医保区划 (mdtrtarea_admvs)
    insuplc_admdvs: str = ""
    operator: str = "OP001"
    operator_name: str = "系统操作员"
    timeout_s: float | None = None
    # the SM4/SM2 channel (engine/sm_request.py SM_SETTINGS): all four or none
    sm_app_id: str | None = field(default=None, repr=False)
    sm_app_secret: str | None = field(default=None, repr=False)
    sm_private_key: str | None = field(default=None, repr=False)
    sm_platform_public_key: str | None = field(default=None, repr=False)
    # The data keys (storage/protection.py); None: as configured in the environment
    # (MEDICAL_INSURANCE_DATA_KEYS, MEDICAL_INSURANCE_DATA_KEY_FILE, in development the data dir's key)
    key_ring: KeyRing | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> BootstrapSettings:
        """Settings from `environ` (default os.environ); keyword arguments win over the environment."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name, variable in VARIABLES.items():
            text = env.get(variable, "").strip()
            if text:
                values[name] = float(text) if name == "timeout_s" else text
        credentials = {key: env[var] for var, key in CREDENTIAL_VARIABLES.items() if env.get(var)}
        if credentials:
            values["credentials"] = MappingProxyType(credentials)
        values.update({k: v for k, v in overrides.items() if v is not None})
        unknown = set(values) - {f.name for f in fields(cls)}
        if unknown:
            raise TypeError(f"unknown bootstrap settings: {sorted(unknown)}")
        return cls(**values)

    def with_options(self, **changes: Any) -> BootstrapSettings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    @property
    def embedded(self) -> bool:
        return not self.bureau_url


def open_database(settings: BootstrapSettings) -> Database:
    """The product database, migrated to the current schema."""
    database = Database(settings.database_url or default_database_url(), key_ring=settings.key_ring)
    database.migrate()
    return database


def institution_config(settings: BootstrapSettings) -> InstitutionConfig:
    """The configured institution.  A real bureau needs its code, name and admdvs configured; the embedded
    sandbox fills what is missing from its demo hospital."""
    identity: list[str | None] = [settings.institution_code, settings.institution_name, settings.admdvs]
    if settings.embedded:
        identity = [given or demo for given, demo in zip(identity, DEMO_INSTITUTION, strict=True)]
    missing = [VARIABLES[name] for name, value in zip(_IDENTITY, identity, strict=True) if not value]
    if missing:
        raise RequestError(f"连接真实医保平台时必须配置 {'、'.join(missing)}", code=10001)
    code, name, admdvs = (value or "" for value in identity)
    credentials = dict(settings.credentials)
    profile_name = settings.profile or (
        "aksk" if {"access_key", "secret_key"} <= credentials.keys() else "national"
    )
    profile = load_profile(profile_name)
    missing = [c for c in profile.credentials if not credentials.get(c)]
    if missing:
        raise RequestError(f"省份配置 {profile.name} 需要凭据: {', '.join(missing)}", code=10001)
    envelope = EnvelopeConfig(
        fixmedins_code=code,
        fixmedins_name=name,
        mdtrtarea_admvs=admdvs,
        recer_sys_code=profile.recer_sys_code,
        infver=profile.infver,
        opter_type="1",
        opter=settings.operator,
        opter_name=settings.operator_name,
        # local patients by default, as the gateway's institutions; a call names another 参保地 itself
        insuplc_admdvs=settings.insuplc_admdvs or admdvs,
    )
    return InstitutionConfig(
        envelope=envelope,
        profile=profile,
        base_url=settings.bureau_url,
        credentials=MappingProxyType({k: credentials[k] for k in profile.credentials}),
        sm_channel=sm_channel_from({name: getattr(settings, name) for name in SM_SETTINGS}),
    )


def sandbox_transport(database: Database, settings: BootstrapSettings) -> tuple[httpx.BaseTransport, Any]:
    """The embedded sandbox bureau, in process, and how to read its identity.

    Its state lives beside the ledger: next to a SQLite ledger file (or in the data directory for a server
    database), so a restart judges the ledger's unknown outcomes against the bureau that saw them; an
    in-memory ledger gets an in-memory sandbox.  Other settings come from MEDICAL_SANDBOX_* variables."""
    try:
        from medical_insurance_sdk.sandbox.app import create_sandbox_app
        from medical_insurance_sdk.sandbox.settings import SandboxSettings
        from medical_insurance_sdk.sandbox.transport import SyncSandboxTransport
    except ImportError as exc:  # the sandbox needs the [sandbox] extra (FastAPI)
        raise RequestError(
            "未配置 MEDICAL_BUREAU_API_URL，且内置沙箱不可用（请安装 medical-insurance-sdk[sandbox]）: "
            f"{exc}",
            code=10001,
        ) from exc

    class EmbeddedSandbox(SyncSandboxTransport):
        """The transport owns its sandbox: closing the engine's client also frees the sandbox's state."""

        def close(self) -> None:
            super().close()
            state = getattr(app.state, "sandbox", None)
            if state is not None:
                state.close()

    url = database.engine.url
    given = settings.profile or "national"  # a built-in's name or a YAML path: the sandbox loads it too
    profile = load_profile(given)
    credentials = {k: v for k, v in settings.credentials.items() if k in profile.credentials}
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        sandbox = SandboxSettings(profile=given, credentials=credentials)
    else:
        beside = Path(url.database).parent if url.get_backend_name() == "sqlite" and url.database else None
        data_dir = beside or Path(os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR)
        sandbox = SandboxSettings.embedded(data_dir, profile=given, credentials=credentials)
    app = create_sandbox_app(sandbox)
    state = app.state.sandbox
    return EmbeddedSandbox(app), lambda: state.bureau_id


def open_engine(
    settings: BootstrapSettings,
    *,
    database: Database | None = None,
    transport: httpx.BaseTransport | None = None,
) -> tuple[BureauEngine, dict[str, InstitutionConfig]]:
    """A synchronous engine and the institutions it may act for ({code: config}).

    `transport` (tests: a fake bureau) replaces the embedded sandbox or the network towards the bureau.
    Close the engine when done; it owns its HTTP client and, for the sandbox, the sandbox's thread.
    """
    institution = institution_config(settings)
    database = database or open_database(settings)
    allocator = allocator_for(database, settings.redis_url)
    identity = None
    if transport is None and settings.embedded:
        transport, identity = sandbox_transport(database, settings)
    engine = BureauEngine(
        database,
        allocator,
        transport=transport,
        settings=EngineSettings(timeout_s=settings.timeout_s),
        embedded_bureau=identity,
    )
    return engine, {institution.code: institution}
