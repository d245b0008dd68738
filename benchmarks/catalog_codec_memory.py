"""Memory and speed of the catalogue codec: write, then stream, a 92-column 1301 file of 100k and 1M rows.

Each (size, direction) runs in a fresh subprocess, so every ru_maxrss is the peak of that run alone and the
peaks are comparable.  A codec that streams has a 1M/100k peak-RSS ratio near 1.0; one that buffers the
file would show about 10.  Prints one JSON object.  Not a test: run it by hand.

    .venv/bin/python benchmarks/catalog_codec_memory.py [--sizes 100000 1000000]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from medical_insurance_sdk.protocol.catalog_file import CatalogRow, iter_rows, write_catalog
from medical_insurance_sdk.protocol.catalog_layouts import LAYOUTS

LAYOUT = LAYOUTS["1301"]
_TEXTS = (
    "阿莫西林胶囊",
    "0.25g*24粒/盒",
    "Thu Mar 04 10:11:12 CST 2021",
    "2024-01-31",
    "1",
    "口服",
    "null",
    None,
)


def _templates() -> list[list[str | None]]:
    """Sixteen varied 92-column rows (Chinese text, dates, flags, nulls) that rows are stamped from."""
    return [[_TEXTS[(t * 5 + i * 3) % len(_TEXTS)] for i in range(LAYOUT.width)] for t in range(16)]


def _rows(count: int) -> Iterator[list[str | None]]:
    templates = _templates()
    at = LAYOUT.index
    for n in range(count):
        row = list(templates[n % 16])
        # Per-row values, so the file compresses like a real one rather than like 16 repeated lines.
        row[at("med_list_codg")] = f"XA01ABA{n:010d}"
        row[at("drug_prodname")] = f"阿莫西林胶囊{n * 7919 % 100_003}"
        row[at("aprvno")] = f"国药准字H{(n * 104_729) % 10**8:08d}"
        row[at("rid")] = f"{n * 2_654_435_761 % 2**40:x}"
        row[at("ver_name")] = f"20240101_V{n // 100_000}"
        yield row


def _peak_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def child(direction: str, count: int, path: Path) -> dict[str, float | int]:
    """One measured run in this (fresh) process."""
    baseline = _peak_kib()
    start = time.perf_counter()
    if direction == "write":
        rows = write_catalog(path, LAYOUT, _rows(count)).rows
    else:
        rows = bad = 0
        for item in iter_rows(path, LAYOUT):
            if isinstance(item, CatalogRow):
                rows += 1
            else:
                bad += 1
        assert bad == 0
    seconds = time.perf_counter() - start
    assert rows == count
    return {
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds),
        "baseline_rss_kib": baseline,
        "peak_rss_kib": _peak_kib(),
        "zip_bytes": path.stat().st_size,
    }


def _spawn(direction: str, count: int, path: Path) -> dict[str, float | int]:
    command = [sys.executable, __file__, "--child", direction, str(count), str(path)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    result: dict[str, float | int] = json.loads(done.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=[100_000, 1_000_000])
    parser.add_argument("--child", nargs=3, metavar=("DIRECTION", "ROWS", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        direction, count, path = args.child
        print(json.dumps(child(direction, int(count), Path(path))))
        return

    small, large = args.sizes
    report: dict[str, object] = {"layout": LAYOUT.kind, "columns": LAYOUT.width}
    with tempfile.TemporaryDirectory() as folder:
        for count in (small, large):
            path = Path(folder) / f"plc_1301_{count}.zip"
            report[str(count)] = {"write": _spawn("write", count, path), "read": _spawn("read", count, path)}
    for direction in ("write", "read"):
        peak = {count: report[str(count)][direction]["peak_rss_kib"] for count in (small, large)}  # type: ignore[index]
        report[f"peak_rss_ratio_{direction}"] = round(peak[large] / peak[small], 3)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
