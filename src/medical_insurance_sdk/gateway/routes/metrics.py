"""GET /metrics: the gateway's Prometheus metrics (spec §10.2.1 scrapes this path), without authentication.

    medical_insurance_requests_total{category,status}
    medical_insurance_request_duration_seconds{category}

`install_metrics` gives the app its own collectors (audit/metrics.py) and counts every transaction call.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.responses import Response

from medical_insurance_sdk.gateway.audit.metrics import GatewayMetrics
from medical_insurance_sdk.gateway.audit.observer import exchange_sinks, install_observer
from medical_insurance_sdk.gateway.settings import GatewaySettings


def install_metrics(app: FastAPI, settings: GatewaySettings) -> None:
    metrics = GatewayMetrics()
    app.state.metrics = metrics
    install_observer(app, settings)
    exchange_sinks(app).append(metrics.sink)


def metrics_of(app: FastAPI) -> GatewayMetrics:
    metrics: GatewayMetrics = app.state.metrics
    return metrics


def metrics_router(settings: GatewaySettings) -> APIRouter:
    router = APIRouter()

    @router.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        return Response(metrics_of(request.app).exposition(), media_type=CONTENT_TYPE_LATEST)

    return router
