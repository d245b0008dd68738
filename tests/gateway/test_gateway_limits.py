"""Limits (spec §6): rate limits with Retry-After, concurrency slots, body sizes; checked at startup too.

Each test starts a gateway with the limit under test turned on (the shared fixtures run with rate limits
off), on the module's database: SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from fastapi import FastAPI, Request
from gateway_support import (
    HOSPITAL,
    JSON,
    Gateway,
    as_pharmacy,
    gateway_settings,
    operations_gateway,
    person_query,
    wait_until,
)
from pydantic import ValidationError

from medical_insurance_sdk.gateway import create_app
from medical_insurance_sdk.gateway.errors import install_error_handlers
from medical_insurance_sdk.gateway.policies.body_size import install_body_size
from medical_insurance_sdk.protocol import jsoncodec
from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.registry.samples import sample_message

PERSON_INFO = "basic/person-info"  # 1101: rate category data_query, concurrency class query
INSTITUTION_INFO = "basic/institution-info"  # 1201: data_query as well
INSTITUTION_INFO_INFNO = "1201"
UPLOAD = "upload/outpatient-treatment-record"  # 4301: no rate category


def sample(infno: str) -> bytes:
    return jsoncodec.dumps(sample_message(REGISTRY[infno].request_nodes))


def limited(gateway: Gateway, response: httpx.Response) -> dict[str, Any]:
    """The body of a 429 + 10004, checking its Retry-After."""
    body: dict[str, Any] = response.json()
    assert response.status_code == 429 and body["error_code"] == 10004, response.text
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    assert body["error"]["retry"] is True and body["error"]["retry_after"] == retry_after
    return body


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path


# ------------------------------------------------------------------------------------------ rate limits


def test_an_institution_over_its_rate_gets_429_10004_with_retry_after(
    database_url: str, data_dir: Path
) -> None:
    overrides = {"rate_limits_enabled": True, "rate_limits": {"per_institution": "3/minute"}}
    with operations_gateway(database_url, data_dir, **overrides) as gateway:
        for _ in range(3):
            gateway.ok("POST", PERSON_INFO, json=person_query())
        body = limited(gateway, gateway.post(PERSON_INFO, json=person_query()))
        assert "本机构每分钟最多 3 次" in body["message"]
        assert body["interface_info"]["infno"] == "1101"
        gateway.ok("POST", PERSON_INFO, json=person_query(), headers=as_pharmacy(gateway))  # its own count


def test_a_rate_category_is_counted_per_institution_apart_from_other_calls(
    database_url: str, data_dir: Path
) -> None:
    overrides = {"rate_limits_enabled": True, "rate_limits": {"data_query": "2/minute"}}
    with operations_gateway(database_url, data_dir, **overrides) as gateway:
        gateway.ok("POST", PERSON_INFO, json=person_query())
        gateway.ok("POST", INSTITUTION_INFO, content=sample(INSTITUTION_INFO_INFNO), headers=JSON)
        body = limited(gateway, gateway.post(PERSON_INFO, json=person_query()))
        assert "data_query" in body["message"]
        assert gateway.post(UPLOAD, content=sample("4301"), headers=JSON).status_code != 429  # no category
        gateway.ok("POST", PERSON_INFO, json=person_query(), headers=as_pharmacy(gateway))


def test_the_global_rate_counts_every_institution(database_url: str, data_dir: Path) -> None:
    overrides = {"rate_limits_enabled": True, "rate_limits": {"global": "3/minute"}}
    with operations_gateway(database_url, data_dir, **overrides) as gateway:
        gateway.ok("POST", PERSON_INFO, json=person_query())
        gateway.ok("POST", PERSON_INFO, json=person_query(), headers=as_pharmacy(gateway))
        gateway.ok("POST", PERSON_INFO, json=person_query())
        body = limited(gateway, gateway.post(PERSON_INFO, json=person_query(), headers=as_pharmacy(gateway)))
        assert "网关每分钟最多 3 次" in body["message"]


def test_counts_in_redis_hold_across_workers(
    database_url: str, data_dir: Path, redis_url: str, redis_namespace: str
) -> None:
    overrides = {
        "rate_limits_enabled": True,
        "rate_limits": {"per_institution": "3/minute"},
        "redis_url": redis_url,
        "redis_key_prefix": redis_namespace,
    }
    with (
        operations_gateway(database_url, data_dir / "a", **overrides) as first,
        operations_gateway(database_url, data_dir / "b", **overrides) as second,
    ):
        first.ok("POST", PERSON_INFO, json=person_query())
        second.ok("POST", PERSON_INFO, json=person_query())
        first.ok("POST", PERSON_INFO, json=person_query())
        limited(second, second.post(PERSON_INFO, json=person_query()))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("rate_limits", {"per_patient": "1/minute"}),
        ("rate_limits", {"global": "lots per minute"}),
        ("concurrency_limits", {"total": 0}),
        ("concurrency_limits", {"drug_query": 5}),
    ],
)
def test_a_bad_limit_configuration_fails_at_startup(tmp_path: Path, field: str, value: Any) -> None:
    settings = gateway_settings(f"sqlite:///{tmp_path / 'g.sqlite3'}", tmp_path, rate_limits_enabled=True)
    with pytest.raises(ValidationError, match=field):
        create_app(settings.model_copy(update={field: value}))


# ------------------------------------------------------------------------------------------ concurrency


@pytest.fixture
def slow_bureau() -> Iterator[list[dict[str, Any]]]:
    """Sandbox faults to add (the test's gateway adds them): 1101 held for 0.8 s (under the 1.5 s timeout)."""
    yield [{"scope": "1101", "kind": "latency", "latency_ms": 800}]


def _check_concurrency(gateway: Gateway, faults: list[dict[str, Any]], slots_in_use: Any) -> None:
    for rule in faults:
        gateway.client.post("/sandbox/admin/faults", json=rule, headers=gateway.headers()).raise_for_status()
    answers: list[httpx.Response] = []
    first = threading.Thread(target=lambda: answers.append(gateway.post(PERSON_INFO, json=person_query())))
    first.start()
    try:
        wait_until(slots_in_use, timeout=10, what="the first call to hold its slot")
        body = limited(gateway, gateway.post(PERSON_INFO, json=person_query()))
        assert "本机构的并发请求数（上限 1）已满" in body["message"]
    finally:
        first.join(timeout=30)
    assert answers and answers[0].status_code == 200, answers
    gateway.client.delete("/sandbox/admin/faults", headers=gateway.headers()).raise_for_status()
    gateway.ok("POST", PERSON_INFO, json=person_query())  # the slot was given back


def test_a_full_institution_slot_answers_429_at_once(
    database_url: str, data_dir: Path, slow_bureau: list[dict[str, Any]]
) -> None:
    with operations_gateway(database_url, data_dir, concurrency_limits={"per_institution": 1}) as gateway:
        slots = gateway.state.extras["concurrency"]
        _check_concurrency(
            gateway, slow_bureau, lambda: slots.in_use.get(f"concurrency:institution:{HOSPITAL}")
        )


def test_concurrency_slots_in_redis(
    database_url: str, data_dir: Path, redis_url: str, redis_namespace: str, slow_bureau: list[dict[str, Any]]
) -> None:
    from redis import Redis

    overrides = {
        "concurrency_limits": {"per_institution": 1},
        "redis_url": redis_url,
        "redis_key_prefix": redis_namespace,
    }
    key = f"{{{redis_namespace}}}:concurrency:institution:{HOSPITAL}"
    redis = Redis.from_url(redis_url)
    try:
        with operations_gateway(database_url, data_dir, **overrides) as gateway:
            _check_concurrency(gateway, slow_bureau, lambda: redis.zcard(key))
            assert redis.zcard(key) == 0
    finally:
        redis.close()


# ------------------------------------------------------------------------------------------ body size


def test_a_body_over_the_limit_is_413_10003_before_it_is_read(database_url: str, data_dir: Path) -> None:
    with operations_gateway(database_url, data_dir, request_body_max_bytes=1024) as gateway:
        big = {**person_query(), "memo": "x" * 2000}
        response = gateway.post(PERSON_INFO, json=big)
        body = response.json()
        assert response.status_code == 413 and body["error_code"] == 10003 and body["success"] is False
        assert "1024" in body["message"] or "MB" in body["message"]
        gateway.ok("POST", PERSON_INFO, json=person_query())  # a small one passes
        broken = gateway.post(PERSON_INFO, content=b'{"mdtrt_cert_type": ', headers=JSON)
        assert broken.status_code == 400 and broken.json()["error_code"] == 10002  # bad JSON: unchanged


def test_an_upload_over_its_limit_is_413_40003(database_url: str, data_dir: Path) -> None:
    with operations_gateway(database_url, data_dir, upload_max_bytes=1024) as gateway:
        response = gateway.post("file/upload", files={"file": ("fees.csv", b"x" * 4096, "text/csv")})
        assert response.status_code == 413 and response.json()["error_code"] == 40003


def _echo_app(limit: int) -> FastAPI:
    app = FastAPI()
    settings = gateway_settings("sqlite://", Path("."), request_body_max_bytes=limit)
    install_error_handlers(app, settings)
    install_body_size(app, settings)

    @app.post("/echo")
    async def echo(request: Request) -> dict[str, int]:
        return {"bytes": len(await request.body())}

    return app


def test_a_chunked_body_is_cut_off_at_the_limit() -> None:
    async def main() -> tuple[httpx.Response, httpx.Response]:
        transport = httpx.ASGITransport(app=_echo_app(1024))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:

            async def chunks(count: int) -> Any:
                for _ in range(count):
                    yield b"x" * 512

            small = await client.post("/echo", content=chunks(2))  # no Content-Length: counted as it comes
            large = await client.post("/echo", content=chunks(3))
            return small, large

    small, large = anyio.run(main)
    assert small.status_code == 200 and small.json() == {"bytes": 1024}
    assert large.status_code == 413 and large.json()["error_code"] == 10003
