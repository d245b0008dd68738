"""The answer cache of spec §9.2.1: catalog, dictionary and institution queries only.

    cache = AnswerCache(ttl=300)
    if tx.cacheable: hit = cache.get(key)      # the registry declares what may be cached

Person, visit and money data are never cached: a balance or settlement state read from a cache could be
wrong the moment it is shown.  Catalogues and dictionaries change at most daily, institution data rarely.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from medical_insurance_sdk.protocol.jsoncodec import dumps


def cache_key(scope: str, infno: str, input_: Any) -> str:
    return f"{scope}|{infno}|{dumps(input_).decode('utf-8')}"


class AnswerCache:
    """A small thread-safe TTL cache (least recently used entries go first when full)."""

    def __init__(
        self, ttl: float, *, max_entries: int = 512, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self.clock = clock
        self._items: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> Any | None:
        with self._lock:
            item = self._items.get(key)
            if item is None or item[0] <= self.clock():
                self._items.pop(key, None)
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return item[1]

    def put(self, key: str, value: Any) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            self._items[key] = (self.clock() + self.ttl, value)
            self._items.move_to_end(key)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
