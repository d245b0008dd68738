"""Item 3 — catalogue import: a 1301 file of 100,000 and 1,000,000 rows (`make bench`: 10,000,000, issue 16)
synced into `catalog_item`.

    product   CatalogSync.sync(institution, ["1301"]): 1301 → file_qury_no → 9102 download (served in
              64 KiB chunks, spooled to a temporary file by the engine as it arrives) → streamed,
              upserted in batches into catalog_item of a migrated SQLite product database.  The bureau is
              an in-process mock that serves the prebuilt zip (the import is measured, not the network).
    baseline  zipfile + csv.reader over the same file, sqlite3.executemany into the same table of the
              same schema, in batches, one commit.

Every (size, path) runs in a fresh child process, so ru_maxrss is the peak of that run alone.
Goals: product rows/s ≥ 0.5 × baseline; product peak RSS at the large size ≤ 1.2 × at 100k.

    .venv/bin/python benchmarks/catalog_import.py [--sizes 100000 1000000] [--runs 3]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from catalog_codec_memory import LAYOUT, _rows

from medical_insurance_sdk.engine.catalog_sync import CatalogSync, catalog_rows
from medical_insurance_sdk.engine.engine import BureauEngine
from medical_insurance_sdk.engine.settings import InstitutionConfig
from medical_insurance_sdk.protocol.catalog_file import write_catalog
from medical_insurance_sdk.protocol.envelope import EnvelopeConfig
from medical_insurance_sdk.protocol.msgid import MemorySequenceAllocator
from medical_insurance_sdk.registry import REGISTRY
from medical_insurance_sdk.storage.database import Database

GOAL_SPEED_RATIO = 0.5
GOAL_RSS_RATIO = 1.2
BATCH = 5000
KIND = "1301"
INSTITUTION = InstitutionConfig(
    envelope=EnvelopeConfig(
        fixmedins_code="H43028110001",
        fixmedins_name="湘潭市第一人民医院",
        mdtrtarea_admvs="430200",
        recer_sys_code="YBXT",
        infver="V1.0",
        opter_type="1",
        opter="OP001",
        opter_name="目录同步",
        insuplc_admdvs="430200",
    ),
    base_url="http://bureau.mock",
)


def _peak_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


# ---------------------------------------------------------------------------------------- the two paths
class MockBureau:
    """Answers 9001, 1301 (the file once, then "nothing newer") and 9102 (the zip, read when asked)."""

    def __init__(self, zip_path: Path, rows: int) -> None:
        self.zip_path, self.rows, self.served = zip_path, rows, False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        message = json.loads(request.content)
        infno = message["infno"]
        if infno == "9102":
            name = self.zip_path.name
            return httpx.Response(
                200,
                content=_chunks(self.zip_path),  # streamed, as a socket delivers it
                headers={
                    "content-type": "application/octet-stream",
                    "content-disposition": f'attachment; filename="{name}"',
                },
            )
        if infno == "9001":
            output: Any = {"signinoutb": {"sign_time": "2025-07-14 08:00:00", "sign_no": "S0001"}}
        elif infno == KIND:
            count, self.served = (0 if self.served else self.rows), True
            output = {"file_qury_no": "FQ0001", "filename": self.zip_path.name, "data_cnt": count}
        else:
            raise AssertionError(f"unexpected {infno}")
        body = {"infcode": 0, "inf_refmsgid": "430200202507140800000000000001", "output": output}
        return httpx.Response(200, json=body)


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as file:
        while chunk := file.read(1 << 16):
            yield chunk


def product(zip_path: Path, rows: int, db_path: Path) -> dict[str, Any]:
    database = Database(f"sqlite:///{db_path}")
    database.migrate()
    engine = BureauEngine(
        database, MemorySequenceAllocator(), transport=httpx.MockTransport(MockBureau(zip_path, rows))
    )
    before = _peak_kib()
    began = time.perf_counter()
    results = CatalogSync(engine, database, batch_size=BATCH).sync(INSTITUTION, [KIND])
    seconds = time.perf_counter() - began
    assert results[0].ok, results[0].error
    stored = catalog_rows(database, KIND)
    engine.close()
    database.dispose()
    return {"rows": stored, "seconds": seconds, "rss_before_kib": before, "peak_rss_kib": _peak_kib()}


def baseline(zip_path: Path, rows: int, db_path: Path) -> dict[str, Any]:
    database = Database(f"sqlite:///{db_path}")
    database.migrate()  # the same table, created by the product's own migrations
    database.dispose()
    keys = LAYOUT.keys
    at_code, at_ver, at_ver_name = keys.index(LAYOUT.code_key), keys.index("ver"), keys.index("ver_name")
    at_name = keys.index(REGISTRY[KIND].catalog_name_column or "")
    at_valid = keys.index(LAYOUT.vali_flag_key) if LAYOUT.vali_flag_key else None
    insert = (
        "INSERT INTO catalog_item (kind, code, name, ver, ver_name, valid, data, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    )
    before = _peak_kib()
    began = time.perf_counter()
    connection = sqlite3.connect(db_path)
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    stored = 0
    with zipfile.ZipFile(zip_path) as archive:
        member = archive.namelist()[0]
        with archive.open(member) as raw:
            reader = csv.reader(
                io.TextIOWrapper(raw, encoding="utf-8"), delimiter="\t", quoting=csv.QUOTE_NONE
            )
            batch: list[tuple[Any, ...]] = []
            for cells in reader:
                values = [None if c == "null" else c for c in cells]
                batch.append(
                    (
                        KIND,
                        values[at_code],
                        values[at_name],
                        values[at_ver],
                        values[at_ver_name],
                        values[at_valid] if at_valid is not None else None,
                        json.dumps(dict(zip(keys, values, strict=False)), ensure_ascii=False),
                        now,
                    )
                )
                if len(batch) >= BATCH:
                    connection.executemany(insert, batch)
                    stored += len(batch)
                    batch = []
            connection.executemany(insert, batch)
            stored += len(batch)
    connection.commit()
    connection.close()
    seconds = time.perf_counter() - began
    return {"rows": stored, "seconds": seconds, "rss_before_kib": before, "peak_rss_kib": _peak_kib()}


PATHS = {"product": product, "baseline": baseline}


# ---------------------------------------------------------------------------------------------- runner
def _spawn(path: str, zip_path: Path, rows: int, folder: Path) -> dict[str, Any]:
    db_path = folder / f"{path}-{rows}-{time.monotonic_ns()}.sqlite3"
    command = [sys.executable, __file__, "--child", path, str(zip_path), str(rows), str(db_path)]
    done = subprocess.run(command, check=True, capture_output=True, text=True, timeout=3600)
    db_path.unlink(missing_ok=True)
    for suffix in ("-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    result: dict[str, Any] = json.loads(done.stdout)
    assert result["rows"] == rows, result
    result["rows_per_s"] = rows / result["seconds"]
    return result


def run(*, sizes: tuple[int, int] = (100_000, 1_000_000), runs: int = 3) -> dict[str, Any]:
    """rows/s and peak RSS of each path at each size (median of `runs`), and the two goal ratios."""
    from _common import median_record, rounded

    small, large = sizes
    report: dict[str, Any] = {"layout": KIND, "columns": LAYOUT.width, "batch": BATCH, "sizes": {}}
    with tempfile.TemporaryDirectory(prefix="yibao-catalog-") as tmp:
        folder = Path(tmp)
        for rows in (small, large):
            zip_path = folder / f"plc_{KIND}_{rows}.zip"
            write_catalog(zip_path, LAYOUT, _rows(rows))
            measured: dict[str, list[dict[str, Any]]] = {name: [] for name in PATHS}
            for _ in range(runs):
                for name in PATHS:  # alternated, so that both see the same machine state
                    measured[name].append(_spawn(name, zip_path, rows, folder))
            entry: dict[str, Any] = {name: median_record(values) for name, values in measured.items()}
            entry["zip_bytes"] = zip_path.stat().st_size
            entry["speed_ratio"] = rounded(
                entry["product"]["rows_per_s"] / entry["baseline"]["rows_per_s"], 3
            )
            report["sizes"][str(rows)] = entry
            zip_path.unlink()
    peaks = {rows: report["sizes"][str(rows)]["product"]["peak_rss_kib"] for rows in (small, large)}
    base_peaks = {rows: report["sizes"][str(rows)]["baseline"]["peak_rss_kib"] for rows in (small, large)}
    rss_ratio = peaks[large] / peaks[small]
    speed_ratio = min(report["sizes"][str(rows)]["speed_ratio"] for rows in (small, large))
    report.update(
        {
            "runs": runs,
            "rss_ratio_large_over_small": rounded(rss_ratio, 3),
            "baseline_rss_ratio_large_over_small": rounded(base_peaks[large] / base_peaks[small], 3),
            "speed_ratio_min": speed_ratio,
            "goals": {
                "speed": f"product rows/s ≥ {GOAL_SPEED_RATIO} × baseline",
                "speed_met": speed_ratio >= GOAL_SPEED_RATIO,
                "rss": f"peak RSS at {large:,} rows ≤ {GOAL_RSS_RATIO} × at {small:,}",
                "rss_met": rss_ratio <= GOAL_RSS_RATIO,
            },
        }
    )
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=[100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", nargs=4, metavar=("PATH", "ZIP", "ROWS", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        path, zip_path, rows, db_path = args.child
        print(json.dumps(PATHS[path](Path(zip_path), int(rows), Path(db_path))))
        return
    print(json.dumps(run(sizes=tuple(args.sizes), runs=args.runs), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
