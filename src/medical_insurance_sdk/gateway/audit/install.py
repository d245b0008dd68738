"""The audit installer: the observer middleware with its call-log and JSON-log sinks.

create_app(settings)          # installed by default (gateway.app.INSTALLERS)
"""

from __future__ import annotations

from fastapi import FastAPI

from medical_insurance_sdk.gateway.audit.logging import access_log_sink, json_access_log
from medical_insurance_sdk.gateway.audit.observer import exchange_sinks, install_observer
from medical_insurance_sdk.gateway.audit.recorder import audit_writer, recorder_sink
from medical_insurance_sdk.gateway.extensions import lifespan_hooks
from medical_insurance_sdk.gateway.settings import GatewaySettings


def install_audit(app: FastAPI, settings: GatewaySettings) -> None:
    install_observer(app, settings)
    # the log line first: it costs nothing and should appear even when the database is in trouble
    exchange_sinks(app).extend([access_log_sink, recorder_sink(app)])
    lifespan_hooks(app).append(audit_writer)
    if settings.json_access_log:
        lifespan_hooks(app).append(json_access_log)
