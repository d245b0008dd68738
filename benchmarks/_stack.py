"""The systems under test: product databases (SQLite or PostgreSQL), institutions with API keys, and a
sandbox bureau plus a gateway, each in its own process on 127.0.0.1.

    with product_database("sqlite", folder) as url:
        keys = prepare_gateway_database(url, [BENCH_HOSPITAL])
        with ChildServer.start("sandbox", sandbox_settings(), logs=folder) as bureau,
             ChildServer.start("gateway", gateway_settings(url, folder, bureau.url), logs=folder) as gw: ...
"""

from __future__ import annotations

import base64
import os
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from _common import SANDBOX_ADMIN_TOKEN

from medical_insurance_sdk.engine.settings import InstitutionConfig
from medical_insurance_sdk.gateway.keys import create_key
from medical_insurance_sdk.gateway.settings import GatewaySettings
from medical_insurance_sdk.gateway.tenancy import NewInstitution, add_institution, find_institution
from medical_insurance_sdk.protocol.envelope import EnvelopeConfig
from medical_insurance_sdk.protocol.profiles import load_profile
from medical_insurance_sdk.storage.database import Database
from medical_insurance_sdk.storage.protection import KEYS_ENV, load_key_ring

ADMDVS = "430200"
BENCH_JWT_SECRET = "benchmarks-only-secret-" + "b" * 32
# One data key (storage/protection.py) for the gateways and for the benchmark reading their database
BENCH_DATA_KEYS = "kbench:" + base64.b64encode(b"benchmarks-only-data-key-32bytes").decode()
# Default PostgreSQL server of this machine kind (trust auth on loopback); BENCH_POSTGRES_URL overrides.
POSTGRES_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")

# One institution per front door, so that their msgid sequences never meet at the bureau.
RAW_HOSPITAL = "H43028110101"  # (a) raw httpx
ENGINE_HOSPITAL = "H43028110102"  # (b) engine
GATEWAY_HOSPITAL = "H43028110103"  # (c) SDK → gateway, and the proofs


def institution_config(code: str, bureau_url: str, *, name: str | None = None) -> InstitutionConfig:
    """An engine-side institution (national profile, no gateway signature) talking to `bureau_url`."""
    profile = load_profile("national")
    envelope = EnvelopeConfig(
        fixmedins_code=code,
        fixmedins_name=name or f"基准测试医院{code[-3:]}",
        mdtrtarea_admvs=ADMDVS,
        recer_sys_code=profile.recer_sys_code,
        infver=profile.infver,
        opter_type="1",
        opter="OP001",
        opter_name="基准测试",
        insuplc_admdvs=ADMDVS,
    )
    return InstitutionConfig(envelope=envelope, profile=profile, base_url=bureau_url)


# ------------------------------------------------------------------------------------------ databases
def postgres_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3):
            return True
    except Exception:
        return False


@contextmanager
def product_database(backend: str, folder: Path) -> Iterator[str]:
    """A fresh, empty product database URL: a SQLite file in `folder`, or a new PostgreSQL database
    (created on the local server, dropped afterwards)."""
    if backend == "sqlite":
        path = folder / f"product-{uuid.uuid4().hex[:8]}.sqlite3"
        yield f"sqlite:///{path}"
        return
    if backend != "postgresql":
        raise ValueError(backend)
    import psycopg

    name = f"yibao_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bench_database(url: str) -> Database:
    """The product database with the benchmark gateways' data key (it opens what they sealed)."""
    return Database(url, key_ring=load_key_ring(".", environ={KEYS_ENV: BENCH_DATA_KEYS}))


def prepare_gateway_database(url: str, codes: Sequence[str], role: str = "admin") -> dict[str, str]:
    """Migrate, add the institutions (national profile) and one API key each; returns {code: key}."""
    database = bench_database(url)
    try:
        database.migrate()
        keys: dict[str, str] = {}
        for code in codes:
            if find_institution(database, code) is None:
                add_institution(
                    database,
                    NewInstitution(code=code, name=f"基准测试医院{code[-3:]}", admdvs=ADMDVS, opter="OP001"),
                )
            keys[code] = create_key(database, code, role, label="benchmarks").key
        return keys
    finally:
        database.dispose()


# ------------------------------------------------------------------------------------------- settings
def sandbox_settings(database_url: str | None = None, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "profile": "national",
        "hang_s": 3.0,
        "seed": 7,
        "admin_token": SANDBOX_ADMIN_TOKEN,
    }
    if database_url:
        values["database_url"] = database_url
    return {**values, **overrides}


def relaxed_limits(*, keep_concurrency_limits: bool = False) -> dict[str, Any]:
    """GatewaySettings values that switch the request policies off (`rate_limits_enabled`,
    `concurrency_limits_enabled`), for whichever of them this version has.

    Benchmarks measure the path, not the policy.  The 500-connection proof keeps the §6.1.2 concurrency
    limits on (they are what it tests) and counts their 429s apart from errors.
    """
    off: dict[str, Any] = {}
    for name in GatewaySettings.model_fields:
        policy = "rate_limit" in name or ("concurrency_limit" in name and not keep_concurrency_limits)
        if policy and name.endswith("_enabled"):
            off[name] = False
    return off


def gateway_settings(
    database_url: str,
    data_dir: Path,
    bureau_url: str,
    *,
    keep_concurrency_limits: bool = False,
    **overrides: Any,
) -> dict[str, Any]:
    """The gateway's settings for a benchmark: the given bureau, no demo data, no background sweeper."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "data_dir": str(data_dir),
        "environment": "development",
        "jwt_secret": BENCH_JWT_SECRET,
        "data_keys": BENCH_DATA_KEYS,
        "bureau_api_url": bureau_url,
        "bureau_profile": "national",
        "demo_institution": False,
        "sweeper_interval_s": 0,
        **relaxed_limits(keep_concurrency_limits=keep_concurrency_limits),
    }
    return {**values, **overrides}


def gateway_headers(code: str, key: str) -> Mapping[str, str]:
    return {"X-API-Key": key, "X-Institution-Code": code}
