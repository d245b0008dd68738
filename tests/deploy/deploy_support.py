"""Helpers of the deploy/ checks: where deploy/ is, the external tools they run (or skip without), and the
compose file's services read as compose reads them."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
# the Debian package of each tool; .ci/run installs them
APT_PACKAGE = {"docker-compose": "docker-compose", "nginx": "nginx", "promtool": "prometheus"}
APT_PACKAGE["openssl"] = "openssl"


def tool(name: str) -> str:
    """The tool's path, or the test is skipped with the apt-get line that installs it."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/usr/local/bin")
    if found is None:
        pytest.skip(f"{name} 未安装: apt-get install -y {APT_PACKAGE.get(name, name)}")
    return found


def exporter_metrics(deploy: Path = DEPLOY) -> dict[str, str]:
    """Metric name → SQL column of postgres-exporter-queries.yaml (postgres-exporter names them
    <query name>_<column>)."""
    import yaml

    queries = yaml.safe_load((deploy / "prometheus" / "postgres-exporter-queries.yaml").read_text("utf-8"))
    return {
        f"{name}_{column}": column
        for name, query in queries.items()
        for metric in query["metrics"]
        for column, spec in metric.items()
        if spec["usage"] != "LABEL"  # a label of the query's other columns, not a metric
    }


def compose_command() -> list[str]:
    """Debian's `docker-compose`, else the Docker CLI's `docker compose` plugin, else skip."""
    import subprocess

    if shutil.which("docker-compose"):
        return [tool("docker-compose")]
    docker = shutil.which("docker")
    if (
        docker
        and subprocess.run([docker, "compose", "version"], capture_output=True, timeout=30).returncode == 0
    ):
        return [docker, "compose"]
    return [tool("docker-compose")]  # skips, naming the package


def compose_service(name: str, deploy: Path = DEPLOY) -> dict[str, Any]:
    """A service of docker-compose.yml as compose sees it: its YAML anchors merged (command, environment…)."""
    import yaml

    compose = yaml.safe_load((deploy / "docker-compose.yml").read_text(encoding="utf-8"))
    service: dict[str, Any] = compose["services"][name]
    return service


def settings_of_environment(environment: Mapping[str, str]) -> dict[str, str]:
    """{GatewaySettings field: value} of environment variables, each named by one of the field's aliases;
    a variable that no setting reads fails the test (compose would be setting it for nothing)."""
    from pydantic import AliasChoices

    from medical_insurance_sdk.gateway.settings import GatewaySettings

    fields: dict[str, str] = {}
    for name, info in GatewaySettings.model_fields.items():
        alias = info.validation_alias
        for choice in alias.choices if isinstance(alias, AliasChoices) else [alias or name]:
            fields[str(choice).upper()] = name
    unknown = sorted(variable for variable in environment if variable.upper() not in fields)
    assert not unknown, f"no setting reads {unknown}"
    return {fields[variable.upper()]: value for variable, value in environment.items()}
