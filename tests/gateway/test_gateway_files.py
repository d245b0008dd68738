"""Files (spec §3.4): upload (streamed, typed, limited, checksummed), parse (catalogue, 3202, HIS fee lists
with numbered row errors), download (checked), the 4000x codes, permissions and isolation."""

from __future__ import annotations

import io
import zipfile
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import anyio
import pytest
from gateway_support import (
    DOCTOR,
    HOSPITAL,
    JSON,
    Gateway,
    as_pharmacy,
    gateway_settings,
    register_visit,
    sdk_for,
    start_gateway,
)
from openpyxl import Workbook

from medical_insurance_sdk.exceptions import FileError
from medical_insurance_sdk.gateway.keys import create_key
from medical_insurance_sdk.gateway.services import files
from medical_insurance_sdk.protocol import jsoncodec
from medical_insurance_sdk.protocol.catalog_file import write_catalog
from medical_insurance_sdk.protocol.catalog_layouts import LAYOUTS
from medical_insurance_sdk.sandbox.seed import PERSONS

CSV_HEADER = "费用明细流水号,就诊ID,人员编号,收费批次号,外购处方标志,费用发生时间,医疗目录编码,医药机构目录编码,明细项目费用总额,数量,单价(元),开单科室编码,开单科室名称,开单医生编码,开单医师姓名,医院审批标志,备注"  # noqa: E501


def fee_line(serial: str, mdtrt_id: str, psn_no: str, **changes: str) -> str:
    values = {
        "serial": serial,
        "mdtrt_id": mdtrt_id,
        "psn_no": psn_no,
        "batch": "B001",
        "rx": "0",
        "time": "2025/7/14 9:45",  # a HIS spelling: read as 2025-07-14 09:45:00
        "code": "XJ01CAA040A001010100001",
        "own": "HXJ01CAA040",
        "total": "25.00",
        "cnt": "2",
        "pric": "12.50",
        "dept": DOCTOR["dept_code"],
        "dept_name": DOCTOR["dept_name"],
        "doctor": DOCTOR["atddr_no"],
        "doctor_name": DOCTOR["dr_name"],
        "appr": "1",
        "note": "",
        **changes,
    }
    return ",".join(values.values())


def upload(gateway: Gateway, name: str, content: bytes, role: str = "admin", **kw: Any) -> dict[str, Any]:
    response = gateway.post("file/upload", role, files={"file": (name, content)}, **kw)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def parse(gateway: Gateway, body: dict[str, Any], role: str = "admin", **kw: Any) -> dict[str, Any]:
    response = gateway.post("file/parse", role, json=body, **kw)
    assert response.status_code == 200, response.text
    parsed: dict[str, Any] = response.json()
    return parsed


def failure(response: Any, status: int, code: int) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert response.status_code == status and body["error_code"] == code, response.text
    return body


def catalog_zip(kind: str, rows: list[Any]) -> bytes:
    buffer = io.BytesIO()
    write_catalog(buffer, LAYOUTS[kind], rows, member_name=f"{kind}.txt")
    return buffer.getvalue()


def zipped_lines(lines: list[str]) -> bytes:
    """A bureau-style zip of raw lines (bad ones included: the writer would refuse them)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("plc_1314.txt", "\n".join(lines) + "\n")
    return buffer.getvalue()


# ----------------------------------------------------------------------------------------------- fee lists


def test_a_fee_list_with_bad_rows_names_each_bad_row(gateway: Gateway) -> None:
    lines = [
        CSV_HEADER,
        fee_line("FD1", "M1", "P1"),
        fee_line("FD2", "M1", "P1", cnt="两"),  # row 3: not a number
        "",  # a blank line is skipped, numbering goes on
        fee_line("FD4", "M1", "P1", code=""),  # row 5: required field empty
        fee_line("FD5", "M1", "P1", rx="9", time="yesterday"),  # row 6: dictionary and date
        fee_line("FD6", "M1", "P1", total="1.005"),  # row 7: three decimals in N16,2
    ]
    stored = upload(gateway, "fees.csv", "\n".join(lines).encode("utf-8"))
    parsed = parse(gateway, {"file_id": stored["file_id"]})
    data = parsed["data"]
    assert data["kind"] == "fee_list" and data["infno"] == "2204" and data["unmapped_columns"] == ["备注"]
    assert (data["total_rows"], data["valid_rows"], data["error_count"]) == (5, 1, 4)
    errors = {(e["row"], e["field"]): e for e in data["errors"]}
    assert errors[(3, "cnt")]["code"] == 30003 and errors[(3, "cnt")]["value"] == "两"
    assert (
        errors[(5, "med_list_codg")]["code"] == 30002
        and errors[(5, "med_list_codg")]["label"] == "医疗目录编码"
    )
    assert errors[(6, "rx_circ_flag")]["code"] == 30003 and errors[(6, "fee_ocur_time")]["code"] == 30003
    assert errors[(7, "det_item_fee_sumamt")]["code"] in (30003, 30004)
    assert all(e["message"].startswith(f"{e['code']} - ") for e in data["errors"])
    (row,) = data["rows"]
    assert row["row"] == 2 and row["feedetl_sn"] == "FD1" and row["fee_ocur_time"] == "2025-07-14 09:45:00"
    text = parsed_text(gateway, stored["file_id"])
    assert '"pric":12.50,' in text and '"det_item_fee_sumamt":25.00,' in text  # exact, as written
    assert parsed["pagination"]["total"] == 1


def parsed_text(gateway: Gateway, file_id: str) -> str:
    return gateway.post("file/parse", json={"file_id": file_id}).text


def test_a_parsed_fee_list_is_what_2204_takes(gateway: Gateway) -> None:
    who = PERSONS[10]
    mdtrt_id = register_visit(gateway, who)
    lines = [
        "feedetl_sn\t医疗目录编码\tmedins_list_codg\tdet_item_fee_sumamt\tcnt\tpric\tfee_ocur_time\t外购处方标志"
        "\t开单科室编码\t开单科室名称\t开单医生编码\t开单医师姓名\t医院审批标志",
        f"FD{mdtrt_id[-8:]}1\tXJ01CAA040A001010100001\tH1\t25.00\t2\t12.50\t2025-07-14 09:45:00\t0"
        f"\tNK01\t普通内科\t{DOCTOR['atddr_no']}\t李医生\t1",
        f"FD{mdtrt_id[-8:]}2\tXJ01CAA040A001010100001\tH1\t12.50\t1\t12.50\t2025-07-14 09:46:00\t0"
        f"\tNK01\t普通内科\t{DOCTOR['atddr_no']}\t李医生\t1",
    ]
    stored = upload(gateway, "his-export.tsv", "\n".join(lines).encode("gbk"))  # a Windows HIS: GBK
    defaults = {"mdtrt_id": mdtrt_id, "psn_no": who.psn_no, "chrg_bchno": "B001"}
    data = parse(gateway, {"file_id": stored["file_id"], "kind": "fee_list", "defaults": defaults})["data"]
    assert data["error_count"] == 0 and data["valid_rows"] == 2
    assert Decimal(str(data["total_amount"])) == Decimal("37.50")
    rows = [{k: v for k, v in row.items() if k != "row"} for row in data["rows"]]
    answer = gateway.ok(
        "POST", "business/outpatient/expense-upload", content=jsoncodec.dumps(rows), headers=JSON
    )
    assert [r["feedetl_sn"] for r in answer["data"]["result"]] == [r["feedetl_sn"] for r in rows]


def test_an_xlsx_fee_list_is_read_with_its_cell_types(gateway: Gateway) -> None:
    from datetime import datetime

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(CSV_HEADER.split(","))
    sheet.append(
        [
            *("FD1", "M1", "P1", "B001", "0", datetime(2025, 7, 14, 9, 45), 1001, "H1", 25.0, 2, 12.5),
            *("NK01", "普通内科", "D1", "李医生", "1", None),
        ]
    )
    sheet.append(["FD2", "M1", "P1", "B001", "0", "2025-07-14 09:45:00", "X", "H1", "abc", 1, 1])
    buffer = io.BytesIO()
    book.save(buffer)
    stored = upload(gateway, "fees.xlsx", buffer.getvalue())
    data = parse(gateway, {"file_id": stored["file_id"]})["data"]
    (row,) = data["rows"]
    assert row["med_list_codg"] == "1001" and row["fee_ocur_time"] == "2025-07-14 09:45:00"  # no "1001.0"
    assert str(row["pric"]) == "12.5" and row["cnt"] == Decimal("2")  # 12.5 exactly, no float noise
    assert [(e["row"], e["field"]) for e in data["errors"]][:1] == [(3, "det_item_fee_sumamt")]


def test_a_fee_list_without_a_required_column_says_which(gateway: Gateway) -> None:
    stored = upload(gateway, "short.csv", "feedetl_sn,数量\nFD1,2\n".encode())
    body = failure(gateway.post("file/parse", json={"file_id": stored["file_id"]}), 422, 40005)
    assert "医疗目录编码(med_list_codg)" in body["message"]
    assert "med_list_codg" in body["error"]["missing_columns"]


def test_fee_list_rows_are_paged(gateway: Gateway) -> None:
    lines = [CSV_HEADER] + [fee_line(f"FD{i}", "M1", "P1") for i in range(25)]
    stored = upload(gateway, "many.csv", "\n".join(lines).encode())
    parsed = parse(gateway, {"file_id": stored["file_id"], "page": 3, "page_size": 10})
    assert [r["feedetl_sn"] for r in parsed["data"]["rows"]] == [f"FD{i}" for i in range(20, 25)]
    assert parsed["pagination"] == {
        "total": 25,
        "page": 3,
        "page_size": 10,
        "total_pages": 3,
        "has_next": False,
        "has_previous": True,
    }


# ------------------------------------------------------------------------------------ bureau TSV files


def test_a_catalogue_zip_is_parsed_with_its_bad_lines_numbered(gateway: Gateway) -> None:
    width = LAYOUTS["1314"].width
    good = [f"V{i}" for i in range(width)]
    lines = [
        "\t".join(good),
        "\t".join(["T2", *good[1:]]),
        "only\tthree\tcolumns",
        "\t".join(["null", *good[1:]]),
    ]
    stored = upload(gateway, "plc_1314.zip", zipped_lines(lines))
    data = parse(gateway, {"file_id": stored["file_id"], "kind": "catalog", "infno": "1314"})["data"]
    assert (data["layout"], data["valid_rows"], data["error_count"]) == ("1314", 2, 2)
    assert [e["row"] for e in data["errors"]] == [3, 4] and all(e["code"] == 30009 for e in data["errors"])
    assert data["rows"][1]["tcm_diag_id"] == "T2" and data["rows"][1]["line"] == 2


def test_3202_files_are_told_apart_by_their_columns(gateway: Gateway) -> None:
    upload_rows = [["S1", "M1", "P1", "100.00", "60.00", "10.00", "0"]]
    stored = upload(gateway, "3202_upload.zip", catalog_zip("3202_upload", upload_rows))
    data = parse(gateway, {"file_id": stored["file_id"], "kind": "3202_detail"})["data"]
    assert data["layout"] == "3202_upload" and data["rows"][0]["medfee_sumamt"] == "100.00"
    result_rows = [["P1", "M1", "S1", "H430281100012025", "0", "0", "平", "100.00", "60.00", "10.00"]]
    stored = upload(gateway, "3202_result.zip", catalog_zip("3202_result", result_rows))
    data = parse(gateway, {"file_id": stored["file_id"], "kind": "3202_detail"})["data"]
    assert data["layout"] == "3202_result" and data["rows"][0]["stmt_rslt"] == "0"


def test_a_damaged_zip_is_40008_or_40010(gateway: Gateway) -> None:
    content = bytearray(catalog_zip("1314", [{k: "x" * 50 for k in LAYOUTS["1314"].keys}] * 50))
    content[60:200] = bytes(140)  # the deflated data, overwritten
    stored = upload(gateway, "broken.zip", bytes(content))
    response = gateway.post("file/parse", json={"file_id": stored["file_id"], "infno": "1314"})
    assert response.json()["error_code"] in (40008, 40010), response.text


# --------------------------------------------------------------------------------- upload and download


def test_upload_stores_the_file_checksummed_and_download_returns_it(gateway: Gateway) -> None:
    content = ("医保目录\t测试\n" * 1000).encode()
    stored = upload(gateway, "目录.txt", content)
    assert stored["size"] == len(content) and len(stored["sha256"]) == 64
    assert stored["filename"] == "目录.txt" and stored["file_id"].startswith("F")
    files = list((gateway.data_dir / "files" / HOSPITAL).rglob(stored["file_id"]))
    assert len(files) == 1 and files[0].parent.name == stored["sha256"][:2]
    response = gateway.get(f"file/download/{stored['file_id']}")
    assert response.status_code == 200 and response.content == content
    assert response.headers["X-Checksum-SHA256"] == stored["sha256"]
    assert "filename*=utf-8''%E7%9B%AE%E5%BD%95.txt" in response.headers["content-disposition"]


def test_a_changed_or_missing_file_is_40008_or_40001(gateway: Gateway) -> None:
    stored = upload(gateway, "a.json", b'{"a": 1}')
    (path,) = (gateway.data_dir / "files" / HOSPITAL).rglob(stored["file_id"])
    path.write_bytes(b'{"a": 2}')
    failure(gateway.get(f"file/download/{stored['file_id']}"), 422, 40008)
    path.unlink()
    failure(gateway.get(f"file/download/{stored['file_id']}"), 404, 40001)
    failure(gateway.get("file/download/F00000000000000NOPE"), 404, 40001)


def test_types_are_checked_by_extension_and_content(gateway: Gateway) -> None:
    failure(gateway.post("file/upload", files={"file": ("setup.exe", b"MZ...")}), 400, 40002)
    failure(gateway.post("file/upload", files={"file": ("fees.xlsx", b"a,b\n1,2\n")}), 400, 40002)
    failure(gateway.post("file/upload", files={"file": ("fees.csv", b"PK\x03\x04rest")}), 400, 40002)
    failure(gateway.post("file/upload", files={"file": ("empty.csv", b"")}), 400, 10001)
    failure(gateway.post("file/upload", files={"note": (None, "no file")}), 400, 10001)
    stored = upload(gateway, "data.json", b"[]")
    failure(gateway.post("file/parse", json={"file_id": stored["file_id"]}), 400, 40002)
    assert not list((gateway.data_dir / "files" / HOSPITAL / ".incoming").iterdir())  # nothing left behind


def test_files_are_the_institutions_own(gateway: Gateway) -> None:
    stored = upload(gateway, "mine.csv", f"{CSV_HEADER}\n".encode())
    theirs = as_pharmacy(gateway)
    failure(gateway.get(f"file/download/{stored['file_id']}", headers=theirs), 404, 40001)
    failure(gateway.post("file/parse", json={"file_id": stored["file_id"]}, headers=theirs), 404, 40001)
    own = upload(gateway, "theirs.csv", f"{CSV_HEADER}\n".encode(), headers=theirs)
    assert list((gateway.data_dir / "files" / "P43028110002").rglob(own["file_id"]))
    failure(gateway.get(f"file/download/{own['file_id']}"), 404, 40001)


def test_upload_and_download_need_their_permissions(gateway: Gateway) -> None:
    denied = gateway.post("file/upload", "data_analyst", files={"file": ("a.csv", b"a\n")})
    assert denied.status_code == 403 and denied.json()["error_code"] == 10009
    stored = upload(gateway, "a.csv", b"a\n", "hospital_operator")
    assert gateway.get(f"file/download/{stored['file_id']}", "data_analyst").status_code == 200


# ------------------------------------------------------------------------------------------- the limit


def test_an_upload_is_streamed_and_cut_off_at_the_limit(tmp_path: Path) -> None:
    """The service itself, below any body-size middleware: the file part is counted as it arrives."""
    sent: list[int] = []

    async def body() -> AsyncIterator[bytes]:
        yield b'--LIMIT\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n\r\n'
        for _ in range(100):
            sent.append(1)
            yield b"y" * 1000
        yield b"\r\n--LIMIT--\r\n"

    async def receive() -> None:
        await files.receive_upload(body(), "multipart/form-data; boundary=LIMIT", spool=tmp_path, limit=4096)

    with pytest.raises(FileError) as refused:
        anyio.run(receive)
    assert refused.value.code == 40003 and refused.value.http_status == 413
    assert len(sent) == 5  # stopped reading at the first chunk past the limit, not at the end
    assert not list((tmp_path / files.INCOMING).iterdir())  # and nothing is left on disk


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    """A gateway whose upload limit is 4 KiB (the default is the spec's 500MB)."""
    data_dir: Path = tmp_path_factory.mktemp("small")
    settings = gateway_settings(f"sqlite:///{data_dir / 'g.sqlite3'}", data_dir, upload_max_bytes=4096)
    with start_gateway(settings) as (app, client):
        key = create_key(app.state.gateway.database, HOSPITAL, "admin").key
        yield Gateway(app, client, "", data_dir, {"admin": key})


def test_an_upload_over_the_limit_is_refused_with_413(small: Gateway) -> None:
    assert upload(small, "ok.csv", b"x" * 3000)["size"] == 3000
    declared = small.post("file/upload", files={"file": ("big.csv", b"y" * 200_000)})
    failure(declared, 413, 40003)  # refused by its Content-Length, before reading

    def chunks() -> Iterator[bytes]:  # no Content-Length: found while streaming
        yield b'--LIMIT\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n\r\n'
        yield from (b"y" * 1000 for _ in range(10))
        yield b"\r\n--LIMIT--\r\n"

    streamed = small.post(
        "file/upload", content=chunks(), headers={"Content-Type": "multipart/form-data; boundary=LIMIT"}
    )
    # the body-size policy (whole body) or this route (the file part), whichever counts past it first
    assert streamed.status_code == 413 and streamed.json()["error_code"] in (40003, 10003)
    incoming = small.data_dir / "files" / HOSPITAL / files.INCOMING
    assert not incoming.exists() or not list(incoming.iterdir())


def test_the_default_limit_is_the_specs_500mb(tmp_path: Path) -> None:
    settings = gateway_settings(f"sqlite:///{tmp_path / 'g.sqlite3'}", tmp_path)
    assert settings.upload_max_bytes == 500 * 1024 * 1024


def test_the_sdk_uploads_parses_and_downloads(gateway: Gateway, tmp_path: Path) -> None:
    sdk = sdk_for(gateway, "hospital_operator")
    source = tmp_path / "his-fees.csv"
    source.write_bytes(
        "\n".join([CSV_HEADER, fee_line("FD1", "M1", "P1"), fee_line("FD2", "M1", "P1", cnt="x")]).encode()
    )
    info = sdk.upload_file(source)  # streamed from the path
    assert info.filename == "his-fees.csv" and info.size == source.stat().st_size
    parsed = sdk.parse_file(info.file_id, kind="fee_list")
    assert parsed.data["valid_rows"] == 1 and parsed.data["errors"][0]["row"] == 3
    assert parsed.pagination["total"] == 1
    assert sdk.download_file(info.file_id) == source.read_bytes()
    copy = sdk.download_file(info.file_id, tmp_path / "copy.csv")
    assert copy.read_bytes() == source.read_bytes()
    from_bytes = sdk.upload_file(b'{"k": 1}', "x.json")
    assert from_bytes.size == 8
    with pytest.raises(FileError) as missing:
        sdk.download_file("F00000000000000NOPE")
    assert missing.value.code == 40001
