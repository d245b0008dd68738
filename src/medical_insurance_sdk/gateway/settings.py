"""Gateway configuration: one frozen `GatewaySettings`, built explicitly and handed to `create_app`.

    settings = GatewaySettings(database_url="postgresql://yibao@db/yibao", environment="production",
                               jwt_secret="…32+ random characters…")
    app = create_app(settings)

Precedence: constructor argument > environment variable > the JSON/YAML file named by
`MEDICAL_INSURANCE_CONFIG_FILE` > default.  Environment names follow spec §9.2.2 (`MEDICAL_BUREAU_AK`,
`MEDICAL_BUREAU_API_URL`, `MEDICAL_INSURANCE_TIMEOUT` …) plus the usual `DATABASE_URL` and `REDIS_URL`.
The config file holds the same field names at its top level; the spec's §9.2.1 layout
(`{"medical_bureau": {"ak", "sk", "api_url", "timeout"}}`) is read as well.

Production refuses to start with a weak JWT secret: empty, shorter than 32 characters, a placeholder (or
one repeated), a repeated pattern (`aaaa…`, `abcabc…`, a phrase typed twice), one character making up more
than 40% of it, or fewer than 8 distinct characters (`secret_weakness`).  In development a random
per-process secret replaces a secret that is missing, short or a placeholder, with a warning: tokens then
die with the process.

Production also refuses to start without a bureau (`MEDICAL_BUREAU_API_URL`) unless the embedded sandbox is
asked for by name (`MEDICAL_INSURANCE_SANDBOX=embedded`, for a test hospital's staging server): a gateway
must never settle real patients against the simulator by omission.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from collections import Counter
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
from medical_insurance_sdk.registry.policy import (
    DOWNLOAD_FILE_MAX_BYTES,
    REQUEST_BODY_MAX_BYTES,
    UPLOAD_FILE_MAX_BYTES,
)
from medical_insurance_sdk.storage.database import DATA_DIR_ENV, DEFAULT_DATA_DIR, default_database_url
from medical_insurance_sdk.storage.protection import (
    INDEX_KEY_ENV,
    KEY_FILE_ENV,
    KEYS_ENV,
    KeyRing,
    load_key_ring,
)
from medical_insurance_sdk.storage.retention import DEFAULT_BATCH_ROWS, RetentionPolicy

log = logging.getLogger(__name__)

CONFIG_FILE_ENV = "MEDICAL_INSURANCE_CONFIG_FILE"
MIN_SECRET_LENGTH = 32
# A random 32-character hex secret (128 bits) has about 14 distinct characters and no character more than
# 8 times; these bounds refuse one such secret in ~300,000, and every typed or pasted pattern we know of.
MIN_SECRET_DISTINCT = 8
MAX_SECRET_CHAR_SHARE = 0.4  # no one character may make up more of the secret than this
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
    "sm_app_id": "bureau_sm_app_id",
    "sm_app_secret": "bureau_sm_app_secret",
    "sm_private_key": "bureau_sm_private_key",
    "sm_platform_public_key": "bureau_sm_platform_public_key",
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
    # The SM4/SM2 channel of mobile payment and e-prescription (engine/sm_request.py): all four or none.
    bureau_sm_app_id: str | None = Field(
        default=None, validation_alias=_env("bureau_sm_app_id", "MEDICAL_BUREAU_SM_APP_ID")
    )
    bureau_sm_app_secret: SecretStr | None = Field(
        default=None, validation_alias=_env("bureau_sm_app_secret", "MEDICAL_BUREAU_SM_APP_SECRET")
    )
    bureau_sm_private_key: SecretStr | None = Field(
        default=None,
        validation_alias=_env("bureau_sm_private_key", "MEDICAL_BUREAU_SM_PRIVATE_KEY"),
        description="the hospital's SM2 private key (Base64 of the raw 32 bytes)",
    )
    bureau_sm_platform_public_key: str | None = Field(
        default=None,
        validation_alias=_env("bureau_sm_platform_public_key", "MEDICAL_BUREAU_SM_PLATFORM_PUBLIC_KEY"),
        description="the platform's SM2 public key (Base64)",
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
    compensation_budget_s: float = Field(
        default=15.0,
        gt=0,
        le=120,
        validation_alias=_env("compensation_budget_s", "MEDICAL_INSURANCE_COMPENSATION_BUDGET"),
        description="after an unknown write/money outcome, how long the call itself tries to resolve it "
        "(2601 / confirm query) before it answers 'unknown' and leaves the rest to the sweeper",
    )
    sandbox: Literal["embedded"] | None = Field(
        default=None,
        validation_alias=_env("sandbox", "MEDICAL_INSURANCE_SANDBOX"),
        description="'embedded': use the embedded sandbox bureau on purpose (needed in production, where "
        "a missing bureau URL is otherwise refused); None = the sandbox only in development",
    )
    docs_enabled: bool | None = Field(
        default=None,
        validation_alias=_env("docs_enabled", "MEDICAL_INSURANCE_DOCS_ENABLED"),
        description="serve /docs, /redoc and /openapi.json; None = in development only",
    )
    auth_failure_limit: str = Field(
        default="20/minute",
        validation_alias=_env("auth_failure_limit", "MEDICAL_INSURANCE_AUTH_FAILURE_LIMIT"),
        description="failed authentications allowed per source address (limits syntax, e.g. "
        "'20/minute;200/hour'); beyond it every request from that address is 429 + 10004 until the "
        "window ends; '' = no limit.  Counted in each gateway process",
    )
    jwt_secret: SecretStr | None = Field(
        default=None, validation_alias=_env("jwt_secret", "MEDICAL_INSURANCE_JWT_SECRET")
    )
    # data keys (spec §7.3.1, storage/protection.py): "kid:base64[,kid:base64…]", the first one primary
    data_keys: SecretStr | None = Field(default=None, validation_alias=_env("data_keys", KEYS_ENV))
    data_key_file: Path | None = Field(default=None, validation_alias=_env("data_key_file", KEY_FILE_ENV))
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
    download_max_bytes: int = Field(
        default=DOWNLOAD_FILE_MAX_BYTES,
        gt=0,
        le=DOWNLOAD_FILE_MAX_BYTES,
        validation_alias=_env("download_max_bytes", "MEDICAL_INSURANCE_DOWNLOAD_MAX_BYTES"),
        description="largest file answer (9102) the gateway hands on (spec §6.2.2: 2GB, also the ceiling)",
    )

    # Retention of logs and call records (spec §8.2.2, storage/retention.py): `yibao retention`, the beat.
    retention_days: dict[str, int | None] = Field(
        default_factory=dict,
        validation_alias=_env("retention_days", "MEDICAL_INSURANCE_RETENTION_DAYS"),
        description='overrides of the days each class is kept, e.g. {"info": 30, "error": 730, '
        '"critical": null}: null keeps for ever; classes and defaults in storage/retention.py DEFAULT_DAYS',
    )
    retention_batch_rows: int = Field(
        default=DEFAULT_BATCH_ROWS,
        ge=100,
        le=100_000,
        validation_alias=_env("retention_batch_rows", "MEDICAL_INSURANCE_RETENTION_BATCH_ROWS"),
        description="rows deleted per transaction, so that a large table is never locked for long",
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

    @field_validator("data_key_file", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("bureau_profile")
    @classmethod
    def _profile_exists(cls, value: str) -> str:
        try:
            load_profile(value)
        except ProfileError as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("auth_failure_limit")
    @classmethod
    def _limit_parses(cls, value: str) -> str:
        value = value.strip()
        if value:
            from limits import parse_many

            try:
                parse_many(value)
            except ValueError:
                raise ValueError(
                    f"MEDICAL_INSURANCE_AUTH_FAILURE_LIMIT={value!r} 不是有效的频率限制（例如 20/minute）"
                ) from None
        return value

    @model_validator(mode="after")
    def _retention_is_valid(self) -> GatewaySettings:
        self.retention_policy()  # ValueError (Chinese) for an unknown class or too short a time
        return self

    @model_validator(mode="after")
    def _secret_is_strong(self) -> GatewaySettings:
        if self.environment == "production":
            problem = secret_weakness(self.jwt_secret)
            if problem is not None:
                raise ValueError(
                    f"生产环境的 MEDICAL_INSURANCE_JWT_SECRET 不安全: {problem}；请设置至少 "
                    f"{MIN_SECRET_LENGTH} 个字符的随机密钥，例如 "
                    "python -c 'import secrets; print(secrets.token_urlsafe(48))' 的输出"
                )
        return self

    @model_validator(mode="after")
    def _bureau_is_chosen(self) -> GatewaySettings:
        if self.sandbox == "embedded" and self.bureau_api_url is not None:
            raise ValueError(
                "MEDICAL_INSURANCE_SANDBOX=embedded 与 MEDICAL_BUREAU_API_URL 不能同时设置："
                "请只选择内嵌沙箱或真实医保局之一"
            )
        if self.environment == "production" and self.bureau_api_url is None and self.sandbox is None:
            raise ValueError(
                "生产环境未配置医保局地址，拒绝启动：请设置 MEDICAL_BUREAU_API_URL（医保局接口地址）；"
                "若确实要在生产模式下使用内嵌医保沙箱（如测试医院的预发布环境），"
                "请显式设置 MEDICAL_INSURANCE_SANDBOX=embedded"
            )
        return self

    def model_post_init(self, context: Any, /) -> None:
        if _strong(self.jwt_secret):
            assert self.jwt_secret is not None
            self._jwt_key = self.jwt_secret.get_secret_value()
        elif self.environment == "development":
            log.warning(
                f"未设置 MEDICAL_INSURANCE_JWT_SECRET（或不足 {MIN_SECRET_LENGTH} 个字符、是示例值）："
                "本进程使用随机密钥签发令牌，进程结束后令牌失效（仅限开发环境）"
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
    def serves_docs(self) -> bool:
        """/docs, /redoc and /openapi.json are served (by default in development only)."""
        return self.environment == "development" if self.docs_enabled is None else self.docs_enabled

    @property
    def uses_celery(self) -> bool:
        """Tasks go to Celery workers (an explicit choice, or auto with a broker configured)."""
        if self.task_executor == "auto":
            return self.celery_broker_url is not None
        return self.task_executor == "celery"

    def key_ring(self) -> KeyRing:
        """The data keys (spec §7.3.1, storage/protection.py): MEDICAL_INSURANCE_DATA_KEYS, else the key file
        MEDICAL_INSURANCE_DATA_KEY_FILE, else in development `<data_dir>/data-keys.json` (generated);
        production without a key raises KeyRingError, which stops the startup."""
        configured = {
            KEYS_ENV: self.data_keys.get_secret_value() if self.data_keys else "",
            KEY_FILE_ENV: str(self.data_key_file) if self.data_key_file else "",
            INDEX_KEY_ENV: os.environ.get(INDEX_KEY_ENV, ""),
        }
        return load_key_ring(self.data_dir, environment=self.environment, environ=configured)

    def retention_policy(self) -> RetentionPolicy:
        """What `yibao retention` and the beat's daily retention delete (storage/retention.py)."""
        return RetentionPolicy.from_days(self.retention_days, batch_rows=self.retention_batch_rows)

    @property
    def files_root(self) -> Path:
        return (self.file_dir or self.data_dir / "files").expanduser().resolve()

    @property
    def creates_demo_institution(self) -> bool:
        return self.environment == "development" if self.demo_institution is None else self.demo_institution

    def default_credentials(self) -> dict[str, str]:
        """The MEDICAL_BUREAU_* credentials by the names profile signers (and the SM channel's
        `sm_request.SM_SETTINGS`) use."""
        named = {
            "access_key": self.bureau_ak,
            "secret_key": self.bureau_sk,
            "paasid": self.bureau_paasid,
            "token": self.bureau_token,
            "sm_app_id": self.bureau_sm_app_id,
            "sm_app_secret": self.bureau_sm_app_secret,
            "sm_private_key": self.bureau_sm_private_key,
            "sm_platform_public_key": self.bureau_sm_platform_public_key,
        }
        return {
            name: value.get_secret_value() if isinstance(value, SecretStr) else value
            for name, value in named.items()
            if value is not None
        }


def _strong(secret: SecretStr | None) -> bool:
    """Good enough to sign with in development: long enough and not a placeholder."""
    if secret is None:
        return False
    text = secret.get_secret_value().strip()
    return len(text) >= MIN_SECRET_LENGTH and text.lower() not in PLACEHOLDER_SECRETS


def secret_weakness(secret: SecretStr | None) -> str | None:
    """Why `secret` is not fit to sign production tokens (Chinese), or None when it is.

    Length alone lets `"a" * 32` and `"changeme" * 4` through; these rules catch what people type or paste
    instead of a random value, without estimating entropy from a single sample."""
    if secret is None or not secret.get_secret_value().strip():
        return "未设置"
    text = secret.get_secret_value().strip()
    if len(text) < MIN_SECRET_LENGTH:
        return f"长度不足 {MIN_SECRET_LENGTH} 个字符"
    lowered = text.lower()
    if lowered in PLACEHOLDER_SECRETS:
        return "使用了示例占位值"
    if _periodic(lowered):
        return "由同一片段重复组成"
    remainder = lowered
    for word in sorted(PLACEHOLDER_SECRETS, key=len, reverse=True):
        remainder = remainder.replace(word, "")
    if len(remainder.strip("-_. ")) < MIN_SECRET_LENGTH // 2:
        return "主要由示例占位值组成"
    grams = [lowered[i : i + 4] for i in range(len(lowered) - 3)]
    if len(set(grams)) < 0.75 * len(grams):  # random text repeats almost no 4 characters
        return "含有大段重复内容"
    counts = Counter(text)
    if len(counts) < MIN_SECRET_DISTINCT:
        return f"不同字符少于 {MIN_SECRET_DISTINCT} 个"
    if max(counts.values()) > MAX_SECRET_CHAR_SHARE * len(text):
        return "同一字符出现过多"
    return None


def _periodic(text: str) -> bool:
    """`text` is one shorter piece repeated (the last repetition may be cut short)."""
    for size in range(1, len(text) // 2 + 1):
        piece = text[:size]
        if (piece * (len(text) // size + 1))[: len(text)] == text:
            return True
    return False


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
