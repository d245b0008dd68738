"""13xx downloads give a real zip in the layout's columns, version-aware; 1312 pages the seed catalogue."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from bureau_harness import Bureau, assert_failure, assert_success, open_bureau

from medical_insurance_sdk.protocol.catalog_file import BadRow, iter_rows
from medical_insurance_sdk.protocol.catalog_layouts import LAYOUTS
from medical_insurance_sdk.protocol.profiles import load_profile
from medical_insurance_sdk.sandbox import catalogs
from medical_insurance_sdk.sandbox.seed import CATALOG, DEMO_HOSPITAL

ROWS = 250


@pytest.fixture(scope="module")
def bureau(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bureau]:
    with open_bureau(tmp_path_factory.mktemp("catalog"), catalog_rows=ROWS) as opened:
        opened.sign_in()
        yield opened


def _download(bureau: Bureau, infno: str, ver: str) -> tuple[dict, bytes]:
    output = assert_success(bureau.call(infno, {"data": {"ver": ver}}))
    # As the working client does: "plc" in fixmedins_code, the real filename (reference §7 item 2).
    fetch = load_profile("national").download_input(
        infno, file_qury_no=output["file_qury_no"], filename=output["filename"], fixmedins_code=DEMO_HOSPITAL
    )
    response = bureau.post(bureau.envelope("9102", {"fsDownloadIn": fetch}))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"
    return output, response.content


def _lines(content: bytes) -> tuple[str, list[str]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        (member,) = archive.namelist()
        return member, archive.read(member).decode("utf-8").splitlines()


@pytest.mark.parametrize("infno", catalogs.kinds())
def test_catalogue_file_has_the_layout_columns(bureau: Bureau, infno: str) -> None:
    output, content = _download(bureau, infno, "0")
    layout = LAYOUTS[catalogs.LAYOUT_OF.get(infno, infno)]
    member, lines = _lines(content)
    assert member == output["filename"].removesuffix(".zip") + ".txt"
    assert output["data_cnt"] == len(lines) == ROWS
    assert {len(line.split("\t")) for line in lines} == {layout.width}
    rows = list(iter_rows(content, layout))
    assert not [row for row in rows if isinstance(row, BadRow)]
    codes = [row.code for row in rows if not isinstance(row, BadRow)]
    assert len(set(codes)) == ROWS  # the upsert key is unique


def test_drug_catalogue_starts_with_the_seed_items(bureau: Bureau) -> None:
    _, content = _download(bureau, "1301", "0")
    rows = [row for row in iter_rows(content, LAYOUTS["1301"]) if not isinstance(row, BadRow)]
    assert rows[0].code in CATALOG
    assert rows[0]["drug_genname"] == CATALOG[rows[0].code].name
    assert rows[0]["vali_flag"] == "1" and rows[0].ver_name == "1301_000001"


def test_ver_returns_only_newer_rows(bureau: Bureau) -> None:
    _, content = _download(bureau, "1305", "0")
    rows = [row for row in iter_rows(content, LAYOUTS["1305"]) if not isinstance(row, BadRow)]
    first_version = rows[0].ver_name
    assert first_version is not None
    newer, content = _download(bureau, "1305", first_version)  # the client feeds back 版本名称
    assert newer["data_cnt"] == ROWS - catalogs.VERSION_ROWS
    newer_rows = [row for row in iter_rows(content, LAYOUTS["1305"]) if not isinstance(row, BadRow)]
    assert all((row.ver_name or "") > first_version for row in newer_rows)
    last = newer_rows[-1].ver_name or ""
    nothing, content = _download(bureau, "1305", last)
    assert nothing["data_cnt"] == 0 and _lines(content)[1] == []


def test_catalogue_file_needs_plc(bureau: Bureau) -> None:
    output = assert_success(bureau.call("1302", {"data": {"ver": "0"}}))
    fetch = {
        "file_qury_no": output["file_qury_no"],
        "filename": output["filename"],
        "fixmedins_code": DEMO_HOSPITAL,
    }
    assert_failure(bureau.call("9102", {"fsDownloadIn": fetch}), "plc")
    fetch = {**fetch, "filename": "plc"}  # the spec table's variant is accepted too
    assert bureau.post(bureau.envelope("9102", {"fsDownloadIn": fetch})).content[:2] == b"PK"


def test_big_catalogue_is_written_once_and_streamed(tmp_path: Path) -> None:
    with open_bureau(tmp_path, catalog_rows=20_000) as bureau:
        bureau.sign_in()
        first, content = _download(bureau, "1307", "0")
        assert first["data_cnt"] == 20_000 and len(_lines(content)[1]) == 20_000
        again = assert_success(bureau.call("1307", {"data": {"ver": "0"}}))
        assert again["file_qury_no"] != first["file_qury_no"] and again["filename"] == first["filename"]
        assert len(list((tmp_path / "files").rglob("plc_1307_*.zip"))) == 1


def test_1312_pages_the_seed_catalogue(bureau: Bureau) -> None:
    query = {"updt_time": "2000-01-01 00:00:00", "page_num": 1, "page_size": 10}
    first = assert_success(bureau.call("1312", {"data": query}))
    assert first["recordCounts"] == len(CATALOG)
    assert first["pages"] == (len(CATALOG) + 9) // 10
    assert first["size"] == len(first["data"]) == 10 and first["startRow"] == 1 and first["endRow"] == 10
    last = assert_success(bureau.call("1312", {"data": {**query, "page_num": first["pages"]}}))
    assert last["size"] == len(CATALOG) - 10 * (first["pages"] - 1)
    herbs = assert_success(bureau.call("1312", {"data": {**query, "list_type": "103"}}))
    assert herbs["recordCounts"] == sum(1 for item in CATALOG.values() if item.list_type == "103")
    by_name = assert_success(bureau.call("1312", {"data": {**query, "hilist_name": "阿莫西林"}}))
    assert [row["hilist_name"] for row in by_name["data"]] == ["阿莫西林胶囊"]
