#!/usr/bin/env python3
"""Write every file derived from the registry; `--check` fails when any of them drifted.

    python scripts/generate.py           # (re)write the derived files
    python scripts/generate.py --check   # CI: exit 1 and name the stale files

Each target is (path, render function).  Generated files start with a header that names this script, and
nobody edits them by hand: change the registry, then run this script.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "src"))

from codegen import api_docs, clients, docs, openapi, sdk, troubleshooting  # noqa: E402

Target = tuple[str, Callable[[], str]]

TARGETS: tuple[Target, ...] = (
    ("docs/interfaces.md", docs.render_interfaces),
    *sdk.TARGETS,
    *api_docs.TARGETS,
    *troubleshooting.TARGETS,
    *openapi.TARGETS,
    *clients.TARGETS,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="report drift instead of writing")
    args = parser.parse_args(argv)
    stale: list[str] = []
    for rel, render in TARGETS:
        path = ROOT / rel
        text = render()
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        if args.check:
            stale.append(rel)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {rel}")
    if stale:
        print(f"generated files out of date (run `make generate`): {', '.join(stale)}")
        return 1
    if args.check:
        print(f"{len(TARGETS)} generated file(s) up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
