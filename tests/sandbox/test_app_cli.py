"""`yibao sandbox`: the command exists, takes its options, and refuses bad settings before serving."""

from __future__ import annotations

from typer.testing import CliRunner

from medical_insurance_sdk.cli import app

runner = CliRunner()


def test_sandbox_command_is_listed() -> None:
    result = runner.invoke(app, ["sandbox", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--profile", "--database-url", "--catalog-rows"):
        assert option in result.output


def test_bad_settings_stop_before_serving() -> None:
    result = runner.invoke(app, ["sandbox", "--profile", "no-such-profile"])
    assert result.exit_code == 2 and "沙箱配置无效" in result.output
    result = runner.invoke(app, ["sandbox", "--profile", "tif"])  # tif needs paasid and token
    assert result.exit_code == 2 and "paasid" in result.output
