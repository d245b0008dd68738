"""OpenAPI (/docs, /openapi.json, docs/openapi.yaml): every route titled 【infno】name, tagged by category,
with its request and answer schemas from the registry, its security and its error answers."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from gateway_support import Gateway

from medical_insurance_sdk.registry import API_PREFIX, REGISTRY, Category

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def spec(gateway: Gateway) -> dict[str, Any]:
    document: dict[str, Any] = gateway.client.get("/openapi.json").json()
    return document


def operation(spec: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    op: dict[str, Any] = spec["paths"][API_PREFIX + path][method.lower()]
    return op


def test_every_transaction_is_titled_tagged_and_typed(spec: dict[str, Any]) -> None:
    for tx in REGISTRY.transactions:
        for route in tx.routes:
            op = operation(spec, route.method, route.path)
            assert op["summary"] == f"【{tx.infno}】{tx.name}" and op["tags"] == [tx.category.value]
            assert op["x-infno"] == tx.infno
            answer = op["responses"]["200"]["content"]["application/json"]["schema"]
            assert answer["allOf"][0] == {"$ref": "#/components/schemas/CommonResponse"}
            assert "data" in answer["allOf"][1]["properties"]
            assert {"401", "403", "404", "409", "413", "422", "429", "502", "504"} <= set(op["responses"])
    assert [tag["name"] for tag in spec["tags"]] == [category.value for category in Category]


def test_schemas_come_from_the_registry_tables(spec: dict[str, Any]) -> None:
    person = operation(spec, "POST", "basic/person-info")
    data = person["responses"]["200"]["content"]["application/json"]["schema"]["allOf"][1]["properties"][
        "data"
    ]
    baseinfo = data["properties"]["baseinfo"]["properties"]
    assert (
        baseinfo["psn_name"]["description"].startswith("人员姓名")
        and baseinfo["psn_name"]["type"] == ["string", "null"]  # answers are read tolerantly: "" → null
    )
    settle = operation(spec, "POST", "business/outpatient/settle")
    setlinfo = settle["responses"]["200"]["content"]["application/json"]["schema"]["allOf"][1]["properties"]
    assert setlinfo["data"]["properties"]["setlinfo"]["properties"]["medfee_sumamt"]["type"] == [
        "number",
        "null",
    ]
    body = settle["requestBody"]["content"]["application/json"]["schema"]
    assert "mdtrt_id" in str(body)  # the request body schema of the core, from the registry's request table


def answer_data(spec: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    op = operation(spec, method, path)
    data: dict[str, Any] = op["responses"]["200"]["content"]["application/json"]["schema"]["allOf"][1][
        "properties"
    ]["data"]
    return data


@pytest.mark.parametrize("infno", ["1304", "1312", "1316", "1317", "1318", "1319"])
def test_paged_queries_declare_their_rows_as_data(spec: dict[str, Any], infno: str) -> None:
    # §1.4: the rows are `data`, the bureau's PageHelper fields become `pagination`
    route = REGISTRY[infno].route
    data = answer_data(spec, route.method, route.path)
    assert data["type"] == "array" and data["items"]["type"] == "object"
    assert "recordCounts" not in str(data)


def test_a_node_the_bureau_may_answer_as_null_is_declared_nullable(spec: dict[str, Any]) -> None:
    # 5203 finds nothing: setlinfo null, setldetail []
    data = answer_data(spec, "GET", "query/settlement-info")
    assert data["properties"]["setlinfo"]["type"] == ["object", "null"]
    assert data["properties"]["setldetail"]["type"] == ["array", "null"]


def test_bureau_refusals_and_failures_are_declared_apart(spec: dict[str, Any]) -> None:
    responses = spec["components"]["responses"]
    assert "50008" in responses["BureauRefusal"]["description"]
    assert "50001" in responses["NotFound"]["description"]
    assert (
        "20006" in responses["BureauError"]["description"] and "-1" in responses["BureauError"]["description"]
    )
    settle = operation(spec, "POST", "business/outpatient/settle")
    assert settle["responses"]["409"] == {"$ref": "#/components/responses/BureauRefusal"}


def test_protected_operations_declare_their_security(spec: dict[str, Any]) -> None:
    schemes = spec["components"]["securitySchemes"]
    assert schemes["ApiKeyAuth"] == {"type": "apiKey", "in": "header", "name": "X-API-Key"}
    assert schemes["BearerAuth"]["scheme"] == "bearer"
    person = operation(spec, "POST", "basic/person-info")
    assert person["security"] == [{"ApiKeyAuth": []}, {"BearerAuth": []}]
    header = next(p for p in person["parameters"] if p["name"] == "X-Institution-Code")
    assert header["in"] == "header" and header["required"] is True
    assert "security" not in operation(spec, "GET", "health/check")
    universal = operation(spec, "POST", "query/universal")
    assert universal["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "UniversalQueryRequest"
    )
    assert spec["components"]["responses"]["TooMany"]["headers"]["Retry-After"]["schema"]["type"] == "integer"


def test_the_docs_pages_work_without_internet(gateway: Gateway) -> None:
    """/docs and /redoc load Swagger UI and ReDoc from the package (issue 21): no external host in the
    HTML, and every asset it names is served here."""
    for path, asset in (("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")):
        page = gateway.client.get(path)
        assert page.status_code == 200 and "openapi.json" in page.text
        assert not re.search(r"(src|href)=[\"']?(https?:)?//", page.text), page.text
        for url in re.findall(r"(?:src|href)=[\"']([^\"']+)", page.text):
            served = gateway.client.get(url)
            assert served.status_code == 200 and len(served.content) > 0, url
        assert asset in page.text
    sandbox_page = gateway.client.get("/sandbox/", headers=gateway.headers("admin"))
    assert sandbox_page.status_code == 200
    assert 'href="/docs"' in sandbox_page.text and "/sandbox/docs" not in sandbox_page.text
    root = gateway.client.get("/", follow_redirects=False)
    assert root.status_code in (302, 307) and root.headers["location"] == "/docs"


def test_docs_openapi_yaml_is_the_apps_document() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from codegen.openapi import openapi_document, render_openapi
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    exported = (ROOT / "docs" / "openapi.yaml").read_text(encoding="utf-8")
    assert exported == render_openapi(), "docs/openapi.yaml is stale: run scripts/generate.py"
    assert yaml.safe_load(exported) == openapi_document()
    paths = yaml.safe_load(exported)["paths"]
    assert all(route.full_path in paths for tx in REGISTRY.transactions for route in tx.routes)
