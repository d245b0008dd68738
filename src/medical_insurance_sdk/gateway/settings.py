"""Gateway configuration: one frozen `GatewaySettings`, built explicitly and handed to `create_app`.

    settings = GatewaySettings(database_url="postgresql://yibao@db/yibao", environment="production",
                               jwt_secret="…32+ random characters…")
    app = create_app(settings)

Precedence: constructor argument > environment variable > the JSON/YAML file named by
`MEDICAL_INSURANCE_CONFIG_FILE` > default.  Environment names follow spec §9.2.2 (`MEDICAL_BUREAU_AK`,
`MEDICAL_BUREAU_API_URL`, `MEDICAL_INSURANCE_TIMEOUT` …) plus the usual `DATABASE_URL` and `REDIS_URL`.
The config file holds the same field names at its top level; the spec's §9.2.1 layout
(`{"medical_bureau": {"ak", "sk", "api_url", "timeout"}}`) is read as well.

A weak JWT secret (empty, a placeholder, shorter than 32 characters) is refused outside development; in
development a random per-process secret replaces it, with a warning: tokens then die with the process.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import AliasChoices, Field, PrivateAttr, SecretStr, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from medical_insurance_sdk.protocol.profiles import ProfileError, load_profile
from medical_insurance_sdk.registry.policy import REQUEST_BODY_MAX_BYTES, UPLOAD_FILE_MAX_BYTES
from medical_insurance_sdk.storage.database import DATA_DIR_ENV, DEFAULT_DATA_DIR, default_database_url

log = logging.getLogger(__name__)

CONFIG_FILE_ENV = "MEDICAL_INSURANCE_CONFIG_FILE"
MIN_SECRET_LENGTH = 32
# Values people paste from examples and templates; none of them is a secret.
PLACEHOLDER_SECRETS = frozenset(
    {"changethis", "change-me", "changeme", "secret", "your_secret_key", "your_jwt_secret", "jwt_secret"}
)
# The spec's §9.2.1 file layout: medical_bureau.<key> → field.
_SPEC_FILE_KEYS = {
    "ak": "bureau_ak",
    "sk": "bureau_sk",
    "api_url": "bureau_api_url",
    "timeout": "bureau_timeout_s",
}


def _env(field: str, *names: str) -> AliasChoices:
    # The field's own name stays valid for constructor arguments and the config file.
    return AliasChoices(field, *names)


class GatewaySettings(BaseSettings):
    """Everything the gateway is told; a frozen value (copy with `model_copy(update=...)`)."""

    model_config = SettingsConfigDict(
        frozen=True, extra="forbid", populate_by_name=True, case_sensitive=False
    )

    environment: Literal["development", "production"] = Field(
        default="development", validation_alias=_env("environment", "MEDICAL_INSURANCE_ENVIRONMENT")
    )
    data_dir: Path = Field(
        default=Path(DEFAULT_DATA_DIR),
        validation_alias=_env("data_dir", DATA_DIR_ENV),
        description="where the embedded SQLite files live (gateway database default, embedded sandbox)",
    )
    database_url: str = Field(
        default_factory=default_database_url, validation_alias=_env("database_url", "DATABASE_URL")
    )
    redis_url: str | None = Field(default=None, validation_alias=_env("redis_url", "REDIS_URL"))
    bureau_api_url: str | None = Field(
        default=None,
        validation_alias=_env("bureau_api_url", "MEDICAL_BUREAU_API_URL"),
        description="the bureau's base URL; None = the embedded sandbox",
    )
    bureau_profile: str = Field(
        default="national", validation_alias=_env("bureau_profile", "MEDICAL_BUREAU_PROFILE")
    )
    # Credentials of institutions that name no environment variables of their own (see tenancy.py).
    bureau_ak: SecretStr | None = Field(default=None, validation_alias=_env("bureau_ak", "MEDICAL_BUREAU_AK"))
    bureau_sk: SecretStr | None = Field(default=None, validation_alias=_env("bureau_sk", "MEDICAL_BUREAU_SK"))
    bureau_paasid: SecretStr | None = Field(
        default=None, validation_alias=_env("bureau_paasid", "MEDICAL_BUREAU_PAASID")
    )
    bureau_token: SecretStr | None = Field(
        default=None, validation_alias=_env("bureau_token", "MEDICAL_BUREAU_TOKEN")
    )
    bureau_timeout_s: float | None = Field(
        default=None,
        gt=0,
        validation_alias=_env("bureau_timeout_s", "MEDICAL_INSURANCE_TIMEOUT"),
        description="per-call bureau timeout; None = each transaction's own (spec §6.1.1)",
    )
    bureau_processing_window_s: float | None = Field(
        default=None,
        ge=0,
        le=3600,
        validation_alias=_env("bureau_processing_window_s", "MEDICAL_BUREAU_PROCESSING_WINDOW"),
        description="how long the bureau may still be processing a message after it was sent: a 2601 "
        "'原交易不存在' earlier than this is not final; None = the province profile's (60 s nationally)",
    )
    jwt_secret: SecretStr | None = Field(
        default=None, validation_alias=_env("jwt_secret", "MEDICAL_INSURANCE_JWT_SECRET")
    )
    jwt_ttl_s: int = Field(
        default=3600, gt=0, validation_alias=_env("jwt_ttl_s", "MEDICAL_INSURANCE_JWT_TTL")
    )
    demo_institution: bool | None = Field(
        default=None,
        validation_alias=_env("demo_institution", "MEDICAL_INSURANCE_DEMO_INSTITUTION"),
        description="create H43028110001 on startup when there is no institution; None = in development",
    )
    sweeper_interval_s: float = Field(
        default=30.0,
        ge=0,
        validation_alias=_env("sweeper_interval_s", "MEDICAL_INSURANCE_SWEEPER_INTERVAL"),
        description="how often unresolved bureau outcomes are swept (2601 / query); 0 = never",
    )
    compensation_lease_s: float = Field(
        default=180.0,
        ge=5,
        le=3600,
        validation_alias=_env("compensation_lease_s", "MEDICAL_INSURANCE_COMPENSATION_LEASE"),
        description="one resolver (a replica's sweeper, a worker, yibao compensate) holds an unresolved "
        "entry this long; a resolver that dies is taken over after it",
    )
    auth_cache_ttl_s: float = Field(
        default=5.0,
        ge=0,
        le=300,
        validation_alias=_env("auth_cache_ttl_s", "MEDICAL_INSURANCE_AUTH_CACHE_TTL"),
        description="an API key that passed is trusted this many seconds without a lookup (a revoked key "
        "stops working within them); 0 = look up every request",
    )
    audit_flush_interval_s: float = Field(
        default=0.2,
        ge=0,
        le=60,
        validation_alias=_env("audit_flush_interval_s", "MEDICAL_INSURANCE_AUDIT_FLUSH_INTERVAL"),
        description="call-log rows are written in batches gathered over this many seconds; 0 = one by one",
    )
    # --- operations: limits (spec §6), audit and logs (§8); the policies check these values at startup
    rate_limits_enabled: bool = Field(
        default=True, validation_alias=_env("rate_limits_enabled", "MEDICAL_INSURANCE_RATE_LIMITS_ENABLED")
    )
    rate_limits: dict[str, str] = Field(
        default_factory=dict,
        validation_alias=_env("rate_limits", "MEDICAL_INSURANCE_RATE_LIMITS"),
        description='overrides of §6.2.1, e.g. {"per_institution": "200/minute;8000/hour", "settlement": ""}'
        ': keys global, per_institution or a rate category; "" lifts that limit',
    )
    concurrency_limits_enabled: bool = Field(
        default=True,
        validation_alias=_env("concurrency_limits_enabled", "MEDICAL_INSURANCE_CONCURRENCY_LIMITS_ENABLED"),
    )
    concurrency_limits: dict[str, int] = Field(
        default_factory=dict,
        validation_alias=_env("concurrency_limits", "MEDICAL_INSURANCE_CONCURRENCY_LIMITS"),
        description="overrides of §6.1.2: keys total, per_institution or a concurrency class",
    )
    request_body_max_bytes: int = Field(
        default=REQUEST_BODY_MAX_BYTES,
        gt=0,
        validation_alias=_env("request_body_max_bytes", "MEDICAL_INSURANCE_REQUEST_BODY_MAX_BYTES"),
        description="larger JSON bodies are refused before they are read (413 + 10003; spec §6.2.2)",
    )
    redis_key_prefix: str = Field(
        default="yibao",
        min_length=1,
        validation_alias=_env("redis_key_prefix", "MEDICAL_INSURANCE_REDIS_KEY_PREFIX"),
        description="prefix of the rate-limit and concurrency keys when REDIS_URL is set",
    )
    json_access_log: bool = Field(
        default=True,
        validation_alias=_env("json_access_log", "MEDICAL_INSURANCE_JSON_ACCESS_LOG"),
        description="write one JSON line per request (spec §8.2.1) to stderr; False leaves the "
        "'medical_insurance_api' logger to the deployment's logging configuration",
    )
    interface_config_refresh_s: float = Field(
        default=5.0,
        ge=0,
        validation_alias=_env("interface_config_refresh_s", "MEDICAL_INSURANCE_INTERFACE_CONFIG_REFRESH"),
        description="how soon other workers see an interface-schema update (enable/disable, timeout)",
    )

    # Jobs (spec §3.2–§3.4): where async tasks run and where files are kept.
    celery_broker_url: str | None = Field(
        default=None,
        validation_alias=_env("celery_broker_url", "CELERY_BROKER_URL"),
        description="Redis URL of a Celery broker: tasks then run on `yibao worker` processes",
    )
    celery_result_backend: str | None = Field(
        default=None, validation_alias=_env("celery_result_backend", "CELERY_RESULT_BACKEND")
    )
    celery_namespace: str = Field(
        default="yibao",
        pattern=r"^[A-Za-z0-9_.\-]{1,64}$",
        validation_alias=_env("celery_namespace", "MEDICAL_INSURANCE_CELERY_NAMESPACE"),
        description="the Celery queue name and the prefix of its Redis keys",
    )
    task_executor: Literal["auto", "inprocess", "celery"] = Field(
        default="auto",
        validation_alias=_env("task_executor", "MEDICAL_INSURANCE_TASK_EXECUTOR"),
        description="auto = Celery when CELERY_BROKER_URL is set, else in the gateway process",
    )
    task_lease_s: float = Field(
        default=60.0,
        gt=0,
        validation_alias=_env("task_lease_s", "MEDICAL_INSURANCE_TASK_LEASE"),
        description="a claimed task whose worker stops renewing it for this long is taken over",
    )
    file_dir: Path | None = Field(
        default=None,
        validation_alias=_env("file_dir", "MEDICAL_INSURANCE_FILE_DIR"),
        description="where uploaded files are kept; None = <data_dir>/files",
    )
    upload_max_bytes: int = Field(
        default=UPLOAD_FILE_MAX_BYTES,
        gt=0,
        le=UPLOAD_FILE_MAX_BYTES,
        validation_alias=_env("upload_max_bytes", "MEDICAL_INSURANCE_UPLOAD_MAX_BYTES"),
        description="largest accepted upload (spec §6.2.2: 500MB, which is also the ceiling)",
    )

    _jwt_key: str = PrivateAttr("")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, ConfigFileSource(settings_cls)

    @field_validator("bureau_profile")
    @classmethod
    def _profile_exists(cls, value: str) -> str:
        try:
            load_profile(value)
        except ProfileError as exc:
            raise ValueError(str(exc)) from None
        return value

    @model_validator(mode="after")
    def _secret_is_strong(self) -> GatewaySettings:
        if self.environment == "production" and not _strong(self.jwt_secret):
            raise ValueError(
                "MEDICAL_INSURANCE_JWT_SECRET must be set to a random secret of at least "
                f"{MIN_SECRET_LENGTH} characters in production"
            )
        return self

    def model_post_init(self, context: Any, /) -> None:
        if _strong(self.jwt_secret):
            assert self.jwt_secret is not None
            self._jwt_key = self.jwt_secret.get_secret_value()
        elif self.environment == "development":
            log.warning(
                "MEDICAL_INSURANCE_JWT_SECRET is unset or weak: using a random per-process secret "
                "(development only; issued tokens stop working when the process ends)"
            )
            self._jwt_key = secrets.token_urlsafe(48)

    @property
    def jwt_key(self) -> str:
        """The key tokens are signed with (the configured secret, or this process's random one)."""
        return self._jwt_key

    @property
    def embedded_sandbox(self) -> bool:
        """No bureau URL: calls go to the in-process sandbox bureau."""
        return self.bureau_api_url is None

    @property
    def uses_celery(self) -> bool:
        """Tasks go to Celery workers (an explicit choice, or auto with a broker configured)."""
        if self.task_executor == "auto":
            return self.celery_broker_url is not None
        return self.task_executor == "celery"

    @property
    def files_root(self) -> Path:
        return (self.file_dir or self.data_dir / "files").expanduser().resolve()

    @property
    def creates_demo_institution(self) -> bool:
        return self.environment == "development" if self.demo_institution is None else self.demo_institution

    def default_credentials(self) -> dict[str, str]:
        """The MEDICAL_BUREAU_* credentials by the names profile signers use."""
        named = {
            "access_key": self.bureau_ak,
            "secret_key": self.bureau_sk,
            "paasid": self.bureau_paasid,
            "token": self.bureau_token,
        }
        return {name: value.get_secret_value() for name, value in named.items() if value is not None}


def _strong(secret: SecretStr | None) -> bool:
    if secret is None:
        return False
    text = secret.get_secret_value().strip()
    return len(text) >= MIN_SECRET_LENGTH and text.lower() not in PLACEHOLDER_SECRETS


class ConfigFileSource(PydanticBaseSettingsSource):
    """Values from the JSON or YAML file named by MEDICAL_INSURANCE_CONFIG_FILE (lowest precedence)."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        self._values = read_config_file(os.environ.get(CONFIG_FILE_ENV))

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self._values.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        known = set(self.settings_cls.model_fields)
        return {k: v for k, v in self._values.items() if k in known}


def read_config_file(path: str | None) -> dict[str, Any]:
    """The settings a config file gives (field names; the spec's `medical_bureau` section mapped)."""
    if not path:
        return {}
    file = Path(path).expanduser()
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"{CONFIG_FILE_ENV}={path}: cannot read the file ({exc.strerror or exc})") from None
    data = yaml.safe_load(text) if file.suffix.lower() in (".yaml", ".yml") else json.loads(text)
    if not isinstance(data, dict):
        raise ValueError(f"{CONFIG_FILE_ENV}={path}: the top level must be an object")
    values = {k: v for k, v in data.items() if not isinstance(v, dict)}
    bureau = data.get("medical_bureau")
    if isinstance(bureau, dict):
        for key, field in _SPEC_FILE_KEYS.items():
            if key in bureau:
                values.setdefault(field, bureau[key])
    return values
