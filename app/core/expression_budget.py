"""The work budget of one evaluation: steps counted, and the size of what it builds.

Every syntax node an expression evaluates costs one step (about a microsecond), and every
operation that touches a lot of data costs more: copying or scanning items, building text,
multiplying big numbers. Past `MAX_STEPS` the evaluation stops with an ExpressionError, so no
expression holds the event loop for more than a few milliseconds, however it nests.

Sizes: every list or object an expression builds is weighed (items and characters, counting
nested ones, and shared parts once for each place they appear, as they would be written out
as JSON) and must stay under `MAX_SIZE`; weights are remembered per object, so weighing a
new container costs only its own length.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import chain
from math import log2
from typing import Any

from app.core.expression_limits import MAX_SIZE, MAX_STEPS, ExpressionError

__all__ = ["CHARS_PER_STEP", "ITEMS_PER_STEP", "WALK_PER_STEP", "Budget"]

ITEMS_PER_STEP = 16  # items copied, scanned or compared in C for one step (up to ~60 ns each)
CHARS_PER_STEP = 256  # characters built for one step (keeps memory in check, 4 bytes each)
WALK_PER_STEP = 4  # items weighed in Python for one step (~100 ns each)
SCAN_PER_STEP = 8  # items whose kinds are checked in C for one step (~30 ns each, more in dicts)

_CONTAINERS = (list, tuple, dict, set, frozenset)
_FLOATS = frozenset({float, bool, type(None)})
_INTS = frozenset({int, bool})


class Budget:
    """What one evaluation (or one config rendering) may still do."""

    __slots__ = ("_weights", "left", "limit")

    def __init__(self, steps: int = MAX_STEPS) -> None:
        self.limit = steps
        self.left = steps
        # id -> (the object, kept alive so its id is not reused; its weight)
        self._weights: dict[int, tuple[Any, int]] = {}

    def exhausted(self) -> ExpressionError:
        return ExpressionError(
            f"expression used more than {self.limit:,} steps (limit); it does too much work"
        )

    def charge(self, steps: int) -> None:
        self.left -= steps
        if self.left < 0:
            raise self.exhausted()

    def charge_items(self, count: int) -> None:
        self.charge(count // ITEMS_PER_STEP)

    def charge_sort(self, count: int) -> None:
        self.charge(int(count * max(1.0, log2(count or 1))) // ITEMS_PER_STEP)

    def charge_text(self, text: str) -> None:
        self.charge(len(text) // CHARS_PER_STEP)

    def charge_value(self, value: Any) -> None:
        """The cost of scanning `value` once in C: its length, or its digits."""
        if isinstance(value, str):
            self.charge(len(value) // CHARS_PER_STEP)
        elif isinstance(value, _CONTAINERS):
            self.charge(len(value) // ITEMS_PER_STEP)
        elif isinstance(value, int):
            self.charge(value.bit_length() // 64)  # big numbers: ~1 step per machine word

    def weigh(self, value: Any) -> int:
        """Items and characters in `value` as written out, nested ones included."""
        kind = type(value)
        if kind is str:
            return len(value) + 1
        if kind is int:
            return 1 + int(value.bit_length()) // 4
        if kind not in _CONTAINERS:
            return 1
        known = self._weights.get(id(value))
        if known is not None:
            return known[1]
        return self._walk(value)

    def _walk(self, root: Any) -> int:
        # Depth first without recursion (data from a run can nest deeper than the stack).
        # A container is summed once all its children are known; a child not yet weighed
        # goes on the stack and its parent is scanned again later (at most twice).
        weights = self._weights
        stack = [root]
        while stack:
            value = stack[-1]
            if id(value) in weights:
                stack.pop()
                continue
            self.charge(4 + len(value) // SCAN_PER_STEP)  # before each scan: O(len)
            items = list(chain(value, value.values())) if isinstance(value, Mapping) else value
            total, complete = _flat_weight(items), True
            if total is None:
                self.charge(len(items) // WALK_PER_STEP)
                total, complete = self._scan(items, stack)
            if complete:
                weights[id(value)] = (value, min(total, MAX_SIZE + 1))
                stack.pop()
        return weights[id(root)][1]

    def _scan(self, items: Any, stack: list[Any]) -> tuple[int, bool]:
        """Sum nested or mixed items; children not weighed yet go on `stack` (incomplete)."""
        weights = self._weights
        total, complete = 1, True
        for item in items:  # the hot loop of weighing: the common kinds inline
            kind = type(item)
            if kind is str:
                total += len(item) + 1
            elif kind in _CONTAINERS:
                known = weights.get(id(item))
                if known is None:
                    stack.append(item)
                    complete = False
                else:
                    total += known[1]
            elif kind is int:
                total += 1 + item.bit_length() // 4
            else:
                total += 1
        return total, complete

    def known_weight(self, value: Any) -> int | None:
        """The weight of a container already weighed (e.g. built by the expression)."""
        known = self._weights.get(id(value))
        return None if known is None else known[1]

    def remember(self, value: Any, weight: int) -> None:
        """Record the weight of a container computed from its parts (e.g. `a + b`)."""
        self._weights[id(value)] = (value, min(weight, MAX_SIZE + 1))

    def check(self, value: Any, what: str) -> Any:
        """Refuse a list or object the expression built if it holds too much."""
        weight = self.weigh(value)
        if weight > MAX_SIZE:
            raise ExpressionError(
                f"{what} would be too large (more than {MAX_SIZE:,} items and characters,"
                " counting nested ones)"
            )
        return value


def _flat_weight(items: Any) -> int | None:
    """The weight of a list of only text, only whole numbers or only other scalars, in C."""
    kinds = set(map(type, items))
    if kinds <= _FLOATS:
        return 1 + len(items)
    if kinds == {str}:
        return 1 + len(items) + sum(map(len, items))
    if kinds <= _INTS:
        return 1 + len(items) + sum(map(int.bit_length, items)) // 4
    return None
