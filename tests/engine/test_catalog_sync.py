"""Catalog sync (13xx → 9102 → catalog_item) against a scripted bureau serving zips by version."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from support_reconcile import BooksBureau, catalog_zip, drug_rows, engine_at

from medical_insurance_sdk.engine.catalog_sync import CatalogSync, catalog_kinds, catalog_rows
from medical_insurance_sdk.exceptions import UnsupportedInterfaceError
from medical_insurance_sdk.storage.models import CatalogItem

V1 = "20250701000000001"
V2 = "20250710000000002"


def item(database, code_number: int) -> CatalogItem:
    with database.session() as s:
        return s.scalars(
            select(CatalogItem).where(
                CatalogItem.kind == "1301", CatalogItem.code == f"XJ01CAA040A001010{code_number:05d}"
            )
        ).one()


def asked(bureau: BooksBureau, infno: str) -> list[dict]:
    return [m["input"] for m in bureau.seen if m["infno"] == infno]


def test_the_default_kinds_are_the_catalogue_downloads_with_a_layout():
    assert catalog_kinds() == tuple(
        str(n) for n in (1301, 1302, 1303, 1305, 1306, 1307, 1308, 1309, 1310, 1311, 1313, 1314, 1315)
    )


def test_first_sync_imports_a_few_thousand_rows_then_a_newer_version_upserts(any_db, allocator, institution):
    """On SQLite and PostgreSQL: the upsert is each dialect's own INSERT … ON CONFLICT DO UPDATE."""
    database = any_db
    bureau = BooksBureau(
        catalog_pages={"1301": {"0": catalog_zip("1301", drug_rows(range(3000), ver_name=V1))}}
    )
    seen_progress: list[tuple[str, int, int | None]] = []
    with engine_at(database, allocator, bureau) as engine:
        sync = CatalogSync(engine, database, batch_size=700)
        [first] = sync.sync(institution, ["1301"], progress=lambda *p: seen_progress.append(p))

        assert (first.ok, first.files, first.rows, first.bad_rows, first.ver_name) == (True, 1, 3000, 0, V1)
        assert catalog_rows(database, "1301") == 3000
        assert [p[1] for p in seen_progress][:5] == [700, 1400, 2100, 2800, 3000]
        assert seen_progress[-1] == ("1301", 3000, 3000)
        # asked from "0", then with the new version, which has nothing newer
        assert [a["data"]["ver"] for a in asked(bureau, "1301")] == ["0", V1]
        download = asked(bureau, "9102")[0]["fsDownloadIn"]
        assert download["fixmedins_code"] == "plc" and download["filename"].startswith("plc_1301")

        # V2: 500 existing codes renamed and 200 new ones
        changed = drug_rows(range(2500, 3200), ver_name=V2, name="阿莫西林胶囊（新规格）")
        bureau.catalog_pages["1301"][V1] = catalog_zip("1301", changed)
        [second] = sync.sync(institution, ["1301"])

    assert (second.rows, second.ver_name) == (700, V2)
    assert catalog_rows(database, "1301") == 3200
    assert item(database, 10).name == "阿莫西林胶囊10"  # untouched by V2
    renamed = item(database, 2600)
    assert renamed.name == "阿莫西林胶囊（新规格）2600" and renamed.ver_name == V2 and renamed.valid == "1"
    assert item(database, 3199).data["rid"] == "RID00003199"
    state = sync.state("1301")
    assert state.last_ver_name == V2 and state.rows_done == 3700 and state.pending_file_qury_no is None


def test_a_crash_after_the_13xx_call_resumes_from_the_pending_file(database, allocator, institution):
    bureau = BooksBureau(
        catalog_pages={"1301": {"0": catalog_zip("1301", drug_rows(range(1200), ver_name=V1))}},
        crash_downloads=1,
    )
    with engine_at(database, allocator, bureau) as engine:
        sync = CatalogSync(engine, database)
        with pytest.raises(RuntimeError):
            sync.sync(institution, ["1301"])
        pending = sync.state("1301")
        assert pending.pending_file_qury_no and pending.last_ver_name is None
        assert catalog_rows(database, "1301") == 0
        asks_before = len(asked(bureau, "1301"))

        [result] = sync.sync(institution, ["1301"])

    assert asks_before == 1
    assert asked(bureau, "9102")[-2]["fsDownloadIn"]["file_qury_no"] == pending.pending_file_qury_no
    # the pending file was downloaded without asking 1301 again; only the "anything newer?" ask follows
    assert [a["data"]["ver"] for a in asked(bureau, "1301")] == ["0", V1]
    assert result.resumed and result.rows == 1200 and catalog_rows(database, "1301") == 1200
    assert sync.state("1301").pending_file_qury_no is None


def test_bad_rows_are_counted_and_reported_with_their_line_numbers(database, allocator, institution):
    rows = drug_rows(range(50), ver_name=V1)
    content = catalog_zip("1301", rows, bad_lines=["XJ-SHORT\t只有两列", "\t".join(["null"] * 92)])
    bureau = BooksBureau(catalog_pages={"1301": {"0": content}})
    with engine_at(database, allocator, bureau) as engine:
        [result] = CatalogSync(engine, database).sync(institution, ["1301"])
    assert (result.rows, result.bad_rows) == (50, 2)
    assert [e.line for e in result.errors] == [51, 52]
    assert "第51行只有2列" in result.errors[0].reason
    assert "缺少医疗目录编码" in result.errors[1].reason
    assert catalog_rows(database, "1301") == 50


def test_an_expired_pending_file_is_asked_for_again(database, allocator, institution):
    bureau = BooksBureau(
        catalog_pages={"1307": {"0": catalog_zip("1307", [_diagnosis(n) for n in range(30)])}},
        crash_downloads=1,
    )
    with engine_at(database, allocator, bureau) as engine:
        sync = CatalogSync(engine, database)
        with pytest.raises(RuntimeError):
            sync.sync(institution, ["1307"])
        bureau.files.clear()  # the bureau forgot the file: 9102 answers "文件查询号不存在或已过期"
        [result] = sync.sync(institution, ["1307"])
    assert result.ok and result.rows == 30
    assert [a["data"]["ver"] for a in asked(bureau, "1307")][:2] == ["0", "0"]


def test_a_damaged_file_stores_nothing_and_is_forgotten(database, allocator, institution):
    good = catalog_zip("1301", drug_rows(range(100), ver_name=V1))
    damaged = good[:-40]  # truncated: the zip's directory is gone
    bureau = BooksBureau(catalog_pages={"1301": {"0": damaged}})
    with engine_at(database, allocator, bureau) as engine:
        sync = CatalogSync(engine, database)
        [result] = sync.sync(institution, ["1301"])
        assert not result.ok and result.error.startswith("400")
        assert catalog_rows(database, "1301") == 0
        assert sync.state("1301").pending_file_qury_no is None
        bureau.catalog_pages["1301"]["0"] = good
        [again] = sync.sync(institution, ["1301"])
    assert again.ok and again.rows == 100


def test_a_bureau_without_anything_new_changes_nothing(database, allocator, institution):
    bureau = BooksBureau()
    with engine_at(database, allocator, bureau) as engine:
        results = CatalogSync(engine, database).sync(institution, ["1301", "1302"])
    assert [(r.kind, r.files, r.rows, r.ok) for r in results] == [("1301", 0, 0, True), ("1302", 0, 0, True)]
    assert "9102" not in {m["infno"] for m in bureau.seen}


def test_unknown_kinds_are_refused(database, allocator, institution):
    with engine_at(database, allocator, BooksBureau()) as engine, pytest.raises(UnsupportedInterfaceError):
        CatalogSync(engine, database).sync(institution, ["1304"])


def _diagnosis(n: int) -> dict:
    return {"diag_list_id": f"D{n:06d}", "diag_code": f"A{n:02d}.0", "diag_name": f"诊断{n}", "ver_name": V1}


def test_against_the_sandbox_bureau(database, allocator, institution):
    pytest.importorskip("fastapi")
    from support_reconcile import sandbox_engine

    engine, app = sandbox_engine(database, allocator, catalog_rows=1500)
    try:
        with engine:
            sync = CatalogSync(engine, database, batch_size=400)
            first = sync.sync(institution, ["1301", "1307"])
            again = sync.sync(institution, ["1301"])
    finally:
        app.state.sandbox.close()
    assert [(r.kind, r.ok, r.rows, r.bad_rows) for r in first] == [
        ("1301", True, 1500, 0),
        ("1307", True, 1500, 0),
    ]
    assert catalog_rows(database, "1301") == catalog_rows(database, "1307") == 1500
    assert first[0].ver_name and sync.state("1301").last_ver_name == first[0].ver_name
    # nothing newer at the bureau: the version stays, nothing is imported
    assert (again[0].ok, again[0].rows, again[0].ver_name) == (True, 0, first[0].ver_name)
