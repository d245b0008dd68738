"""`yibao compensate` beside a running gateway judges a message by the bureau that received it (issue 13 §1).

The gateway's and the CLI's engine are assembled in one place (gateway.assembly) from the same settings:
the embedded sandbox keeps its state in the data directory, so the CLI talks to the very bureau that
settled.  A CLI pointed at another bureau (another data directory, URL or profile) refuses to judge.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sandbox_support import OUTPATIENT, new_visit, remember
from typer.testing import CliRunner

from medical_insurance_sdk.cli import app
from medical_insurance_sdk.engine.engine import BureauEngine
from medical_insurance_sdk.engine.settings import EngineSettings
from medical_insurance_sdk.exceptions import OutcomeUnknownError
from medical_insurance_sdk.gateway.assembly import embedded_sandbox, sandbox_identity
from medical_insurance_sdk.gateway.settings import GatewaySettings
from medical_insurance_sdk.gateway.tenancy import (
    DEMO_CODE,
    Tenants,
    ensure_demo_institution,
    find_institution,
)
from medical_insurance_sdk.sandbox.faults import FaultRule
from medical_insurance_sdk.sandbox.state import Message
from medical_insurance_sdk.sandbox.transport import SyncSandboxTransport
from medical_insurance_sdk.storage.allocators import allocator_for
from medical_insurance_sdk.storage.database import Database

pytest.importorskip("fastapi")


@dataclass
class LeftUnknown:
    msgid: str
    database_url: str


def _env(data_dir: Path, database_url: str) -> dict[str, str | None]:
    return {
        "MEDICAL_INSURANCE_DATA_DIR": str(data_dir),
        "DATABASE_URL": database_url,
        "MEDICAL_BUREAU_API_URL": None,
        "MEDICAL_BUREAU_PROFILE": None,
        "MEDICAL_INSURANCE_CONFIG_FILE": None,
        "MEDICAL_INSURANCE_INSTITUTION_CODE": None,
        "REDIS_URL": None,
        "COLUMNS": "300",  # the report table on one line per message
    }


@contextmanager
def gateway_side(data_dir: Path, database_url: str) -> Iterator[tuple[BureauEngine, object, object]]:
    """What `yibao run` assembles on `data_dir`, with a resolve budget of zero: a lost answer whose first
    2601 also goes unanswered is left UNKNOWN, as a gateway under a flaky link leaves it."""
    settings = GatewaySettings(data_dir=data_dir, database_url=database_url)
    database = Database(database_url, key_ring=settings.key_ring())  # the data dir's key, as `yibao run`
    database.migrate()
    ensure_demo_institution(database, settings)
    sandbox = embedded_sandbox(settings)
    assert sandbox is not None
    engine = BureauEngine(
        database,
        allocator_for(database),
        transport=SyncSandboxTransport(sandbox),
        settings=EngineSettings(resolve_budget_s=0.0, processing_window_s=0.0),
        embedded_bureau=sandbox_identity(sandbox),
    )
    record = find_institution(database, DEMO_CODE)
    assert record is not None
    config = Tenants(settings, environ={}).config_for(record)
    try:
        yield engine, config, sandbox.state.sandbox
    finally:
        engine.close()
        sandbox.state.sandbox.close()
        database.dispose()


def leave_a_settlement_unknown(data_dir: Path, database_url: str) -> LeftUnknown:
    with gateway_side(data_dir, database_url) as (engine, config, state):
        visit = new_visit()
        for step in OUTPATIENT.before("2207"):
            remember(visit, engine.call(step.infno, step.payload(visit), institution=config))
        rules = [
            {"scope": "2207", "kind": "timeout_after", "count": 1},
            {"scope": "2601", "kind": "http_5xx", "count": 1},
        ]
        state.faults.replace([FaultRule.model_validate(r) for r in rules])
        with pytest.raises(OutcomeUnknownError) as info:
            engine.call("2207", OUTPATIENT.step("2207").payload(visit), institution=config, timeout_s=0.3)
        msgid = info.value.msgid
        assert msgid and engine.ledger.get(msgid).state == "UNKNOWN"
        with state.transaction() as session:
            settled = session.get(Message, msgid)
            assert settled is not None and settled.infcode == 0 and settled.reversed_by is None
    return LeftUnknown(msgid, database_url)


def test_compensate_beside_the_gateway_reverses_at_the_bureau_that_settled(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    left = leave_a_settlement_unknown(data_dir, f"sqlite:///{tmp_path / 'yibao.sqlite3'}")
    result = CliRunner().invoke(app, ["compensate"], env=_env(data_dir, left.database_url))
    assert result.exit_code == 0, result.output
    assert "已冲正" in result.output and left.msgid in result.output
    with gateway_side(data_dir, left.database_url) as (engine, _, state):
        assert engine.ledger.get(left.msgid).state == "REVERSED"
        with state.transaction() as session:
            assert session.get(Message, left.msgid).reversed_by  # reversed at the bureau that settled


def test_compensate_against_another_bureau_refuses_to_judge(tmp_path: Path) -> None:
    left = leave_a_settlement_unknown(tmp_path / "var", f"sqlite:///{tmp_path / 'yibao.sqlite3'}")
    # the same ledger, but another data directory: another (empty) embedded sandbox
    elsewhere = _env(tmp_path / "elsewhere", left.database_url)
    # the ledger is sealed with the key of the data dir that wrote it
    elsewhere["MEDICAL_INSURANCE_DATA_KEY_FILE"] = str(tmp_path / "var" / "data-keys.json")
    result = CliRunner().invoke(app, ["compensate"], env=elsewhere)
    assert result.exit_code == 1, result.output
    assert "发往另一医保局" in result.output and left.msgid in result.output
    with gateway_side(tmp_path / "var", left.database_url) as (engine, _, _state):
        row = engine.ledger.get(left.msgid)
        # never FAILED on the word of a bureau that never saw it; the ledger is left for the right one
        assert row.state == "UNKNOWN"
        assert not list(engine.ledger.entries(infno="2601", parent_msgid=left.msgid, state="FAILED"))
