"""Audit (spec §4.2, §7.3.2, §8.2.1): every transaction call in interface_call_log, business data in
interface_data, one JSON log line per request — never a full ID number, phone number or name."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from gateway_support import (
    HOSPITAL,
    JSON,
    STRANGER,
    Gateway,
    as_pharmacy,
    operations_gateway,
    person_query,
)
from sqlalchemy import select, text

from medical_insurance_sdk.gateway.audit.logging import ACCESS_LOGGER, JsonLineFormatter
from medical_insurance_sdk.gateway.audit.models import InterfaceCallLog, InterfaceData
from medical_insurance_sdk.gateway.audit.observer import Exchange, exchange_sinks
from medical_insurance_sdk.gateway.settings import GatewaySettings
from medical_insurance_sdk.gateway.tenancy import find_institution
from medical_insurance_sdk.masking import mask_id_card, mask_name, mask_phone
from medical_insurance_sdk.protocol import jsoncodec
from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.sandbox.seed import PERSONS

PERSON_INFO = "basic/person-info"
UPLOAD = "upload/outpatient-treatment-record"  # 4301: its nodes keep fields beyond the table
ID_NUMBER = "430281199203154527"
PHONE, OTHER_PHONE = "13812345678", "15987654321"
SPEC_LINE_KEYS = [
    "timestamp",
    "level",
    "logger",
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
    "message",
]


def personal_upload() -> dict[str, Any]:
    """A 4301 body carrying an ID number, a phone and a name by field, and more of them in free text."""
    return {
        "rgstinfo": {
            "mdtrt_sn": "MZ-AUDIT-0001",
            "psn_no": PERSONS[0].psn_no,
            "vali_flag": "1",
            "certno": ID_NUMBER,
            "tel": PHONE,
            "psn_name": "欧阳锋",
            "memo": f"患者身份证{ID_NUMBER}，家属电话 {OTHER_PHONE}",
        },
        "caseinfo": [{"chfcomp": "发热", "vali_flag": "1"}],
        "diseinfo": [{"diag_code": "R50.900", "diag_name": "发热", "vali_flag": "1"}],
    }


def call_log(gateway: Gateway, request_id: str) -> list[InterfaceCallLog]:
    with gateway.state.database.session() as session:
        return list(
            session.scalars(select(InterfaceCallLog).where(InterfaceCallLog.request_id == request_id))
        )


def business_data(gateway: Gateway, call_log_id: int) -> list[InterfaceData]:
    with gateway.state.database.session() as session:
        return list(session.scalars(select(InterfaceData).where(InterfaceData.call_log_id == call_log_id)))


def stored_text(*rows: InterfaceCallLog | InterfaceData) -> str:
    """Everything the rows keep that could hold personal data, as one text."""
    parts: list[Any] = []
    for row in rows:
        if isinstance(row, InterfaceCallLog):
            parts += [row.request_data, row.response_data, row.error_message]
        else:
            parts += [row.raw_data, row.parsed_data, row.business_key]
    return json.dumps(parts, ensure_ascii=False)


def assert_no_personal_data(text: str, *values: str) -> None:
    for value in values:
        assert value not in text, f"{value} stored unmasked"


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """The JSON lines written to the access logger while the test runs."""
    logger = logging.getLogger(ACCESS_LOGGER)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLineFormatter())
    previous = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


def lines_of(stream: io.StringIO, request_id: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    return [line for line in lines if line.get("request_id") == request_id]


# ------------------------------------------------------------------------------------------ the tables


def test_a_successful_call_is_logged_with_its_business_data(gateway: Gateway) -> None:
    who = PERSONS[0]
    response = gateway.post(PERSON_INFO, json=person_query())
    body = response.json()
    assert response.status_code == 200
    (row,) = call_log(gateway, body["request_id"])
    hospital = find_institution(gateway.state.database, HOSPITAL)
    assert hospital is not None and row.institution_id == hospital.id
    assert (row.interface_type, row.infno, row.category) == ("person_info", "1101", "基础信息服务")
    assert (row.success, row.http_status, row.error_code, row.error_message) == (True, 200, None, None)
    assert row.msgid == body["interface_info"]["msgid"] and row.key_id and row.response_time >= 0
    assert row.request_data == {"data": {**person_query(), "mdtrt_cert_no": mask_id_card(who.certno)}}
    assert row.response_data["success"] is True
    (data,) = business_data(gateway, row.id)
    assert (data.interface_type, data.infno, data.data_type, data.data_status) == (
        "person_info",
        "1101",
        "PersonInfo",
        "active",
    )
    assert data.business_key == who.psn_no and data.institution_id == hospital.id
    baseinfo = data.parsed_data["baseinfo"]
    assert baseinfo["certno"] == mask_id_card(who.certno) and baseinfo["psn_name"] == mask_name(who.psn_name)
    assert data.raw_data["output"]["baseinfo"]["psn_no"] == who.psn_no
    assert_no_personal_data(stored_text(row, data), who.certno, who.psn_name)


def test_id_numbers_phones_and_names_are_masked_in_the_tables(gateway: Gateway) -> None:
    response = gateway.post(UPLOAD, content=jsoncodec.dumps(personal_upload()), headers=JSON)
    (row,) = call_log(gateway, response.json()["request_id"])
    stored = row.request_data["rgstinfo"]
    assert stored["certno"] == mask_id_card(ID_NUMBER) and stored["tel"] == mask_phone(PHONE)
    assert stored["psn_name"] == mask_name("欧阳锋")
    assert mask_id_card(ID_NUMBER) in stored["memo"] and mask_phone(OTHER_PHONE) in stored["memo"]
    rows = [row, *business_data(gateway, row.id)]
    assert_no_personal_data(stored_text(*rows), ID_NUMBER, PHONE, OTHER_PHONE, "欧阳锋")


def test_a_failed_call_is_logged_with_its_error_and_no_business_data(gateway: Gateway) -> None:
    response = gateway.post(PERSON_INFO, json=STRANGER)
    body = response.json()
    assert response.status_code == 404 and body["error_code"] == 50001  # the bureau refused: -2
    (row,) = call_log(gateway, body["request_id"])
    assert (row.success, row.http_status, row.error_code) == (False, 404, "50001")
    assert row.error_message and row.msgid == body["interface_info"]["msgid"]
    assert business_data(gateway, row.id) == []
    assert_no_personal_data(stored_text(row), STRANGER["mdtrt_cert_no"])


def test_a_refused_caller_is_logged_but_an_unknown_one_is_not(gateway: Gateway) -> None:
    refused = gateway.post("business/outpatient/register", "data_analyst", json={"psn_no": "1"})
    assert refused.status_code == 403
    (row,) = call_log(gateway, refused.json()["request_id"])
    assert (row.success, row.http_status, row.error_code, row.request_data) == (False, 403, "10009", None)

    stranger = gateway.client.post(
        "/api/v1/medical-insurance/" + PERSON_INFO,
        json=person_query(),
        headers={"X-API-Key": "mik_0000000000000000_" + "x" * 30, "X-Institution-Code": HOSPITAL},
    )
    assert stranger.status_code == 401 and call_log(gateway, stranger.json()["request_id"]) == []


def test_each_institution_is_logged_under_its_own_id(gateway: Gateway) -> None:
    mine = gateway.post(PERSON_INFO, json=person_query()).json()
    theirs = gateway.post(PERSON_INFO, json=person_query(), headers=as_pharmacy(gateway)).json()
    (my_row,) = call_log(gateway, mine["request_id"])
    (their_row,) = call_log(gateway, theirs["request_id"])
    assert my_row.institution_id != their_row.institution_id
    assert their_row.msgid and their_row.msgid.startswith("P43028110002")


# ------------------------------------------------------------------------------------------ log lines


def test_one_json_line_per_request_in_the_spec_shape_and_masked(
    gateway: Gateway, log_lines: io.StringIO
) -> None:
    response = gateway.post(UPLOAD, content=jsoncodec.dumps(personal_upload()), headers=JSON)
    request_id = response.json()["request_id"]
    (line,) = lines_of(log_lines, request_id)
    assert list(line)[: len(SPEC_LINE_KEYS)] == SPEC_LINE_KEYS
    assert (line["logger"], line["infno"], line["interface_type"], line["method"]) == (
        "medical_insurance_api",
        "4301",
        REGISTRY["4301"].interface_type,
        "POST",
    )
    assert (
        line["path"] == "/api/v1/medical-insurance/" + UPLOAD and line["status_code"] == response.status_code
    )
    assert isinstance(line["response_time"], float) and line["timestamp"].endswith("Z")
    assert isinstance(line["institution_id"], int) and line["message"].startswith("【4301】")

    query = {"psn_no": PERSONS[0].psn_no, "certno": ID_NUMBER, "tel": PHONE}
    answered = gateway.get("query/visit-info", params=query)
    (get_line,) = lines_of(log_lines, answered.json()["request_id"])
    assert get_line["extra"]["query_params"]["certno"] == mask_id_card(ID_NUMBER)
    assert_no_personal_data(log_lines.getvalue(), ID_NUMBER, PHONE, OTHER_PHONE, "欧阳锋")


# ------------------------------------------------------------------------------------------ failures


def test_an_audit_failure_never_changes_the_answer(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    seen: list[str] = []

    def install_probes(app: FastAPI, settings: GatewaySettings) -> None:
        async def broken(exchange: Exchange) -> None:
            raise RuntimeError("the audit is down")

        async def after(exchange: Exchange) -> None:
            seen.append(exchange.request_id)

        exchange_sinks(app).insert(0, broken)  # before every other sink: they must still run
        exchange_sinks(app).append(after)

    url = f"sqlite:///{tmp_path / 'audit.sqlite3'}"
    with operations_gateway(url, tmp_path, create={"installers": [install_probes]}) as gateway:
        with gateway.state.database.session() as session:  # the recorder's tables are gone as well
            session.execute(text("DROP TABLE interface_data"))
            session.execute(text("DROP TABLE interface_call_log"))
        with caplog.at_level(logging.ERROR):
            body = gateway.ok("POST", PERSON_INFO, json=person_query())
    assert seen == [body["request_id"]]
    failures = [r.getMessage() for r in caplog.records if "audit sink" in r.getMessage()]
    assert any("broken" in m for m in failures)
    # the call log is written in batches after the answer: its writer reports the failed batch
    assert any("审计日志写入失败" in r.getMessage() for r in caplog.records)
