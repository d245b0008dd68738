"""Prometheus metrics of the transaction calls, with the names the spec's dashboards query (§10.2.2).

    medical_insurance_requests_total{category="医保业务服务", status="success"}        counter
    medical_insurance_request_duration_seconds_bucket{category="…", le="5.0"}         histogram

Each app has its own `CollectorRegistry` (no process-global registry), so several gateways in one process
(tests) count apart.  `status` is "success" or "error".  With several worker processes each worker exposes
its own counts; scrape every worker, or run one per container as the spec's compose file does.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from medical_insurance_sdk.gateway.audit.observer import Exchange

# Bureau calls take from tens of milliseconds (queries) to minutes (file uploads, §6.1.1).
DURATION_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)


class GatewayMetrics:
    """The gateway's collectors, on a registry of their own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "medical_insurance_requests",
            "Transaction calls answered by the gateway, by category and outcome",
            ("category", "status"),
            registry=self.registry,
        )
        self.duration = Histogram(
            "medical_insurance_request_duration_seconds",
            "Time to answer a transaction call, by category",
            ("category",),
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )

    def observe(self, category: str, success: bool, seconds: float) -> None:
        self.requests.labels(category=category, status="success" if success else "error").inc()
        self.duration.labels(category=category).observe(seconds)

    async def sink(self, exchange: Exchange) -> None:
        """Count a transaction call (other requests — health checks, scrapes, docs — are not counted)."""
        if exchange.transaction is not None:
            self.observe(exchange.transaction.category.value, exchange.success, exchange.duration_s)

    def exposition(self) -> bytes:
        """The text format Prometheus scrapes."""
        return generate_latest(self.registry)
