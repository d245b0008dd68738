"""The zipped tab-separated codec: round trips for every layout, and what real files throw at a reader."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medical_insurance_sdk.exceptions import DataValidationError, FileError
from medical_insurance_sdk.protocol.catalog_file import (
    BadRow,
    CatalogReader,
    CatalogRow,
    iter_rows,
    normalize_date,
    write_catalog,
    write_rows,
)
from medical_insurance_sdk.protocol.catalog_layouts import EXPECTED_WIDTHS, LAYOUTS, CatalogLayout, layout_for

JAVA_DATE = "Thu Mar 04 10:11:12 CST 2021"
SAMPLES = ("阿莫西林胶囊", "0.25g*24粒", JAVA_DATE, "2024-01-31", "1", "0", "Amoxicillin 250 mg", "（甲类）")


def sample_rows(layout: CatalogLayout, count: int) -> Iterator[dict[str, str | None]]:
    """Deterministic rows: a unique code, a version name, and a mix of text, dates and nulls."""
    for n in range(count):
        row: dict[str, str | None] = {}
        for i, key in enumerate(layout.keys):
            pick = (n * 7 + i * 3) % (len(SAMPLES) + 2)
            row[key] = None if pick >= len(SAMPLES) else SAMPLES[pick]
        row[layout.code_key] = f"{layout.kind}X{n:07d}"
        if layout.ver_name_key:
            row[layout.ver_name_key] = f"V{n // 1000:04d}"
        yield row


def zip_bytes(text: bytes, name: str = "plc_1301_20240101.txt") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, text)
    return buffer.getvalue()


def tsv(*lines: list[str]) -> bytes:
    return "".join("\t".join(cells) + "\n" for cells in lines).encode("utf-8")


def line_1305(code: str, *, width: int = 16, fill: str = "null") -> list[str]:
    return [code] + [fill] * (width - 1)


# ---------------------------------------------------------------------------------------------- layouts


def test_layouts_match_reference_counts_and_keys_are_unique() -> None:
    assert set(LAYOUTS) == set(EXPECTED_WIDTHS)
    for kind, layout in LAYOUTS.items():
        assert layout.width == EXPECTED_WIDTHS[kind]
        assert len(set(layout.keys)) == layout.width
        assert layout.complete


def test_layout_names_the_paging_and_upsert_columns() -> None:
    drugs = layout_for(1301)
    assert drugs.index("med_list_codg") == 0
    assert drugs.label("ver_name") == "版本名称"
    assert drugs.index("ver_name") == 83
    assert drugs.rid_key == "rid" and drugs.label("rid") == "唯一记录号"
    assert drugs.label("vali_flag") == "有效标志"
    assert layout_for("1305").keys[-3:] == ("rid", "ver", "ver_name")
    assert layout_for("3202_upload").keys == (
        "setl_id", "mdtrt_id", "psn_no", "medfee_sumamt", "fund_pay_sumamt", "acct_pay", "refd_setl_flag",
    )  # fmt: skip
    with pytest.raises(KeyError):
        layout_for("1399")


# ---------------------------------------------------------------------------------------------- round trip


@pytest.mark.parametrize("kind", sorted(LAYOUTS))
def test_round_trip_every_layout(kind: str, tmp_path: Path) -> None:
    layout = LAYOUTS[kind]
    target = tmp_path / f"plc_{kind}_20240101.zip"
    summary = write_catalog(target, layout, sample_rows(layout, 3000))
    assert (summary.rows, summary.member_name, summary.replaced) == (3000, f"plc_{kind}_20240101.txt", 0)

    read = list(iter_rows(target, layout))
    assert all(isinstance(row, CatalogRow) for row in read)
    assert [row.values for row in read if isinstance(row, CatalogRow)] == list(sample_rows(layout, 3000))
    assert [row.line for row in read] == list(range(1, 3001))


def test_plain_tsv_and_bytes_sources(tmp_path: Path) -> None:
    layout = LAYOUTS["1307"]
    path = tmp_path / "1307.txt"
    with path.open("wb") as handle:
        assert write_rows(handle, layout, sample_rows(layout, 50)) == (50, 0)
    from_path = [row.values for row in iter_rows(path, layout) if isinstance(row, CatalogRow)]
    from_bytes = [row.values for row in iter_rows(path.read_bytes(), layout) if isinstance(row, CatalogRow)]
    assert from_path == from_bytes == list(sample_rows(layout, 50))


def test_reader_accepts_a_non_seekable_stream() -> None:
    class Pipe(io.RawIOBase):  # a socket-like stream: read only, no seek
        def __init__(self, data: bytes) -> None:
            self._data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
            chunk = self._data.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    data = zip_bytes(tsv(line_1305("A"), line_1305("B")))
    rows = list(iter_rows(io.BufferedReader(Pipe(data)), LAYOUTS["1305"]))  # type: ignore[type-var]
    assert [row.code for row in rows if isinstance(row, CatalogRow)] == ["A", "B"]


def test_catalog_row_accessors_and_reader_bookkeeping() -> None:
    layout = LAYOUTS["1305"]
    first = line_1305("001")
    first[layout.index("vali_flag")] = "1"
    first[layout.index("ver_name")] = "20240101_V1"
    second = line_1305("002")
    second[layout.index("vali_flag")] = "0"
    second[layout.index("ver_name")] = "20240102_V2"
    reader = CatalogReader(zip_bytes(tsv(first, ["short"], second)), layout)
    rows = list(reader.rows())
    assert [(r.code, r.valid, r.ver_name) for r in rows] == [
        ("001", True, "20240101_V1"),
        ("002", False, "20240102_V2"),
    ]
    assert rows[0].get("memo", "-") == "-" and rows[0]["memo"] is None
    assert (reader.row_count, reader.error_count, reader.last_ver_name) == (2, 1, "20240102_V2")
    assert reader.errors[0].line == 2


# ---------------------------------------------------------------------------------------------- tolerance


def test_extra_trailing_columns_are_kept() -> None:
    layout = LAYOUTS["1305"]
    data = zip_bytes(tsv([*line_1305("A"), "新列", "null"], line_1305("B")))
    first, second = iter_rows(data, layout)
    assert isinstance(first, CatalogRow) and isinstance(second, CatalogRow)
    assert first.extra == ("新列", None) and second.extra == ()
    assert first.values["ver_name"] is None


def test_writer_passes_extra_columns_through(tmp_path: Path) -> None:
    layout = LAYOUTS["3202_result"]
    row = ["P1", "M1", "S1", "MSG", "0", "0", "ok", "10.00", "8.00", "2.00", "tail"]
    target = tmp_path / "result.zip"
    write_catalog(target, layout, [row])
    (read,) = iter_rows(target, layout)
    assert isinstance(read, CatalogRow) and read.extra == ("tail",)
    write_catalog(tmp_path / "again.zip", layout, [read])
    (again,) = iter_rows(tmp_path / "again.zip", layout)
    assert isinstance(again, CatalogRow) and (again.values, again.extra) == (read.values, read.extra)


def test_short_row_is_reported_with_its_line_number() -> None:
    layout = LAYOUTS["1305"]
    data = zip_bytes(tsv(line_1305("A"), line_1305("B"), ["C", "only", "three"], line_1305("D")))
    rows = list(iter_rows(data, layout))
    assert [type(row).__name__ for row in rows] == ["CatalogRow", "CatalogRow", "BadRow", "CatalogRow"]
    bad = rows[2]
    assert isinstance(bad, BadRow)
    assert (bad.line, bad.columns, bad.text) == (3, 3, "C\tonly\tthree")
    assert "第3行" in bad.reason and "16列" in bad.reason


def test_row_without_item_code_is_reported() -> None:
    layout = LAYOUTS["1305"]
    (bad,) = iter_rows(zip_bytes(tsv(line_1305("null"))), layout)
    assert isinstance(bad, BadRow) and bad.line == 1 and "医疗目录编码" in bad.reason


def test_null_spellings_become_none() -> None:
    layout = LAYOUTS["1305"]
    cells = line_1305("A")
    cells[1:5] = ["null", "NULL", "", "nullable"]
    (row,) = iter_rows(zip_bytes(tsv(cells)), layout)
    assert isinstance(row, CatalogRow)
    assert [row.values[k] for k in layout.keys[1:5]] == [None, None, None, "nullable"]


def test_writer_null_marker_follows_the_layout() -> None:
    catalog, upload = io.BytesIO(), io.BytesIO()
    write_rows(catalog, LAYOUTS["1313"], [{"tmor_mpy_id": "1"}])
    write_rows(upload, LAYOUTS["3202_upload"], [{"setl_id": "S1"}])
    assert catalog.getvalue() == ("1" + "\tnull" * 10 + "\n").encode()  # what the bureau's own files carry
    assert upload.getvalue() == ("S1" + "\t" * 6 + "\n").encode()
    forced = io.BytesIO()
    write_rows(forced, LAYOUTS["1313"], [{"tmor_mpy_id": "1"}], null_text="")
    assert forced.getvalue() == ("1" + "\t" * 10 + "\n").encode()


def test_bom_blank_lines_and_crlf() -> None:
    layout = LAYOUTS["1305"]
    text = b"\xef\xbb\xbf" + tsv(line_1305("A")).replace(b"\n", b"\r\n") + b"\r\n   \n" + tsv(line_1305("B"))
    rows = list(iter_rows(zip_bytes(text), layout))
    assert [(r.line, r.code) for r in rows if isinstance(r, CatalogRow)] == [(1, "A"), (4, "B")]
    assert len(rows) == 2 and isinstance(rows[0], CatalogRow)
    assert rows[0].values["ver_name"] is None  # no stray "\r" on the last column


def test_differently_named_member_is_found() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("说明.pdf", b"%PDF")
        archive.writestr("out/目录数据.TXT", tsv(line_1305("A")))
    (row,) = iter_rows(buffer.getvalue(), LAYOUTS["1305"])
    assert isinstance(row, CatalogRow) and row.code == "A"


# ---------------------------------------------------------------------------------------------- errors


def test_gbk_file_is_a_clear_error() -> None:
    text = "\t".join(["A", "次", *["中文名称"] * 14]).encode("gbk")
    rows = iter_rows(zip_bytes(tsv(line_1305("OK")) + text + b"\n"), LAYOUTS["1305"])
    assert isinstance(next(rows), CatalogRow)
    with pytest.raises(FileError) as caught:
        next(rows)
    assert caught.value.code == 40005
    assert "第2行" in caught.value.message and "GBK" in caught.value.message
    assert caught.value.details == {"line": 2, "encoding": "gbk"}


def test_damaged_zip_is_a_file_error(tmp_path: Path) -> None:
    good = zip_bytes(tsv(*(line_1305(f"C{i}", fill="阿莫西林") for i in range(2000))))
    with pytest.raises(FileError) as truncated:
        list(iter_rows(good[: len(good) // 2], LAYOUTS["1305"]))
    assert truncated.value.code == 40008

    corrupt = bytearray(good)
    middle = len(corrupt) // 2
    corrupt[middle : middle + 64] = bytes(64)
    with pytest.raises(FileError) as garbled:
        list(iter_rows(bytes(corrupt), LAYOUTS["1305"]))
    assert garbled.value.code in (40008, 40010)

    fake = tmp_path / "plc_1305.zip"
    fake.write_text("<html>gateway error</html>", encoding="utf-8")
    with pytest.raises(FileError) as not_a_zip:
        list(iter_rows(fake, LAYOUTS["1305"]))
    assert not_a_zip.value.code == 40008


def test_zip_without_txt_member(tmp_path: Path) -> None:
    target = tmp_path / "x.zip"
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("data.csv", "a,b")
    with pytest.raises(FileError) as caught:
        list(iter_rows(target, LAYOUTS["1301"]))
    assert caught.value.code == 40005 and "data.csv" in caught.value.message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileError) as caught:
        list(iter_rows(tmp_path / "none.zip", LAYOUTS["1301"]))
    assert caught.value.code == 40001


# ---------------------------------------------------------------------------------------------- writer


def test_tab_and_newline_in_values_are_replaced_by_default() -> None:
    layout = LAYOUTS["3202_upload"]
    out = io.BytesIO()
    rows = [{"setl_id": "S1", "psn_no": "a\tb", "mdtrt_id": "x\r\ny\nz"}, {"setl_id": "S2"}]
    assert write_rows(out, layout, rows) == (2, 2)
    first, second = iter_rows(out.getvalue(), layout)
    assert isinstance(first, CatalogRow) and isinstance(second, CatalogRow)
    assert (first["psn_no"], first["mdtrt_id"], second.code) == ("a b", "x y z", "S2")


def test_unsafe_values_can_be_refused(tmp_path: Path) -> None:
    target = tmp_path / "upload.zip"
    with pytest.raises(DataValidationError) as caught:
        write_catalog(
            target, LAYOUTS["3202_upload"], [{"setl_id": "S1"}, {"setl_id": "S\t2"}], on_unsafe="raise"
        )
    assert "第2条记录.setl_id" in caught.value.message
    assert not target.exists()  # the partial file is removed


def test_writer_refuses_unknown_keys_and_short_sequences() -> None:
    layout = LAYOUTS["3202_upload"]
    with pytest.raises(DataValidationError, match="setl_idd"):
        write_rows(io.BytesIO(), layout, [{"setl_idd": "S1"}])
    with pytest.raises(DataValidationError, match="7列"):
        write_rows(io.BytesIO(), layout, [["S1", "M1"]])


def test_writer_formats_python_values() -> None:
    from datetime import date, datetime
    from decimal import Decimal

    layout = LAYOUTS["3202_result"]
    out = io.BytesIO()
    write_rows(out, layout, [["P", date(2024, 1, 2), datetime(2024, 1, 2, 3, 4, 5), 7, True, False, None,
                              Decimal("10.50"), 8.0, "2.00"]])  # fmt: skip
    assert out.getvalue() == b"P\t2024-01-02\t2024-01-02 03:04:05\t7\t1\t0\tnull\t10.50\t8.0\t2.00\n"


_values = st.one_of(st.none(), st.text(st.characters(codec="utf-8"), max_size=12))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.text("0123456789", min_size=1, max_size=8), *[_values] * 6), max_size=20))
def test_round_trip_property(records: list[tuple[str | None, ...]]) -> None:
    layout = LAYOUTS["3202_upload"]
    out = io.BytesIO()
    write_catalog(out, layout, records)

    def expected(value: str | None) -> str | None:
        if value is None:
            return None
        cleaned = value.replace("\r\n", " ").replace("\r", " ").replace("\n", " ").replace("\t", " ")
        return None if cleaned in ("", "null", "NULL") else cleaned

    read = list(iter_rows(out.getvalue(), layout))
    # A record whose every value is blank is still written and read back (its code is never empty here).
    assert [tuple(row.values.values()) for row in read if isinstance(row, CatalogRow)] == [
        tuple(expected(v) for v in record) for record in records
    ]


# ---------------------------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        (JAVA_DATE, "2021-03-04T10:11:12"),
        ("Mon Jan 1 00:00:00 CST 2024", "2024-01-01T00:00:00"),
        ("Fri Dec 31 23:59:59 GMT+08:00 2021", "2021-12-31T23:59:59"),
        ("2024-03-05", "2024-03-05"),
        ("2024-03-05 08:30:00", "2024-03-05T08:30:00"),
        ("2024-03-05 08:30:00.0", "2024-03-05T08:30:00"),
        ("2024/3/5 8:30:00", "2024-03-05T08:30:00"),
        ("20240305", "2024-03-05"),
        ("20240305083000", "2024-03-05T08:30:00"),
        ("null", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_date(text: str | None, iso: str | None) -> None:
    assert normalize_date(text) == iso


@pytest.mark.parametrize("text", ["2024-02-30", "yesterday", "Thu Foo 04 10:11:12 CST 2021", "2024-3"])
def test_normalize_date_refuses_what_it_cannot_read(text: str) -> None:
    with pytest.raises(ValueError):
        normalize_date(text)
