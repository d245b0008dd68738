"""SDK configuration: one immutable model read from arguments, environment and the JSON file of spec §9.2.

    config = SDKConfig.load("config.json", cache_ttl=60)        # argument > environment > file > default
    config = SDKConfig.load(env={"MEDICAL_INSURANCE_API_KEY": "k"})   # tests pass the environment explicitly
    faster = config.with_options(timeout=5)                      # a copy; the original is unchanged

No `api_base_url` anywhere means in-process mode: the SDK runs the engine itself (embedded sandbox, or the
bureau of `medical_bureau.api_url`).  An empty environment variable counts as unset; the argument
`api_base_url=""` forces in-process mode even when the file names a gateway.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from medical_insurance_sdk.registry import API_PREFIX


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RetryConfig(_Frozen):
    """How often and how patiently to retry the calls the retry policy allows (see `_retry.py`)."""

    max_attempts: int = Field(default=3, ge=1, le=10)  # attempts in total, the first one included
    backoff_factor: float = Field(default=1.5, ge=0)  # first wait in seconds; doubles per attempt, jittered
    max_backoff: float = Field(default=30.0, ge=0)
    # a Retry-After longer than this is not slept through inside a call: the error goes to the caller
    max_retry_after: float = Field(default=60.0, ge=0)


class CacheConfig(_Frozen):
    enabled: bool = True
    ttl: float = Field(default=300.0, ge=0)  # seconds


class LoggingConfig(_Frozen):
    level: str = "INFO"
    file: str | None = None


class BureauConfig(_Frozen):
    """The bureau itself (`medical_bureau`): used only in in-process mode, by the engine."""

    ak: str | None = None
    sk: str | None = None
    api_url: str | None = None
    timeout: float = Field(default=30.0, gt=0)
    # The SM4/SM2 channel (engine/sm_request.py SM_SETTINGS): all four or none.  With them, mobile payment
    # (62xx-64xx) and e-prescription (71xx/72xx) travel on that channel instead of the infno envelope.
    sm_app_id: str | None = None
    sm_app_secret: str | None = Field(default=None, repr=False)
    sm_private_key: str | None = Field(default=None, repr=False)  # Base64 of the raw SM2 d
    sm_platform_public_key: str | None = None  # Base64 of 04‖x‖y


class InProcessConfig(_Frozen):
    """In-process mode: who the engine speaks for, and where it keeps its ledger.

    Not in the spec's file format; these have workable defaults for the embedded sandbox.
    """

    # None: yibao.sqlite3 in $MEDICAL_INSURANCE_DATA_DIR (then the ledger `yibao compensate` uses too), else
    # in the user's data directory (~/.local/share/yibao), never in the working directory: an unknown money
    # outcome must survive a restart to be resolved
    database_url: str | None = None
    institution_name: str | None = None  # None with the embedded sandbox: its demo hospital
    admdvs: str | None = None  # 就医地医保区划 (mdtrtarea_admvs)
    operator: str = "OP001"
    operator_name: str = "系统操作员"
    profile: str | None = None  # province profile; None: aksk when AK/SK are set, else national


class SDKConfig(_Frozen):
    """Everything the SDK needs; immutable, built by `load()`."""

    api_base_url: str | None = None
    api_key: str | None = None
    institution_code: str | None = None
    jwt_token: str | None = None  # sent as `Authorization: Bearer …` (spec §1.2, optional)
    timeout: float = Field(default=30.0, gt=0)  # seconds for the whole answer
    connect_timeout: float = Field(default=5.0, gt=0)
    retry: RetryConfig = RetryConfig()
    cache: CacheConfig = CacheConfig()
    logging: LoggingConfig = LoggingConfig()
    bureau: BureauConfig = BureauConfig()
    in_process: InProcessConfig = InProcessConfig()

    @model_validator(mode="before")
    @classmethod
    def _timeout_object(cls, values: Any) -> Any:
        # §11.4 writes the timeout as {"connection": 30, "read": 60, "total": 120}
        if isinstance(values, Mapping) and isinstance(values.get("timeout"), Mapping):
            values = dict(values)
            parts = values.pop("timeout")
            total = parts.get("read") or parts.get("total")
            if total is not None:
                values["timeout"] = total
            if parts.get("connection") is not None:
                values.setdefault("connect_timeout", parts["connection"])
        return values

    @field_validator("api_base_url", "api_key", "institution_code", "jwt_token", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("api_base_url")
    @classmethod
    def _with_prefix(cls, value: str | None) -> str | None:
        """A bare host gets the spec's API prefix; the result always ends with "/"."""
        if value is None:
            return None
        value = value.strip()
        scheme, sep, rest = value.partition("://")
        if sep and "/" not in rest.strip("/"):
            return f"{scheme}://{rest.strip('/')}{API_PREFIX}"
        return value if value.endswith("/") else value + "/"

    @property
    def in_process_mode(self) -> bool:
        return self.api_base_url is None

    def with_options(self, **overrides: Any) -> SDKConfig:
        """A copy with some settings changed (same flat names as `load`)."""
        merged = self.model_dump()
        _overlay(merged, overrides)
        return SDKConfig.model_validate(merged)

    @classmethod
    def load(
        cls,
        config_path: str | os.PathLike[str] | None = None,
        *,
        env: Mapping[str, str] | None = None,
        **overrides: Any,
    ) -> SDKConfig:
        """Read the file, then the environment (`os.environ` unless `env` is given), then the arguments.

        An argument that is None counts as not given.
        """
        merged: dict[str, Any] = {}
        if config_path is not None:
            _deep_update(merged, read_file(config_path))
        environ = os.environ if env is None else env
        _overlay(merged, {key: environ[name] for name, key in ENV_VARS.items() if environ.get(name)})
        _overlay(merged, {k: v for k, v in overrides.items() if v is not None})
        return cls.model_validate(merged)


# Environment variable → flat setting name (spec §9.2.2).  The spec pairs MAX_RETRIES=3 with the file's
# retry.max_attempts=3, so both name the same setting: attempts in total.
ENV_VARS: MappingProxyType[str, str] = MappingProxyType(
    {
        "MEDICAL_INSURANCE_API_URL": "api_base_url",
        "MEDICAL_INSURANCE_API_KEY": "api_key",
        "MEDICAL_INSURANCE_INSTITUTION_CODE": "institution_code",
        "MEDICAL_INSURANCE_JWT_TOKEN": "jwt_token",
        "MEDICAL_INSURANCE_TIMEOUT": "timeout",
        "MEDICAL_INSURANCE_MAX_RETRIES": "max_attempts",
        "MEDICAL_INSURANCE_CACHE_TTL": "cache_ttl",
        "MEDICAL_BUREAU_AK": "bureau_ak",
        "MEDICAL_BUREAU_SK": "bureau_sk",
        "MEDICAL_BUREAU_API_URL": "bureau_api_url",
        "MEDICAL_BUREAU_SM_APP_ID": "bureau_sm_app_id",
        "MEDICAL_BUREAU_SM_APP_SECRET": "bureau_sm_app_secret",
        "MEDICAL_BUREAU_SM_PRIVATE_KEY": "bureau_sm_private_key",
        "MEDICAL_BUREAU_SM_PLATFORM_PUBLIC_KEY": "bureau_sm_platform_public_key",
    }
)

# Flat setting name (argument, environment) → its place in the nested model.
FLAT_KEYS: MappingProxyType[str, tuple[str, ...]] = MappingProxyType(
    {
        "api_base_url": ("api_base_url",),
        "api_url": ("api_base_url",),
        "api_key": ("api_key",),
        "institution_code": ("institution_code",),
        "jwt_token": ("jwt_token",),
        "timeout": ("timeout",),
        "connect_timeout": ("connect_timeout",),
        "max_attempts": ("retry", "max_attempts"),
        "max_retries": ("retry", "max_attempts"),
        "backoff_factor": ("retry", "backoff_factor"),
        "max_backoff": ("retry", "max_backoff"),
        "max_retry_after": ("retry", "max_retry_after"),
        "cache_enabled": ("cache", "enabled"),
        "cache_ttl": ("cache", "ttl"),
        "log_level": ("logging", "level"),
        "log_file": ("logging", "file"),
        "bureau_ak": ("bureau", "ak"),
        "bureau_sk": ("bureau", "sk"),
        "bureau_api_url": ("bureau", "api_url"),
        "bureau_timeout": ("bureau", "timeout"),
        "bureau_sm_app_id": ("bureau", "sm_app_id"),
        "bureau_sm_app_secret": ("bureau", "sm_app_secret"),
        "bureau_sm_private_key": ("bureau", "sm_private_key"),
        "bureau_sm_platform_public_key": ("bureau", "sm_platform_public_key"),
        "database_url": ("in_process", "database_url"),
        "institution_name": ("in_process", "institution_name"),
        "admdvs": ("in_process", "admdvs"),
        "operator": ("in_process", "operator"),
        "operator_name": ("in_process", "operator_name"),
        "profile": ("in_process", "profile"),
    }
)

_NESTED = ("retry", "cache", "logging", "bureau", "in_process")


def read_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The JSON file of §9.2.1 as nested settings: `medical_insurance` plus `medical_bureau` as `bureau`."""
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: the configuration file must hold a JSON object")
    settings = dict(raw.get("medical_insurance") or {})
    if raw.get("medical_bureau"):
        settings["bureau"] = {**settings.get("bureau", {}), **raw["medical_bureau"]}
    return settings


def _overlay(target: dict[str, Any], flat: Mapping[str, Any]) -> None:
    for name, value in flat.items():
        if name in _NESTED and isinstance(value, Mapping):
            _deep_update(target, {name: value})
            continue
        try:
            path = FLAT_KEYS[name]
        except KeyError:
            raise TypeError(f"unknown SDK setting {name!r}") from None
        node = target
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value


def _deep_update(target: dict[str, Any], source: Mapping[str, Any]) -> None:
    for key, value in source.items():
        if isinstance(value, Mapping) and isinstance(target.get(key), dict):
            _deep_update(target[key], value)
        else:
            target[key] = dict(value) if isinstance(value, Mapping) else value
