"""API4:2023 Unrestricted resource consumption: bad input is a 4xx in the spec's format, never a 500, and
never costs another caller's data (issue 14 §4).

Probes: JSON nested 10,000 deep (RecursionError), pages of 10^20 (OverflowError), dates at the ends of
the calendar, a multipart part without Content-Disposition, lone UTF-16 surrogates (which used to make the
batched audit writer drop every institution's rows of its batch), control characters in the headers that
reach the bureau envelope.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from gateway_support import (
    HOSPITAL,
    JSON,
    PHARMACY,
    Gateway,
    gateway_settings,
    person_query,
    start_gateway,
)

from medical_insurance_sdk.gateway.keys import create_key
from medical_insurance_sdk.gateway.state import GatewayState
from medical_insurance_sdk.gateway.tenancy import NewInstitution, add_institution, find_institution
from medical_insurance_sdk.protocol import jsoncodec
from medical_insurance_sdk.registry import API_PREFIX

DEEP = b'{"data": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"
HUGE_PAGE = 10**20
# the bodies' string values as sent on the wire: JSON escapes, not Python text
LONE_SURROGATE = b'"\\ud800"'


def refused(response: httpx.Response, status: int = 400, codes: tuple[int, ...] = (10002,)) -> dict[str, Any]:
    """The spec's error format (§1.3) with one of `codes` and HTTP `status`."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["success"] is False and body["error_code"] in codes and body["error"]["code"] in codes
    assert body["message"] and body["request_id"]
    return body


def raw_json(gateway: Gateway, path: str, content: bytes, **kw: Any) -> httpx.Response:
    return gateway.post(path, content=content, headers={**JSON, **kw.pop("headers", {})}, **kw)


# ------------------------------------------------------------------------------------------- nesting


@pytest.mark.parametrize(
    "path",
    [
        "basic/person-info",  # 1101
        "business/outpatient/settle",  # 2207
        "batch/data-upload",
        "async/create-task",
        "file/parse",
        "query/universal",  # FastAPI's own body parsing
    ],
)
def test_json_nested_ten_thousand_deep_is_400_10002(gateway: Gateway, path: str) -> None:
    body = refused(raw_json(gateway, path, DEEP))
    assert "64" in body["message"]


def test_brackets_inside_strings_are_no_nesting(gateway: Gateway) -> None:
    query = {**person_query(), "psn_name": "[" * 200 + "{" * 200}
    response = raw_json(gateway, "basic/person-info", jsoncodec.dumps(query))
    assert response.status_code != 500
    assert response.json().get("error_code") != 10002, response.text


# ----------------------------------------------------------------------------------- numbers and dates


def test_a_page_of_ten_to_the_twenty_is_refused(gateway: Gateway) -> None:
    universal = {"query_type": "call_log", "pagination": {"page": HUGE_PAGE, "page_size": 20}}
    refused(gateway.post("query/universal", json=universal), 422, (30003,))
    refused(gateway.get("monitoring/error-logs", params={"page": HUGE_PAGE}), 422, (30003,))
    refused(gateway.get("batch/status/B20250101000000ABCDEF", params={"page": HUGE_PAGE}), 422, (30003,))
    parse = {"file_id": "F00000000000000NOPE", "page": HUGE_PAGE}
    refused(gateway.post("file/parse", json=parse), 422, (30003,))


@pytest.mark.parametrize(
    "dates",
    [
        {"start": "0001-01-01", "end": "9999-12-31"},
        {"start": "0001-01-01T00:00:00", "end": "9999-12-31T23:59:59"},
        {"start": "9999-12-31", "end": "0001-01-01"},
    ],
)
def test_dates_at_the_ends_of_the_calendar_are_no_error(gateway: Gateway, dates: dict[str, str]) -> None:
    gateway.ok("POST", "basic/person-info", json=person_query())
    universal = {"query_type": "call_log", "filters": {"date_range": dates}}
    data = gateway.ok("POST", "query/universal", json=universal)
    if dates["start"] < dates["end"]:
        assert data["pagination"]["total"] >= 1  # the whole calendar holds the call just made


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("monitoring/error-logs", {"since": "0001-01-01T00:00:00", "until": "9999-12-31T23:59:59"}),
        ("monitoring/error-logs", {"since": "0001-01-01T00:00:00+14:00"}),
        ("statistics/interface-calls", {"start_date": "9999-12-30", "end_date": "9999-12-31"}),
        ("statistics/system-usage", {"start_date": "9999-12-30", "end_date": "9999-12-31"}),
        ("statistics/system-usage", {"start_date": "0001-01-01", "end_date": "0001-01-05"}),
    ],
)
def test_times_at_the_ends_of_the_calendar_are_no_error(
    gateway: Gateway, path: str, params: dict[str, str]
) -> None:
    gateway.ok("GET", path, params=params)


@pytest.mark.parametrize(
    "part_headers",
    [
        "Content-Type: text/csv\r\n",  # no Content-Disposition
        "Content-Disposition\r\n",  # a header without its colon and value
    ],
)
def test_a_multipart_part_without_content_disposition_is_400_10002(
    gateway: Gateway, part_headers: str
) -> None:
    boundary = "yibao-probe"
    content = f"--{boundary}\r\n{part_headers}\r\na,b\r\n1,2\r\n--{boundary}--\r\n".encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    refused(gateway.post("file/upload", content=content, headers=headers))


# ------------------------------------------------------------------------------------ lone surrogates


@pytest.mark.parametrize(
    ("path", "content"),
    [
        ("basic/person-info", b'{"mdtrt_cert_type": "02", "mdtrt_cert_no": ' + LONE_SURROGATE + b"}"),
        ("basic/person-info", b'{"data": {"psn_name": "\\udc00abc", "mdtrt_cert_type": "02"}}'),
        ("basic/person-info", b'{"\\ud800": "02"}'),  # a key
        (
            "batch/data-upload",
            b'{"batch_id": "S-1", "operations": [{"interface_type": "person_info", "data": {"certno": '
            + LONE_SURROGATE
            + b"}}]}",
        ),
        ("query/universal", b'{"query_type": "call_log", "filters": {"msgid": ' + LONE_SURROGATE + b"}}"),
    ],
)
def test_a_lone_surrogate_is_400_10002(gateway: Gateway, path: str, content: bytes) -> None:
    refused(raw_json(gateway, path, content))


def test_paired_surrogates_and_escaped_backslashes_are_text(gateway: Gateway) -> None:
    for name in ("\\ud83d\\ude00", "\\\\ud800"):  # an emoji; a backslash followed by 'ud800'
        query = jsoncodec.dumps(person_query())[:-1] + b', "psn_name": "' + name.encode() + b'"}'
        response = raw_json(gateway, "basic/person-info", query)
        assert response.status_code != 500 and response.json().get("error_code") != 10002, response.text


@pytest.fixture
def batched(database_url: str, tmp_path: Path) -> Iterator[tuple[httpx.Client, dict[str, dict[str, str]]]]:
    """A gateway whose audit writer gathers a few seconds of calls into one batch (the client does not
    wait for the audit rows), with an admin key of the demo hospital and of the demo pharmacy."""
    settings = gateway_settings(database_url, tmp_path, audit_flush_interval_s=5.0)
    with start_gateway(settings, flush_audit=False) as (app, client):
        state: GatewayState = app.state.gateway
        if find_institution(state.database, PHARMACY) is None:
            add_institution(
                state.database, NewInstitution(code=PHARMACY, name="湘潭演示大药房有限公司", admdvs="430200")
            )
        headers = {
            code: {"X-API-Key": create_key(state.database, code, "admin").key, "X-Institution-Code": code}
            for code in (HOSPITAL, PHARMACY)
        }
        yield client, headers


@pytest.mark.parametrize(
    ("bad_value", "edge"),
    [
        # refused at the edge now (no call-log row of its own); it used to make the writer drop the batch
        (LONE_SURROGATE, True),
        # passes the edge; PostgreSQL's jsonb refuses the NUL: that row alone loses its payloads
        (b'"\\u0000 NUL"', False),
    ],
)
def test_a_bad_row_never_costs_other_institutions_their_call_log(
    batched: tuple[httpx.Client, dict[str, dict[str, str]]], bad_value: bytes, edge: bool
) -> None:
    client, headers = batched
    url = API_PREFIX + "basic/person-info"
    sent: dict[str, list[str]] = {HOSPITAL: [], PHARMACY: []}

    def good_call(code: str, request_id: str) -> None:
        answer = client.post(url, json=person_query(), headers={**headers[code], "X-Request-ID": request_id})
        assert answer.status_code == 200, answer.text
        sent[code].append(request_id)

    for trial in range(3):  # three batches: the writer gathers 5 s of calls, each query below flushes
        good_call(HOSPITAL, f"probe-{HOSPITAL}-{trial}-a")
        good_call(PHARMACY, f"probe-{PHARMACY}-{trial}-a")
        bad = b'{"mdtrt_cert_type": "02", "mdtrt_cert_no": ' + bad_value + b', "psn_cert_type": "01"}'
        bad_id = f"probe-bad-{trial}"
        answer = client.post(url, content=bad, headers={**headers[HOSPITAL], **JSON, "X-Request-ID": bad_id})
        assert answer.status_code < 500, answer.text
        if not edge:
            sent[HOSPITAL].append(bad_id)  # the bad call is in the log too, if without its payloads
        good_call(PHARMACY, f"probe-{PHARMACY}-{trial}-b")
        good_call(HOSPITAL, f"probe-{HOSPITAL}-{trial}-b")
        for code in (HOSPITAL, PHARMACY):
            # query/universal flushes the audit first: every call made so far is written (or never will be)
            universal = {"query_type": "call_log", "pagination": {"page": 1, "page_size": 100}}
            answer = client.post(API_PREFIX + "query/universal", json=universal, headers=headers[code])
            assert answer.status_code == 200, answer.text
            logged = {row["request_id"] for row in answer.json()["data"]}
            assert set(sent[code]) <= logged, f"{code}: missing {set(sent[code]) - logged}"


# ----------------------------------------------------------------------------------- envelope headers


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("X-Operator-Name", "%E5%BC%A0%E4%B8%89%0D%0AX-Injected: 1"),  # percent-encoded CR/LF
        ("X-Operator-Name", "zhang\tsan"),
        ("X-Operator", "OP001%00"),
        ("X-Insuplc-Admdvs", "430200%0A"),
    ],
)
def test_control_characters_in_envelope_headers_are_400_10002(
    gateway: Gateway, name: str, value: str
) -> None:
    refused(gateway.post("basic/person-info", json=person_query(), headers={name: value}))


def test_control_characters_in_envelope_fields_of_the_body_are_400_10002(gateway: Gateway) -> None:
    refused(gateway.post("basic/person-info", json={**person_query(), "operator_name": "张三\r\n李四"}))


def test_a_percent_encoded_chinese_operator_name_still_passes(gateway: Gateway) -> None:
    headers = {"X-Operator-Name": "%E5%BC%A0%E4%B8%89", "X-Operator": "OP001"}
    gateway.ok("POST", "basic/person-info", json=person_query(), headers=headers)
