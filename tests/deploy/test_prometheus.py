"""deploy/prometheus: `promtool check config`, `check rules`, and `test rules` — where every alert of
alert_rules.yml is shown firing by a unit test (and quiet on healthy series)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml
from deploy_support import tool


def promtool(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tool("promtool"), *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_prometheus_configuration_is_valid(deploy_dir: Path) -> None:
    result = promtool("check", "config", "prometheus.yml", cwd=deploy_dir / "prometheus")
    assert result.returncode == 0, result.stdout + result.stderr


def test_alert_rules_are_valid(deploy_dir: Path) -> None:
    result = promtool("check", "rules", "alert_rules.yml", cwd=deploy_dir / "prometheus")
    assert result.returncode == 0, result.stdout + result.stderr


def test_alert_unit_tests_pass(deploy_dir: Path) -> None:
    result = promtool("test", "rules", "alert_rules_test.yml", cwd=deploy_dir / "prometheus")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_rule_that_no_longer_fires_fails_its_unit_test(deploy_dir: Path, tmp_path: Path) -> None:
    staged = tmp_path / "prometheus"
    shutil.copytree(deploy_dir / "prometheus", staged)
    rules = staged / "alert_rules.yml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("> 0.10", "> 0.50"), encoding="utf-8")
    assert promtool("test", "rules", "alert_rules_test.yml", cwd=staged).returncode != 0


def alert_names(deploy_dir: Path) -> set[str]:
    rules = yaml.safe_load((deploy_dir / "prometheus" / "alert_rules.yml").read_text(encoding="utf-8"))
    return {rule["alert"] for group in rules["groups"] for rule in group["rules"] if "alert" in rule}


def test_every_alert_has_a_unit_test_that_fires_it(deploy_dir: Path) -> None:
    tests = yaml.safe_load((deploy_dir / "prometheus" / "alert_rules_test.yml").read_text(encoding="utf-8"))
    fired = {
        case["alertname"]
        for test in tests["tests"]
        for case in test.get("alert_rule_test", [])
        if case.get("exp_alerts")
    }
    assert alert_names(deploy_dir) - fired == set()


def test_the_spec_alerts_are_there(deploy_dir: Path) -> None:
    # §8.1.2: system_down, database_down, high_error_rate, high_response_time, low_success_rate, high_traffic
    expected = {"YibaoGatewayDown", "YibaoDatabaseDown", "YibaoHighErrorRate", "YibaoHighResponseTime"}
    expected |= {"YibaoLowSuccessRate", "YibaoHighTraffic", "YibaoBureauUnavailable"}
    assert alert_names(deploy_dir) >= expected


def test_prometheus_scrapes_every_api_replica_of_compose(deploy_dir: Path) -> None:
    config = yaml.safe_load((deploy_dir / "prometheus" / "prometheus.yml").read_text(encoding="utf-8"))
    compose = yaml.safe_load((deploy_dir / "docker-compose.yml").read_text(encoding="utf-8"))
    job = next(j for j in config["scrape_configs"] if j["job_name"] == "medical-insurance-api")
    targets = {t for group in job["static_configs"] for t in group["targets"]}
    replicas = {f"{name}:8000" for name in compose["services"] if name.startswith("api-")}
    assert targets == replicas and len(replicas) == 3
