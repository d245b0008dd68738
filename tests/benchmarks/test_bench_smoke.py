"""Every benchmark entry point runs at a tiny size and returns its figures, so the benchmarks do not rot.

No timing assertions: a figure's value is the benchmark's business, its presence is this test's.  The
proofs' verdicts are not asserted either (at 6 flows a violation is a matter of chance); `make bench-quick`
is where they count.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import run as bench  # noqa: E402  (benchmarks/run.py, found through the path above)


def tiny(part: str) -> dict[str, Any]:
    result: dict[str, Any] = bench.runner(part)(**bench.SIZES["tiny"][part])
    return result


def test_protocol_cpu() -> None:
    result = tiny("protocol")
    assert {"baseline_us", "product_us", "ratio", "goal_met"} <= result.keys()


def test_end_to_end() -> None:
    result = tiny("e2e")
    figures = result["backends"]["sqlite"]["results"]["outpatient"]["1"]
    assert set(figures) == {"a_raw", "b_engine", "c_sdk_gateway"}
    assert all(f["errors"] == 0 for f in figures.values())
    assert "p50_goal_met" in result["backends"]["sqlite"]["goals"]["1101"]


def test_catalog_import() -> None:
    result = tiny("catalog")
    assert result["sizes"]["400"]["product"]["rows"] == 400
    assert "rss_ratio_large_over_small" in result


def test_concurrency() -> None:
    result = tiny("concurrency")
    for variant in result["variants"].values():
        answered = variant["statuses"].get("200", 0) + variant["deliberate_429"] + variant["errors"]
        assert answered == variant["requests"]


def test_fault_soak() -> None:
    result = tiny("soak")
    assert set(result["violations"]) == {
        "double_settlements",
        "double_reversals",
        "unresolved_unknown",
        "reconciliation_mismatches",
        "balance_drift_persons",
    }
    assert sum(result["outcomes"].values()) == 6
    assert result["replicas"] == 3  # three gateways with sweepers on, yibao compensate beside them


def test_crash() -> None:
    result = tiny("crash")
    assert result["crash_after_sent"] is not None  # the gateway was killed and restarted mid-workload
    assert set(result["checks"]) == {"lost", "disagreements", "duplicates", "unresolved"}


@pytest.mark.skipif(
    not (Path(sys.executable).with_name("schemathesis").exists() or importlib.util.find_spec("schemathesis")),
    reason="schemathesis is not installed",
)
def test_fuzz() -> None:
    result = tiny("fuzz")
    assert result["operations_tested"] == 1 and "server_errors" in result


def test_capacity() -> None:
    result = tiny("capacity")
    figures = result["backends"]["sqlite"]["results"]["1101"]
    assert set(figures) == {"1", "4"} and all(f["ops"] > 0 and f["errors"] == 0 for f in figures.values())
    assert result["floor"]["1101"]["1"]["calls_per_s"] > 0 and "sqlite" in result["goals"]


def test_sandbox_capacity() -> None:
    result = tiny("sandbox")
    for name in ("sandbox_1101", "sandbox_flows"):  # every 1101 answered infcode 0, every flow settled
        assert result[name]["ops"] > 0 and result[name]["errors"] == 0, result[name]
    assert result["floor_1101"]["calls_per_s"] > 0 and result["goals"]["query_floor_ratio"] is not None


def test_runner_writes_both_documents(tmp_path: Path) -> None:
    assert bench.main(["protocol", "--tiny", "--write", "--docs", str(tmp_path)]) == 0
    markdown = (tmp_path / "benchmarks.md").read_text(encoding="utf-8")
    assert "协议核心" in markdown and "本次会话未运行" in markdown  # other parts are marked as not run
    assert '"protocol"' in (tmp_path / "benchmarks.json").read_text(encoding="utf-8")
