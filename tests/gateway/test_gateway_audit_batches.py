"""The call log is written in batches off the request path, and never read stale or lost on shutdown."""

from __future__ import annotations

from pathlib import Path

from gateway_support import HOSPITAL, gateway_settings, person_query, start_gateway
from sqlalchemy import func, select

from medical_insurance_sdk.gateway.audit.models import InterfaceCallLog
from medical_insurance_sdk.gateway.keys import create_key
from medical_insurance_sdk.gateway.state import GatewayState
from medical_insurance_sdk.storage.database import Database

PERSON_INFO = "/api/v1/medical-insurance/basic/person-info"
STATISTICS = "/api/v1/medical-insurance/statistics/interface-calls"


def logged(database_url: str) -> int:
    database = Database(database_url)
    try:
        with database.session() as session:
            return int(session.scalar(select(func.count()).select_from(InterfaceCallLog)) or 0)
    finally:
        database.dispose()


def test_rows_wait_for_their_batch_are_flushed_for_readers_and_on_shutdown(
    database_url: str, tmp_path: Path
) -> None:
    # a long interval: nothing is written by the clock during the test, only by flushes
    settings = gateway_settings(database_url, tmp_path, audit_flush_interval_s=30)
    with start_gateway(settings, flush_audit=False) as (app, client):
        state: GatewayState = app.state.gateway
        key = create_key(state.database, HOSPITAL, "admin").key
        headers = {"X-API-Key": key, "X-Institution-Code": HOSPITAL}
        before = logged(database_url)
        for _ in range(3):
            assert client.post(PERSON_INFO, json=person_query(), headers=headers).status_code == 200
        assert logged(database_url) == before  # answered, not yet written: the batch is gathering

        # a reader of the call log sees its own calls: the route flushes first
        answer = client.get(STATISTICS, headers=headers).json()
        assert answer["success"] is True, answer
        assert logged(database_url) == before + 3

        assert client.post(PERSON_INFO, json=person_query(), headers=headers).status_code == 200
        assert logged(database_url) == before + 3
    # the app's shutdown writes what was still gathering
    assert logged(database_url) == before + 4
