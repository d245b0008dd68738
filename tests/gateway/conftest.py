"""Gateway fixtures (helpers in gateway_support.py), each on SQLite and on PostgreSQL.

database_url   module-scoped, parametrised [sqlite] / [postgresql]: a fresh empty database (PostgreSQL:
               created for the module, dropped after; unreachable → skipped, failed under $CI)
gateway        module-scoped: a started gateway on it, the demo hospital H43028110001 with one key per
               role, and the demo pharmacy P43028110002 with an admin key (for isolation tests)
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from gateway_support import HOSPITAL, PHARMACY, Gateway, gateway_settings, start_gateway
from sqlalchemy import make_url

from medical_insurance_sdk.gateway.keys import create_key
from medical_insurance_sdk.gateway.state import GatewayState
from medical_insurance_sdk.gateway.tenancy import NewInstitution, add_institution
from medical_insurance_sdk.registry.policy import ROLES


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('gateway-db') / 'gateway.sqlite3'}"
        return
    import psycopg
    from psycopg import sql

    admin_url: str = request.getfixturevalue("postgres_admin_url")
    name = f"yibao_gw_{secrets.token_hex(6)}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            # FORCE: the gateway's pool may still hold a connection
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="module")
def gateway(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    data_dir = tmp_path_factory.mktemp("gateway-data")
    with start_gateway(gateway_settings(database_url, data_dir)) as (app, client):
        state: GatewayState = app.state.gateway
        keys = {role: create_key(state.database, HOSPITAL, role).key for role in ROLES}
        add_institution(
            state.database, NewInstitution(code=PHARMACY, name="湘潭演示大药房有限公司", admdvs="430200")
        )
        other = create_key(state.database, PHARMACY, "admin").key
        yield Gateway(app, client, database_url, data_dir, keys, other)
