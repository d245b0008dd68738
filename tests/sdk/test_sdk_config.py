"""Configuration: argument > environment > file > default (spec §9.2), immutable, copied by with_options."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from medical_insurance_sdk.sdk import MedicalInsuranceSDK, SDKConfig

FILE = {
    "medical_insurance": {
        "api_base_url": "http://file.example/api/v1/medical-insurance/",
        "api_key": "file-key",
        "institution_code": "H-FILE",
        "timeout": 30,
        "retry": {"max_attempts": 5, "backoff_factor": 2.0},
        "cache": {"enabled": True, "ttl": 100},
        "logging": {"level": "DEBUG"},
    },
    "medical_bureau": {
        "ak": "file-ak",
        "sk": "file-sk",
        "api_url": "https://fuwu.nhsa.gov.cn/",
        "timeout": 20,
    },
}


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(FILE), encoding="utf-8")
    return path


@pytest.fixture
def environ() -> dict[str, str]:
    return {
        "MEDICAL_INSURANCE_API_KEY": "env-key",
        "MEDICAL_INSURANCE_TIMEOUT": "12",
        "MEDICAL_INSURANCE_MAX_RETRIES": "4",
        "MEDICAL_INSURANCE_CACHE_TTL": "60",
        "MEDICAL_BUREAU_AK": "env-ak",
    }


def test_defaults_without_any_source() -> None:
    config = SDKConfig.load(env={})
    assert config.api_base_url is None and config.in_process_mode
    assert config.timeout == 30 and config.retry.max_attempts == 3 and config.retry.backoff_factor == 1.5
    assert config.cache.enabled is True and config.cache.ttl == 300


def test_file_is_read_with_both_sections(config_file: Path) -> None:
    config = SDKConfig.load(config_file, env={})
    assert config.api_base_url == FILE["medical_insurance"]["api_base_url"]
    assert (config.api_key, config.institution_code) == ("file-key", "H-FILE")
    assert (config.retry.max_attempts, config.retry.backoff_factor) == (5, 2.0)
    assert config.cache.ttl == 100 and config.logging.level == "DEBUG"
    assert (config.bureau.ak, config.bureau.sk, config.bureau.timeout) == ("file-ak", "file-sk", 20)
    assert not config.in_process_mode


def test_environment_beats_file_and_arguments_beat_environment(
    config_file: Path, environ: dict[str, str]
) -> None:
    config = SDKConfig.load(config_file, env=environ, timeout=7, cache_ttl=None)
    assert config.api_key == "env-key"  # env over file
    assert config.timeout == 7  # argument over env
    assert config.cache.ttl == 60  # None argument = not given: env wins
    assert config.retry.max_attempts == 4  # MAX_RETRIES names retry.max_attempts
    assert config.retry.backoff_factor == 2.0  # only in the file
    assert config.bureau.ak == "env-ak" and config.bureau.sk == "file-sk"
    assert config.institution_code == "H-FILE"


def test_client_takes_the_spec_keyword_arguments(config_file: Path) -> None:
    sdk = MedicalInsuranceSDK(config_path=str(config_file), env={}, cache_enabled=False, cache_ttl=30)
    assert sdk.config.cache.enabled is False and sdk.config.cache.ttl == 30
    sdk.close()


def test_empty_environment_value_is_unset_and_empty_argument_forces_in_process(config_file: Path) -> None:
    config = SDKConfig.load(config_file, env={"MEDICAL_INSURANCE_API_URL": ""})
    assert config.api_base_url == FILE["medical_insurance"]["api_base_url"]  # "" is not set at all
    assert SDKConfig.load(config_file, env={}, api_base_url="").in_process_mode


def test_base_url_gets_the_api_prefix() -> None:
    assert SDKConfig.load(env={}, api_base_url="http://h:8000").api_base_url == (
        "http://h:8000/api/v1/medical-insurance/"
    )
    assert SDKConfig.load(env={}, api_base_url="http://h/x/y").api_base_url == "http://h/x/y/"


def test_timeout_object_of_the_troubleshooting_guide() -> None:
    config = SDKConfig.load(env={}, timeout={"connection": 3, "read": 60, "total": 120})
    assert (config.connect_timeout, config.timeout) == (3, 60)


def test_immutable_and_with_options_copies(config_file: Path) -> None:
    config = SDKConfig.load(config_file, env={})
    with pytest.raises(ValidationError):
        config.timeout = 1  # type: ignore[misc]
    faster = config.with_options(timeout=5, max_attempts=1)
    assert (faster.timeout, faster.retry.max_attempts) == (5, 1)
    assert (config.timeout, config.retry.max_attempts) == (30, 5)


def test_unknown_and_invalid_settings_are_refused() -> None:
    with pytest.raises(TypeError, match="unknown SDK setting"):
        SDKConfig.load(env={}, api_secret="x")
    with pytest.raises(ValidationError):
        SDKConfig.load(env={"MEDICAL_INSURANCE_TIMEOUT": "soon"})


def test_client_with_options_shares_pool_cache_and_memory(make_sdk) -> None:
    sdk = make_sdk()
    other = sdk.with_options(timeout=3)
    assert other.config.timeout == 3 and sdk.config.timeout == 30
    assert other._core.cache is sdk._core.cache and other._core.memory is sdk._core.memory
    assert other.resources.basic._client is other


def test_logging_section_sets_the_sdk_logger_only(tmp_path: Path) -> None:
    import logging

    from medical_insurance_sdk.sdk._config import LoggingConfig
    from medical_insurance_sdk.sdk._logging import LOGGER, configure_logging

    path = tmp_path / "sdk.log"
    log = configure_logging(LoggingConfig(level="DEBUG", file=str(path)))
    configure_logging(LoggingConfig(level="DEBUG", file=str(path)))  # a second client: no second handler
    try:
        assert log.name == LOGGER and log.level == logging.DEBUG
        assert sum(isinstance(h, logging.FileHandler) for h in log.handlers) == 1
        log.warning("【1101】test record")
        assert "【1101】test record" in path.read_text(encoding="utf-8")
    finally:
        for handler in list(log.handlers):
            log.removeHandler(handler)
            handler.close()
        log.setLevel(logging.NOTSET)
