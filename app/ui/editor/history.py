"""Undo/redo for the editor: a bounded stack of graph snapshots, kept on the Python side.

Before every change the editor records the state it is leaving. Changes that arrive in a burst
under the same key (typing in one config field, say) within `merge_s` seconds are one step, so
Ctrl+Z undoes the whole word rather than one letter.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class History(Generic[T]):
    def __init__(
        self,
        limit: int = 200,
        merge_s: float = 1.5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.merge_s = merge_s
        self._clock = clock
        self._undo: list[T] = []
        self._redo: list[T] = []
        self._last_key: str | None = None
        self._last_at = 0.0

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def __len__(self) -> int:
        return len(self._undo)

    def record(self, before: T | Callable[[], T], key: str | None = None) -> bool:
        """Remember `before` (the state about to change); False when merged into the last step.

        `before` may be a function, so a merged change costs no snapshot.
        """
        now = self._clock()
        merge = (
            key is not None
            and key == self._last_key
            and self._undo
            and now - self._last_at <= self.merge_s
        )
        self._last_key, self._last_at = key, now
        self._redo.clear()
        if merge:
            return False
        snapshot = before() if callable(before) else before
        self._undo.append(snapshot)
        if len(self._undo) > self.limit:
            del self._undo[0]
        return True

    def undo(self, current: T) -> T | None:
        """The state to go back to (None if there is none); `current` becomes redoable."""
        if not self._undo:
            return None
        self._redo.append(current)
        self._last_key = None
        return self._undo.pop()

    def redo(self, current: T) -> T | None:
        if not self._redo:
            return None
        self._undo.append(current)
        self._last_key = None
        return self._redo.pop()

    def clear(self) -> None:
        self._undo.clear()
        self._redo.clear()
        self._last_key = None
