"""deploy/docker-compose.yml: valid for Compose, the spec's services (§10.1.1), the real health path, and
no secret written inline."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import yaml
from deploy_support import compose_command

from medical_insurance_sdk.registry import API_PREFIX

HEALTH_PATH = API_PREFIX + "health/check"
SERVICES = {"api-1", "api-2", "api-3", "postgres", "redis", "nginx", "celery-worker", "celery-beat"}
SERVICES |= {"prometheus", "grafana", "migrate"}
SECRET_NAME = re.compile(r"PASSWORD|SECRET|_SK$|_AK$|DATA_KEYS|DATABASE_URL|DATA_SOURCE_NAME", re.I)


def compose_config(staged: Path) -> dict[str, Any]:
    """`docker-compose config` (Debian's docker-compose) or `docker compose config`: the resolved file."""
    result = subprocess.run(
        [*compose_command(), "-f", str(staged / "docker-compose.yml"), "config"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    resolved: dict[str, Any] = yaml.safe_load(result.stdout)
    return resolved


def test_compose_file_is_valid_and_has_the_spec_services(staged_deploy: Path) -> None:
    services = compose_config(staged_deploy)["services"]
    assert set(services) >= SERVICES
    for name in ("api-1", "api-2", "api-3"):
        assert services[name]["command"][:2] == ["yibao", "run"]
    assert services["celery-worker"]["command"][:2] == ["yibao", "worker"]
    assert services["celery-beat"]["command"] == ["yibao", "beat"]


def test_healthchecks_ask_the_real_health_path(staged_deploy: Path, deploy_dir: Path) -> None:
    services = compose_config(staged_deploy)["services"]
    for name in ("api-1", "api-2", "api-3"):
        assert HEALTH_PATH in " ".join(services[name]["healthcheck"]["test"])
    dockerfile = (deploy_dir / "Dockerfile").read_text(encoding="utf-8")
    assert "HEALTHCHECK" in dockerfile and HEALTH_PATH in dockerfile
    assert re.search(r"^USER 10001", dockerfile, re.M), "the image must not run as root"
    assert len(re.findall(r"^FROM ", dockerfile, re.M)) >= 2, "multi-stage build"


def test_secrets_only_come_from_env_files(staged_deploy: Path, deploy_dir: Path) -> None:
    raw = yaml.safe_load((deploy_dir / "docker-compose.yml").read_text(encoding="utf-8"))
    for name, service in raw["services"].items():
        environment = service.get("environment") or {}
        names = environment if isinstance(environment, dict) else [e.split("=")[0] for e in environment]
        inline = [key for key in names if SECRET_NAME.search(key)]
        assert not inline, f"{name}: {inline} 须放在 env 文件中"
    for example in (deploy_dir / "env").glob("*.env.example"):
        for line in example.read_text(encoding="utf-8").splitlines():
            if SECRET_NAME.search(line.split("=")[0]) and "=" in line and not line.startswith("#"):
                assert "CHANGE_ME" in line, f"{example.name}: 示例文件不得含真实密钥: {line}"


def test_a_missing_env_file_is_refused(staged_deploy: Path) -> None:
    (staged_deploy / "env" / "api.env").unlink()
    result = subprocess.run(
        [*compose_command(), "-f", str(staged_deploy / "docker-compose.yml"), "config", "-q"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0 and "api.env" in result.stderr
