"""A bounded store in this process's memory, for values keyed by everything they depend on.

The pages keep a few things per process (an account's contract list, a contract page's
figures) under keys that change whenever what they hold would (the billing generation,
the kept account's version): a key that is no longer asked for is simply never read
again. This store bounds what such keys leave behind: past ``max_items`` (or
``max_bytes`` of kept text), the entries least recently used go first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

from django.core.signals import setting_changed

_stores: list[ProcessStore] = []


class ProcessStore:
    def __init__(self, name: str, *, max_items: int, max_bytes: int | None = None) -> None:
        self.name = name
        self.max_items = max_items
        self.max_bytes = max_bytes
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        _stores.append(self)

    def get(self, key: Hashable) -> Any:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def set(self, key: Hashable, value: Any, size: int = 0) -> None:
        """Keep ``value`` (``size``: its weight against ``max_bytes``, e.g. its length)."""
        if self.max_bytes is not None and size > self.max_bytes // 4:
            return  # one value must not push everything else out
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._items[key] = (value, size)
            self._bytes += size
            while len(self._items) > self.max_items or (
                self.max_bytes is not None and self._bytes > self.max_bytes
            ):
                _, (_, dropped) = self._items.popitem(last=False)
                self._bytes -= dropped

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._items)


def clear_all(**kwargs: object) -> None:
    """Forget everything kept (settings changed in tests; a deploy starts new processes)."""
    for store in _stores:
        store.clear()


setting_changed.connect(clear_all, dispatch_uid="core.kept.clear_all")
