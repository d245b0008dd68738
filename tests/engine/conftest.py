"""Engine test helpers: an institution, a migrated SQLite database, engines over any transport."""

from __future__ import annotations

import pytest

from medical_insurance_sdk.engine.settings import EngineSettings, InstitutionConfig
from medical_insurance_sdk.protocol.envelope import EnvelopeConfig
from medical_insurance_sdk.protocol.msgid import MemorySequenceAllocator
from medical_insurance_sdk.storage.database import Database

HOSPITAL = InstitutionConfig(
    envelope=EnvelopeConfig(
        fixmedins_code="H43028110001",
        fixmedins_name="湘潭市第一人民医院",
        mdtrtarea_admvs="430200",
        recer_sys_code="YBXT",
        infver="V1.0",
        opter_type="1",
        opter="OP001",
        opter_name="李收费",
        insuplc_admdvs="430200",
    )
)

# The in-process sandbox finishes (or drops) a message within milliseconds of receiving it: a 0.3 s
# processing window keeps "原交易不存在" honest without making every lost answer wait a minute.
FAST = EngineSettings(
    backoff_base_s=0.001, backoff_max_s=0.002, resolve_budget_s=2.0, processing_window_s=0.3
)


@pytest.fixture
def institution() -> InstitutionConfig:
    return HOSPITAL


@pytest.fixture
def database(tmp_path) -> Database:
    db = Database(f"sqlite:///{tmp_path / 'engine.sqlite3'}")
    db.migrate()
    yield db
    db.dispose()


@pytest.fixture
def allocator() -> MemorySequenceAllocator:
    return MemorySequenceAllocator()
