"""deploy/k8s: every manifest valid against the Kubernetes API schemas (kubernetes-validate, strict: no
unknown field), with the probes on the gateway's real paths."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from medical_insurance_sdk.registry import API_PREFIX

kubernetes_validate = pytest.importorskip(
    "kubernetes_validate", reason="kubernetes-validate 未安装: pip install -e '.[dev]'"
)
KUBERNETES = "1.37.0"


def documents(deploy_dir: Path) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted((deploy_dir / "k8s").glob("*.yaml")):
        found += [(path.name, doc) for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]
    return found


def kinds(deploy_dir: Path) -> dict[tuple[str, str], dict[str, Any]]:
    return {(doc["kind"], doc["metadata"]["name"]): doc for _, doc in documents(deploy_dir)}


def test_every_manifest_is_valid(deploy_dir: Path) -> None:
    for name, doc in documents(deploy_dir):
        try:
            kubernetes_validate.validate(doc, KUBERNETES, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{name} {doc['kind']}/{doc['metadata']['name']}: {exc.message}")


def test_an_invalid_manifest_is_refused(deploy_dir: Path) -> None:
    deployment = copy.deepcopy(kinds(deploy_dir)["Deployment", "yibao-api"])
    deployment["spec"]["replicas"] = "three"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES, strict=True)


def test_the_topology_is_complete(deploy_dir: Path) -> None:
    found = set(kinds(deploy_dir))
    expected = {("Deployment", "yibao-api"), ("Service", "yibao-api")}
    expected |= {("HorizontalPodAutoscaler", "yibao-api")}
    expected |= {("PodDisruptionBudget", "yibao-api"), ("ConfigMap", "yibao-config")}
    expected |= {("Deployment", "yibao-worker"), ("Deployment", "yibao-beat")}
    assert expected <= found
    assert any(kind == "Job" for kind, _ in found), "the Alembic migration Job"
    beat = kinds(deploy_dir)["Deployment", "yibao-beat"]
    assert beat["spec"]["replicas"] == 1 and beat["spec"]["strategy"]["type"] == "Recreate"


def test_probes_use_the_real_paths_and_secrets_come_from_a_secret(deploy_dir: Path) -> None:
    api = kinds(deploy_dir)["Deployment", "yibao-api"]
    container = api["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == API_PREFIX + "health/check"
    assert container["livenessProbe"]["httpGet"]["path"] == "/metrics"
    assert {"secretRef": {"name": "yibao-secrets"}} in container["envFrom"]
    config = kinds(deploy_dir)["ConfigMap", "yibao-config"]["data"]
    assert not [key for key in config if "SECRET" in key or "PASSWORD" in key or key == "DATABASE_URL"]
    assert api["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True
