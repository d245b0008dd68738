"""Helpers of the deploy/ checks: where deploy/ is, and the external tools they run (or skip without)."""

from __future__ import annotations

import shutil
from pathlib import Path

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
