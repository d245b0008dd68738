"""Every `yibao …` command the operator docs show exists: its subcommands are in the `yibao --help` tree and
its `--options` are options of that command.

Checked: docs/troubleshooting/*.md, docs/api/*.md, the other docs/ pages and README.md.  A command starts
with `yibao` (or `.venv/bin/yibao`) at the start of a line or code span and runs to the end of its code span,
table cell or line; `[--dry-run]` counts as `--dry-run`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer.main

from medical_insurance_sdk.cli import app

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted(
    {
        *ROOT.glob("docs/troubleshooting/*.md"),
        *ROOT.glob("docs/api/*.md"),
        *ROOT.glob("docs/**/*.md"),
        ROOT / "README.md",
    }
)
# `yibao` where a command starts: at the start of a line or code span (after `$ ` or `&& `), maybe as
# `.venv/bin/yibao`; not as a word inside another command (`kubectl -n yibao`, `yibao.sqlite3`).  The
# command runs to its code span's end, its table cell's end, a comment or the line's end.
_COMMAND = re.compile(r"(?:^|`|&&|;)[ \t]*(?:\$[ \t]+)?(?:[\w.~/-]*/)?yibao(?![\w.-])([^`|#\n]*)", re.M)


def commands_in(text: str) -> list[list[str]]:
    """The argument words of every `yibao` command in a markdown text."""
    found = []
    for m in _COMMAND.finditer(text):
        words = [w.strip("[]（）()，。、；") for w in m.group(1).split()]
        found.append([w for w in words if w])
    return found


def problem(root: Any, words: list[str]) -> str | None:
    """Why `yibao <words>` is not a command of the tree (None when it is)."""
    command, path = root, ["yibao"]
    rest = list(words)
    while rest and getattr(command, "commands", None) is not None and not rest[0].startswith("-"):
        name = rest.pop(0)
        if name not in command.commands:
            if re.fullmatch(r"[a-z][a-z-]*", name):
                return f"`{' '.join(path)}` has no subcommand {name!r}"
            return None  # prose after a bare group name ("yibao 命令行"), not a command
        command = command.commands[name]
        path.append(name)
    options = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
    options.add("--help")
    for word in rest:
        if word.startswith("--") and word.split("=", 1)[0] not in options:
            return f"`{' '.join(path)}` has no option {word!r} (it has {sorted(options)})"
    return None


def test_the_checker_refuses_what_does_not_exist() -> None:
    root = typer.main.get_command(app)
    assert problem(root, ["compensate", "--institution", "H1"]) is None
    assert problem(root, ["catalog", "sync", "--infno", "1301"]) is None
    assert problem(root, ["catalog", "resync"]) is not None
    assert problem(root, ["reconcile", "--day", "2025-07-14"]) is not None
    assert problem(root, ["ledger", "show"]) is not None
    assert commands_in("run `.venv/bin/yibao validate 2207 x.json` then yibao.sqlite3") == [
        ["validate", "2207", "x.json"]
    ]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_yibao_command_in_the_docs_exists(doc: Path) -> None:
    root = typer.main.get_command(app)
    problems = [
        f"yibao {' '.join(words)}: {why}"
        for words in commands_in(doc.read_text(encoding="utf-8"))
        if (why := problem(root, words)) is not None
    ]
    assert not problems, "\n".join(problems)


def test_the_troubleshooting_cases_show_the_commands_they_promise() -> None:
    text = (ROOT / "docs" / "troubleshooting" / "cases.md").read_text(encoding="utf-8")
    shown = {" ".join(words[:2]) for words in commands_in(text)}
    for needed in ("compensate --institution", "reconcile --date", "catalog sync", "validate 2207"):
        assert needed in shown, needed
