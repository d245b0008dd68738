"""One JSON log line per request, in the shape of spec §8.2.1, masked, through the standard `logging` module.

    {"timestamp": "2025-07-14T10:30:00.123Z", "level": "INFO", "logger": "medical_insurance_api",
     "request_id": "REQ…", "institution_id": 1, "interface_type": "person_info", "infno": "1101",
     "category": "基础信息服务", "method": "POST", "path": "/api/v1/medical-insurance/basic/person-info",
     "status_code": 200, "response_time": 1.234, "user_agent": "…", "ip_address": "192.168.1.100",
     "message": "【1101】人员基本信息获取: 操作成功", "extra": {"msgid": "…", "query_params": {…}}}

The records go to the logger `medical_insurance_api`; `JsonLineFormatter` writes them.  With
`json_access_log` on, the gateway puts a stderr handler with that formatter on the logger while it runs;
otherwise the deployment's logging configuration decides (use `JsonLineFormatter` there).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, TextIO

from medical_insurance_sdk.gateway.audit.observer import Exchange
from medical_insurance_sdk.gateway.audit.redact import redact, scrub_text
from medical_insurance_sdk.gateway.state import GatewayState

ACCESS_LOGGER = "medical_insurance_api"
_FIELDS = (
    "request_id",
    "institution_id",
    "interface_type",
    "infno",
    "category",
    "method",
    "path",
    "status_code",
    "response_time",
    "user_agent",
    "ip_address",
)


class JsonLineFormatter(logging.Formatter):
    """A record as one JSON object: the §8.2.1 fields from `record.access` when it is an access record."""

    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.fromtimestamp(record.created, UTC)
        line: dict[str, Any] = {
            "timestamp": moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z",
            "level": record.levelname,
            "logger": record.name,
        }
        access = getattr(record, "access", None)
        if isinstance(access, Mapping):
            line.update({name: access.get(name) for name in _FIELDS})
        line["message"] = scrub_text(record.getMessage())
        if isinstance(access, Mapping) and access.get("extra"):
            line["extra"] = redact(access["extra"])
        if record.exc_info:
            line["exception"] = scrub_text(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


def _message(exchange: Exchange) -> str:
    tx = exchange.transaction
    where = tx.title if tx is not None else f"{exchange.method} {exchange.path}"
    if exchange.success:
        return f"{where}: {exchange.status_code}" if tx is None else f"{where}: 操作成功"
    # a bureau's refusal may quote the patient: scrubbed here too, whatever formatter writes the record
    failure = f"{exchange.error_code or exchange.status_code} {exchange.error_message or ''}".rstrip()
    return f"{where}: {scrub_text(failure)}"


def access_fields(exchange: Exchange) -> dict[str, Any]:
    """The §8.2.1 fields of one request, `extra` masked."""
    tx = exchange.transaction
    admission = exchange.admission
    extra: dict[str, Any] = {}
    if exchange.msgid:
        extra["msgid"] = exchange.msgid
    if exchange.error_code is not None:
        extra["error_code"] = exchange.error_code
    if admission is not None:
        extra["institution_code"] = admission.caller.institution_code
        extra["key_id"] = admission.caller.key_id
    if exchange.query:
        extra["query_params"] = dict(exchange.query)
    return {
        "request_id": exchange.request_id,
        "institution_id": admission.caller.institution.id if admission is not None else None,
        "interface_type": tx.interface_type if tx is not None else None,
        "infno": exchange.infno_for(tx) if tx is not None else None,
        "category": tx.category.value if tx is not None else None,
        "method": exchange.method,
        "path": exchange.path,
        "status_code": exchange.status_code,
        "response_time": round(exchange.duration_s, 3),
        "user_agent": exchange.user_agent,
        "ip_address": exchange.client_ip,
        "extra": redact(extra),
    }


async def access_log_sink(exchange: Exchange) -> None:
    """Log one request: INFO when it succeeded, WARNING for a refusal (4xx), ERROR for a failure (5xx)."""
    if exchange.success:
        level = logging.INFO
    else:
        level = logging.WARNING if exchange.status_code < 500 else logging.ERROR
    logger = logging.getLogger(ACCESS_LOGGER)
    if logger.isEnabledFor(level):  # the masked fields only for a record something will write
        logger.log(level, _message(exchange), extra={"access": access_fields(exchange)})


class _JsonAccessHandler(logging.StreamHandler[TextIO]):
    """The stderr handler the gateway adds; shared by the apps running in one process."""

    users = 0


@asynccontextmanager
async def json_access_log(state: GatewayState) -> AsyncIterator[None]:
    """A lifespan hook: JSON lines to stderr while the gateway runs (one handler however many apps)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    handler = next((h for h in logger.handlers if isinstance(h, _JsonAccessHandler)), None)
    if handler is None:
        handler = _JsonAccessHandler(sys.stderr)
        handler.setFormatter(JsonLineFormatter())
        logger.addHandler(handler)
    handler.users += 1
    previous_level = logger.level
    if logger.getEffectiveLevel() > logging.INFO:
        logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        handler.users -= 1
        if handler.users == 0:
            logger.removeHandler(handler)
            logger.setLevel(previous_level)
