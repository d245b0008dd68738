"""engine.bootstrap (configuration → engine) and the engine's CLI commands against the embedded sandbox."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from medical_insurance_sdk.cli import app
from medical_insurance_sdk.engine.bootstrap import BootstrapSettings, institution_config
from medical_insurance_sdk.exceptions import RequestError

UNSET = {
    "DATABASE_URL": None,
    "REDIS_URL": None,
    "MEDICAL_BUREAU_API_URL": None,
    "MEDICAL_BUREAU_PROFILE": None,
    "MEDICAL_BUREAU_AK": None,
    "MEDICAL_BUREAU_SK": None,
    "MEDICAL_INSURANCE_INSTITUTION_CODE": None,
}


def test_settings_come_from_the_environment_and_arguments_win():
    env = {
        "MEDICAL_BUREAU_API_URL": "http://10.1.1.1:8080",
        "MEDICAL_BUREAU_AK": "AK",
        "MEDICAL_BUREAU_SK": "SK",
        "MEDICAL_INSURANCE_INSTITUTION_CODE": "H43010000001",
        "MEDICAL_INSURANCE_INSTITUTION_NAME": "长沙市某医院",
        "MEDICAL_INSURANCE_ADMDVS": "430100",
        "MEDICAL_INSURANCE_TIMEOUT": "12.5",
    }
    settings = BootstrapSettings.from_env(env, institution_code="H43010000002")
    assert settings.institution_code == "H43010000002" and settings.timeout_s == 12.5
    config = institution_config(settings)
    # AK/SK configured and no profile named: the AK/SK gateway profile
    assert config.profile.name == "aksk" and dict(config.credentials) == {
        "access_key": "AK",
        "secret_key": "SK",
    }
    assert config.base_url == "http://10.1.1.1:8080" and config.envelope.mdtrtarea_admvs == "430100"


def test_a_real_bureau_needs_the_institution_configured():
    with pytest.raises(RequestError) as info:
        institution_config(BootstrapSettings.from_env({"MEDICAL_BUREAU_API_URL": "http://10.1.1.1"}))
    assert "MEDICAL_INSURANCE_INSTITUTION_CODE" in info.value.message


def test_a_profile_without_its_credentials_is_refused():
    with pytest.raises(RequestError, match="paasid"):
        institution_config(BootstrapSettings(profile="tif"))


def test_the_sandbox_needs_no_configuration():
    config = institution_config(BootstrapSettings.from_env({}))
    assert config.code == "H43028110001" and config.base_url is None and config.profile.name == "national"


@pytest.fixture
def env(tmp_path):
    pytest.importorskip("fastapi")
    return {
        **UNSET,
        "MEDICAL_INSURANCE_DATA_DIR": str(tmp_path / "var"),
        "MEDICAL_SANDBOX_CATALOG_ROWS": "120",
    }


def test_cli_catalog_sync_against_the_embedded_sandbox(env):
    runner = CliRunner()
    result = runner.invoke(app, ["catalog", "sync", "--infno", "1301", "--infno", "1314"], env=env)
    assert result.exit_code == 0, result.output
    assert "目录同步结果" in result.output and "1314" in result.output and "120" in result.output
    again = runner.invoke(app, ["catalog", "sync", "--infno", "1301"], env=env)
    assert again.exit_code == 0, again.output  # a new sandbox process: stored sign-ins are forgotten


def test_cli_catalog_sync_refuses_an_unknown_kind(env):
    result = CliRunner().invoke(app, ["catalog", "sync", "--infno", "1312"], env=env)
    assert result.exit_code == 2 and "不支持同步的目录" in result.output


def test_cli_reconcile_an_empty_day_and_compensate(env, tmp_path):
    runner = CliRunner()
    out = tmp_path / "reports"
    args = ["reconcile", "--date", "2025-07-14", "--insutype", "310", "--clr-type", "11", "--out", str(out)]
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    assert "当日对账平" in result.output
    summary = json.loads((out / "reconcile_H43028110001_20250714_310_11.json").read_text(encoding="utf-8"))
    assert summary["balanced"] is True
    bad = runner.invoke(app, ["reconcile", "--date", "14/07/2025"], env=env)
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output
    swept = runner.invoke(app, ["compensate"], env=env)
    assert swept.exit_code == 0 and "没有待补偿的交易" in swept.output
