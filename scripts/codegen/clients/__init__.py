"""Generators of the other-language clients (clients/<language>/), each from `model.py` alone.

A language module exports `TARGETS: tuple[(path, render), ...]`; `TARGETS` here gathers every such module of
this package, so adding a language is adding its module.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable

Target = tuple[str, Callable[[], str]]


def _targets() -> tuple[Target, ...]:
    found: list[Target] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name == "model":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.extend(getattr(module, "TARGETS", ()))
    return tuple(found)


TARGETS: tuple[Target, ...] = _targets()
