"""Every metric that an alert rule or a dashboard panel queries is one that really exists: exported by the
gateway's /metrics (read from a started gateway after real calls), by postgres-exporter from the ledger
queries of deploy/prometheus/postgres-exporter-queries.yaml (test_exporter_queries.py runs them), or one
of the few that Prometheus and the exporters provide themselves (OTHER_SOURCES)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from deploy_support import exporter_metrics
from gateway_support import STRANGER, Gateway, person_query
from prometheus_client.parser import text_string_to_metric_families

OTHER_SOURCES = {
    "up": "Prometheus itself, per scrape target",
    "pg_up": "postgres-exporter (compose service postgres-exporter)",
    "redis_up": "redis_exporter (compose service redis-exporter)",
}
PROMQL_WORDS = {"sum", "rate", "irate", "increase", "avg", "max", "min", "count", "by", "without", "and"}
PROMQL_WORDS |= {"or", "unless", "on", "ignoring", "group_left", "group_right", "histogram_quantile", "bool"}
PROMQL_WORDS |= {"offset", "absent", "time", "vector", "scalar", "topk", "bottomk", "inf", "nan"}


def metric_names(expr: str) -> set[str]:
    """The metric names of a PromQL expression (label matchers, grouping lists and durations removed)."""
    expr = re.sub(r"\{[^}]*\}", " ", expr)
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", expr)
    expr = re.sub(r"\[[^\]]*\]", " ", expr)
    names = set()
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", expr):
        following = expr[match.end() :].lstrip()
        if match.group() not in PROMQL_WORDS and not following.startswith("("):
            names.add(match.group())
    return names


def test_the_extractor_finds_metrics_not_functions_or_labels() -> None:
    expr = 'sum(rate(a_total{status="error"}[5m])) by (category) / sum by (le) (rate(b_bucket[5m])) > 0.1'
    assert metric_names(expr) == {"a_total", "b_bucket"}


def queried(deploy_dir: Path) -> dict[str, set[str]]:
    """metric name → where it is queried."""
    found: dict[str, set[str]] = {}
    rules = yaml.safe_load((deploy_dir / "prometheus" / "alert_rules.yml").read_text(encoding="utf-8"))
    for group in rules["groups"]:
        for rule in group["rules"]:
            for name in metric_names(rule["expr"]):
                found.setdefault(name, set()).add(f"alert {rule.get('alert') or rule.get('record')}")
    for path in (deploy_dir / "grafana" / "dashboards").glob("*.json"):
        dashboard = json.loads(path.read_text(encoding="utf-8"))
        for panel in dashboard["panels"]:
            for target in panel.get("targets", []):
                for name in metric_names(target["expr"]):
                    found.setdefault(name, set()).add(f"{path.name}: {panel['title']}")
    return found


def exported(gateway: Gateway) -> set[str]:
    gateway.ok("POST", "basic/person-info", json=person_query())  # a success …
    gateway.post("basic/person-info", json=STRANGER)  # … and an error, so every labelled series exists
    response = gateway.client.get("/metrics")
    assert response.status_code == 200
    return {s.name for family in text_string_to_metric_families(response.text) for s in family.samples}


def test_every_queried_metric_exists(gateway: Gateway, deploy_dir: Path) -> None:
    names = exported(gateway)
    assert "medical_insurance_requests_total" in names
    known = names | set(OTHER_SOURCES) | set(exporter_metrics(deploy_dir))
    missing = {name: where for name, where in queried(deploy_dir).items() if name not in known}
    assert missing == {}, f"查询了 /metrics 中没有的指标: {missing}"


def test_the_other_sources_are_scraped(deploy_dir: Path) -> None:
    config = yaml.safe_load((deploy_dir / "prometheus" / "prometheus.yml").read_text(encoding="utf-8"))
    groups = [group for job in config["scrape_configs"] for group in job["static_configs"]]
    targets = {target for group in groups for target in group["targets"]}
    assert {"postgres-exporter:9187", "redis-exporter:9121"} <= targets
    compose = yaml.safe_load((deploy_dir / "docker-compose.yml").read_text(encoding="utf-8"))
    assert {"postgres-exporter", "redis-exporter"} <= set(compose["services"])
