"""Province variant codes and msgid length, from the institution's profile, in the engine (issue 15 §3).

A province profile (YAML, as an operator writes it) declares `2201A: 2201` and `2206A: 2206` and 28-character
msgids; the sandbox bureau runs the same profile.  The engine sends the variant codes as themselves with the
base transaction's tables and rules, in msgids of the province's length; the sandbox takes them; a lost
answer is confirmed by the base's query (5201); a code the profile does not declare is refused (20001)
before anything is sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sandbox_support import (
    FAULTED_CALL_TIMEOUT_S,
    HANG_S,
    HOSPITAL,
    OUTPATIENT,
    SETTINGS,
    new_visit,
    remember,
)
from sqlalchemy import select

from medical_insurance_sdk.engine.engine import BureauEngine, CallResult
from medical_insurance_sdk.engine.idempotency import CONFLICT
from medical_insurance_sdk.engine.settings import InstitutionConfig
from medical_insurance_sdk.exceptions import (
    MedicalInsuranceException,
    OutcomeUnknownError,
    UnsupportedInterfaceError,
)
from medical_insurance_sdk.protocol.msgid import parse_msgid
from medical_insurance_sdk.protocol.profiles import ProfileError, load_profile
from medical_insurance_sdk.sandbox.app import create_sandbox_app
from medical_insurance_sdk.sandbox.faults import FaultRule
from medical_insurance_sdk.sandbox.runtime import SandboxState
from medical_insurance_sdk.sandbox.settings import SandboxSettings
from medical_insurance_sdk.sandbox.state import Message
from medical_insurance_sdk.sandbox.transport import SyncSandboxTransport
from medical_insurance_sdk.storage.allocators import allocator_for
from medical_insurance_sdk.storage.database import Database
from medical_insurance_sdk.storage.models import LedgerEntry

LENGTH = 28
PROVINCE = """\
variants:
  2201A: 2201
  2206A: "2206"
envelope:
  msgid_length: {length}
  sign_no_max_length: 30
"""


def province_file(tmp_path: Path, length: int = LENGTH) -> Path:
    national = Path(load_profile.__code__.co_filename).parent / "profiles" / "national.yaml"
    lines = national.read_text("utf-8").splitlines(keepends=True)
    kept = "".join(lines[: next(i for i, line in enumerate(lines) if line.startswith("envelope:"))])
    path = tmp_path / "province.yaml"  # the national settings, then the province's own
    path.write_text(
        kept.replace("name: national", "name: province") + PROVINCE.format(length=length), "utf-8"
    )
    return path


@dataclass
class Province:
    """The sandbox bureau and an engine, both run with the province profile."""

    engine: BureauEngine
    state: SandboxState
    institution: InstitutionConfig

    def call(self, key: str, payload: dict[str, Any], **options: Any) -> CallResult:
        return self.engine.call(key, payload, institution=self.institution, **options)

    def step(self, infno: str, visit: dict[str, Any], key: str | None = None, **options: Any) -> CallResult:
        """The outpatient flow's `infno` step, sent as `key` (a variant of it) when given."""
        result = self.call(key or infno, OUTPATIENT.step(infno).payload(visit), **options)
        remember(visit, result)
        return result

    def rows(self, **filters: Any) -> list[LedgerEntry]:
        return list(self.engine.ledger.entries(**filters))

    def messages(self) -> dict[str, Message]:
        with self.state.transaction() as session:
            return {m.msgid: m for m in session.scalars(select(Message))}

    def fault(self, infno: str, kind: str) -> None:
        self.state.faults.replace([FaultRule.model_validate({"scope": infno, "kind": kind, "count": 1})])


@pytest.fixture
def province(sqlite_db: Database, tmp_path: Path) -> Iterator[Province]:
    path = province_file(tmp_path)
    app = create_sandbox_app(SandboxSettings(hang_s=HANG_S, profile=str(path)))
    engine = BureauEngine(
        sqlite_db, allocator_for(sqlite_db), transport=SyncSandboxTransport(app), settings=SETTINGS
    )
    institution = InstitutionConfig(envelope=HOSPITAL.envelope, profile=load_profile(path))
    try:
        yield Province(engine, app.state.sandbox, institution)
    finally:
        engine.close()
        app.state.sandbox.close()


def test_variant_codes_are_sent_as_themselves_in_the_provinces_msgid_length(province: Province) -> None:
    visit = new_visit()
    registered = province.step("2201", visit, "2201A")
    assert (registered.infno, registered.state) == ("2201A", "SUCCESS")
    province.step("2203", visit)
    province.step("2204", visit)
    presettled = province.step("2206", visit, "2206A")
    assert (presettled.infno, presettled.state) == ("2206A", "SUCCESS")
    assert presettled.output["setlinfo"]["medfee_sumamt"] is not None  # the base's answer, read as 2206's

    rows = province.rows()
    sent = {row.msgid: row.infno for row in rows}
    assert sorted(sent.values()) == ["2201A", "2203", "2204", "2206A", "9001"]
    assert {row.msgid: row.request["infno"] for row in rows} == sent  # the envelope carried the variant
    assert {row.state for row in rows} == {"SUCCESS"}
    for msgid in sent:
        assert len(msgid) == LENGTH and parse_msgid(msgid, LENGTH).fixmedins_code == HOSPITAL.code
    # the bureau took every message as sent: its message table shows the variant codes
    assert {msgid: m.infno for msgid, m in province.messages().items()} == sent
    assert {m.infcode for m in province.messages().values()} == {0}


def test_a_lost_variant_answer_is_confirmed_by_the_bases_query(province: Province) -> None:
    visit = new_visit()
    province.fault("2201A", "timeout_after")  # the bureau registers the visit, the answer is lost
    confirmed = province.step("2201", visit, "2201A", timeout_s=FAULTED_CALL_TIMEOUT_S)
    assert (confirmed.infno, confirmed.state, confirmed.confirmed_by) == ("2201A", "CONFIRMED", "5201")
    entry = province.engine.ledger.get(confirmed.msgid)
    assert entry is not None and (entry.infno, entry.state) == ("2201A", "CONFIRMED")
    queries = province.rows(parent_msgid=confirmed.msgid)
    assert [q.infno for q in queries] == ["5201"] and entry.resolution_msgid == queries[0].msgid
    assert province.messages()[confirmed.msgid].infcode == 0  # it did take effect at the bureau

    province.fault("2201A", "reset_before")  # this time the message never reaches the bureau
    with pytest.raises(MedicalInsuranceException) as failed:
        province.step("2201", new_visit(), "2201A")
    assert failed.value.retry is True and failed.value.details["outcome"] == "failed"
    assert failed.value.msgid is not None and failed.value.msgid not in province.messages()
    assert province.engine.sweep({HOSPITAL.code: province.institution}) == {}


def test_the_sweeper_resolves_a_variant_by_the_bases_query(province: Province) -> None:
    province.fault("2201A", "timeout_after")
    with pytest.raises(OutcomeUnknownError) as unknown:  # the call leaves it to the sweeper
        province.step("2201", new_visit(), "2201A", timeout_s=FAULTED_CALL_TIMEOUT_S, resolve=False)
    msgid = unknown.value.msgid
    assert msgid is not None and unknown.value.infno == "2201A"
    assert province.engine.sweep({HOSPITAL.code: province.institution}) == {msgid: "CONFIRMED"}
    assert [q.infno for q in province.rows(parent_msgid=msgid)] == ["5201"]


def test_an_undeclared_variant_is_refused_before_anything_is_sent(province: Province) -> None:
    visit = new_visit() | {"mdtrt_id": "MDTRT0001"}  # a valid 2206 input: only the code is wrong
    for code in ("2206B", "2201B"):
        with pytest.raises(UnsupportedInterfaceError) as refused:
            province.step(code[:4], visit, code)
        assert refused.value.code == 20001
        assert f"{code}（未登记，省份配置 province 也未声明该变体交易）" in refused.value.message
    assert province.rows() == [] and province.messages() == {}  # not even a sign-in


def test_an_idempotency_key_keeps_the_variant_code(province: Province) -> None:
    visit = new_visit()
    payload = OUTPATIENT.step("2201").payload(visit)
    first = province.call("2201A", payload, idempotency_key="visit-variant-1")
    again = province.call("2201A", payload, idempotency_key="visit-variant-1")
    assert (again.msgid, again.infno) == (first.msgid, "2201A")
    assert [m.infno for m in province.messages().values() if m.infno.startswith("2201")] == ["2201A"]
    with pytest.raises(MedicalInsuranceException) as conflict:  # the base code is another request
        province.call("2201", payload, idempotency_key="visit-variant-1")
    assert conflict.value.code == CONFLICT


def test_an_engine_refuses_a_msgid_longer_than_its_ledger_keeps(tmp_path: Path) -> None:
    profile = load_profile(province_file(tmp_path, 32))  # a sandbox may run it; the engine cannot
    with pytest.raises(ProfileError, match="发送方报文ID为 32 位，超出账本可保存的 30 位"):
        InstitutionConfig(envelope=HOSPITAL.envelope, profile=profile)
