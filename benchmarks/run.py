"""The benchmark runner: one subcommand per item of issue 9, `all`, and `proofs` (items 5–7).

    .venv/bin/python benchmarks/run.py all                 # everything; writes docs/benchmarks.{md,json}
    .venv/bin/python benchmarks/run.py e2e --runs 3        # one part; its figures replace that part's
    .venv/bin/python benchmarks/run.py proofs --quick      # CI: reduced soak, crash, fuzz; one line each
    .venv/bin/python benchmarks/run.py render              # the Markdown again from the JSON

Parts: protocol (1), e2e (2), catalog (3), concurrency (4), soak (5), crash (6), fuzz (7), and universal
(the universal-query benchmark, when benchmarks/universal_query.py exists), capacity (issue 16: `yibao run`
against the null bureau, with wrk) and sandbox (issue 16: the sandbox bureau's own calls/s and flows/s).
Sizes: the issue's by default,
`--quick` the CI sizes, `--tiny` a smoke size (tests).  The exit code is non-zero when a proof (5–7) finds
a violation; goals of items 1–4 are reported in the documents, they do not fail the run.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling modules, whatever the cwd

from _common import DOCS, HERE, write_results

PARTS = (
    "protocol",
    "e2e",
    "catalog",
    "concurrency",
    "soak",
    "crash",
    "fuzz",
    "universal",
    "capacity",
    "sandbox",
)
PROOFS = ("soak", "crash", "fuzz")

# size → part → keyword arguments of that part's run()
SIZES: dict[str, dict[str, dict[str, Any]]] = {
    "full": {
        "protocol": {"runs": 7, "iterations": 3000},
        "e2e": {"runs": 3, "scale": 1.0},
        "catalog": {"sizes": (100_000, 10_000_000), "runs": 1},  # issue 16: 10M rows, RSS ≤ 1.2 × 100k
        "concurrency": {"connections": 500, "requests": 3},
        "soak": {"flows": 2000, "concurrency": 16},
        "crash": {"operations": 1000, "concurrency": 16},
        "fuzz": {"max_examples": 15, "phases": "examples,fuzzing"},
        "capacity": {"duration_s": 10.0},
        "sandbox": {"duration_s": 10.0},
    },
    "quick": {
        "protocol": {"runs": 3, "iterations": 500},
        "e2e": {"runs": 1, "scale": 0.25, "backends": ("sqlite",)},
        "catalog": {"sizes": (10_000, 100_000), "runs": 1},
        "concurrency": {"connections": 100, "requests": 2},
        "soak": {"flows": 200, "concurrency": 16},
        "crash": {"operations": 300, "concurrency": 16},
        "fuzz": {"max_examples": 3, "phases": "fuzzing"},
        "capacity": {"duration_s": 2.0, "backends": ("sqlite",)},
        "sandbox": {"duration_s": 2.0},
    },
    "tiny": {
        "protocol": {"runs": 1, "iterations": 20},
        "e2e": {"runs": 1, "scale": 0.05, "backends": ("sqlite",), "concurrencies": (1, 4)},
        "catalog": {"sizes": (200, 400), "runs": 1},
        "concurrency": {"connections": 10, "requests": 1},
        "soak": {"flows": 6, "concurrency": 3},
        "crash": {"operations": 40, "concurrency": 2},
        "fuzz": {"max_examples": 1, "phases": "fuzzing", "path_regex": "basic/person-info"},
        "capacity": {
            "duration_s": 1.0,
            "backends": ("sqlite",),
            "workloads": ("1101",),
            "concurrencies": (1, 4),
        },
        "sandbox": {"duration_s": 1.0, "concurrency": 4, "flow_concurrency": 2},
    },
}


def _universal(**_: Any) -> dict[str, Any]:
    """Run the universal-query benchmark (another module's script) and keep what it prints."""
    script = HERE / "universal_query.py"
    if not script.exists():
        return {"not_run": "benchmarks/universal_query.py does not exist yet"}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=3600)
    try:
        printed: Any = json.loads(done.stdout)
    except ValueError:
        printed = done.stdout.strip().splitlines()[-20:]
    return {"exit_code": done.returncode, "output": printed}


def runner(part: str) -> Callable[..., dict[str, Any]]:
    """The run() of a part (imported late: a part's dependencies load only when it runs)."""
    if part == "universal":
        return _universal
    module = {
        "protocol": "protocol_cpu",
        "e2e": "end_to_end",
        "catalog": "catalog_import",
        "concurrency": "concurrency",
        "soak": "fault_soak",
        "crash": "crash",
        "fuzz": "fuzz",
        "capacity": "capacity",
        "sandbox": "sandbox_capacity",
    }[part]
    loaded = __import__(module)
    function: Callable[..., dict[str, Any]] = loaded.run
    return function


def summary_line(part: str, result: dict[str, Any]) -> str:
    if part in PROOFS:
        module = {"soak": "fault_soak", "crash": "crash", "fuzz": "fuzz"}[part]
        line: str = __import__(module).summary(result)
        return line
    return f"{part}: done ({result.get('seconds_total', '?')} s)"


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", nargs="+", choices=(*PARTS, "all", "proofs", "render"))
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="CI sizes (soak 200 flows, crash 300 operations)")
    size.add_argument("--tiny", action="store_true", help="smoke sizes (tests)")
    parser.add_argument("--write", action="store_true", help="write docs/ even with --quick or --tiny")
    parser.add_argument("--no-write", action="store_true", help="print only, do not touch docs/")
    parser.add_argument("--docs", type=Path, default=DOCS, help="where benchmarks.md/.json go")
    parser.add_argument("--runs", type=int, help="runs per figure (protocol, e2e, catalog)")
    parser.add_argument("--flows", type=int, help="soak: number of flows")
    parser.add_argument("--operations", type=int, help="crash: number of operations")
    parser.add_argument("--sizes", type=int, nargs=2, help="catalog: the two row counts")
    parser.add_argument(
        "--backends", nargs="+", choices=("sqlite", "postgresql"), help="e2e, capacity: databases"
    )
    parser.add_argument("--max-examples", type=int, help="fuzz: examples per route")
    parser.add_argument(
        "--baseline-src",
        type=Path,
        help="capacity: another version's src folder measured in the same run (git archive HEAD src)",
    )
    return parser.parse_args(argv)


def options(args: argparse.Namespace, part: str) -> dict[str, Any]:
    size = "tiny" if args.tiny else "quick" if args.quick else "full"
    kw = dict(SIZES[size].get(part, {}))
    if args.runs and part in ("protocol", "e2e", "catalog"):
        kw["runs"] = args.runs
    overrides = {
        "soak": ("flows", args.flows),
        "crash": ("operations", args.operations),
        "catalog": ("sizes", tuple(args.sizes) if args.sizes else None),
        "e2e": ("backends", tuple(args.backends) if args.backends else None),
        "capacity": ("backends", tuple(args.backends) if args.backends else None),
        "fuzz": ("max_examples", args.max_examples),
    }
    if part in overrides and overrides[part][1] is not None:
        name, value = overrides[part]
        kw[name] = value
    if part == "capacity" and args.baseline_src:
        kw["baseline_src"] = str(args.baseline_src)  # JSON in the results
    return kw


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.part == ["render"]:  # docs/benchmarks.md again from docs/benchmarks.json, nothing measured
        write_results({}, command="", docs=args.docs)
        return 0
    named = {"all": PARTS, "proofs": PROOFS}
    parts = [part for name in args.part for part in named.get(name, (name,))]
    write = (args.write or not (args.quick or args.tiny)) and not args.no_write
    command = (
        "make bench"
        if args.part == ["all"] and not (args.quick or args.tiny)
        else shlex.join(
            [".venv/bin/python", "benchmarks/run.py", *(argv if argv is not None else sys.argv[1:])]
        )
    )
    results: dict[str, Any] = {}
    failed = False
    for part in parts:
        kw = options(args, part)
        began = time.perf_counter()
        result = runner(part)(**kw)
        result["seconds_total"] = round(time.perf_counter() - began, 1)
        result["options"] = {k: list(v) if isinstance(v, tuple) else v for k, v in kw.items()}
        results[part] = result
        print(summary_line(part, result), flush=True)
        if part in PROOFS and not result.get("ok"):
            failed = True
        if write:  # after each part, so that a long run keeps what it measured so far
            write_results({part: result}, command=command, docs=args.docs)
    if not write:
        print(json.dumps(results, ensure_ascii=False, indent=2, default=str), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
