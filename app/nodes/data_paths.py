"""Dotted field paths (`customer.name`, `lines.0.sku`) and the lists the data nodes work on.

Shared by the data nodes (app/nodes/data_*.py). A missing field is a `DataError` that names
the path, the item and the keys that are there, so a typo is found at once.
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Callable, Hashable, Iterable
from functools import lru_cache
from typing import Any, TypeVar

T = TypeVar("T")

BIG = 5_000  # items (or rows of text) from which a node's work runs on a worker thread


class DataError(ValueError):
    """A data node cannot do what it was asked with this data (the message says where)."""


_MISSING = object()


def kind_of(value: Any) -> str:
    """A value's JSON kind in user words: 'text', 'a number', 'an object', …"""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def path_problem(path: str) -> str | None:
    """Why `path` is not a usable field path, or None."""
    if not path.strip():
        return "the field name is empty"
    if any(not part.strip() for part in path.split(".")):
        return f"'{path}' has an empty part (two dots, or a dot at an end)"
    return None


def paths_problems(name: str, paths: Iterable[str]) -> list[tuple[str, str]]:
    """Config problems for a list of field paths (each bad one, and duplicates)."""
    problems: list[tuple[str, str]] = []
    seen: set[str] = set()
    for index, path in enumerate(paths):
        message = path_problem(path)
        if message:
            problems.append((f"{name}[{index}]", message))
        elif path in seen:
            problems.append((f"{name}[{index}]", f"'{path}' is listed twice"))
        seen.add(path)
    return problems


def _step(value: Any, part: str) -> Any:
    if isinstance(value, dict):
        return value.get(part, _MISSING)
    if isinstance(value, list) and part.lstrip("-").isdigit():
        index = int(part)
        return value[index] if -len(value) <= index < len(value) else _MISSING
    return _MISSING


@lru_cache(maxsize=4096)
def _parts(path: str) -> tuple[str, ...]:
    return tuple(path.split("."))


def lookup(value: Any, path: str) -> tuple[bool, Any]:
    """(found, value at path). An empty path is the value itself."""
    if not path:
        return True, value
    for part in _parts(path):
        value = value.get(part, _MISSING) if isinstance(value, dict) else _step(value, part)
        if value is _MISSING:
            return False, None
    return True, value


def getter(path: str) -> Callable[[Any], tuple[bool, Any]]:
    """`lookup` for one path over many items: a plain field of an object is read directly."""
    parts = _parts(path) if path else ()
    if len(parts) != 1:
        return lambda value: lookup(value, path)
    part = parts[0]

    def get(value: Any) -> tuple[bool, Any]:
        if type(value) is dict:
            found = value.get(part, _MISSING)
            return (False, None) if found is _MISSING else (True, found)
        return lookup(value, path)

    return get


def identity(value: Any) -> Hashable:
    """A key equal for equal JSON values and different across kinds (1, 1.0, true and "1"
    differ); objects compare whatever their key order."""
    if value is None or isinstance(value, str | bool | int | float):
        return (type(value), value)
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _keys_hint(value: Any) -> str:
    if isinstance(value, dict):
        keys = list(value)
        shown = ", ".join(keys[:12]) + (", …" if len(keys) > 12 else "")
        return f" (it has: {shown})" if keys else " (it is empty)"
    return f" (it is {kind_of(value)})"


def get_path(value: Any, path: str, where: str) -> Any:
    """The value at `path`; DataError naming the first missing part and `where` (e.g. 'item 3')."""
    if not path:
        return value
    current = value
    walked: list[str] = []
    for part in path.split("."):
        found = _step(current, part)
        if found is _MISSING:
            at = ".".join(walked) or where
            raise DataError(
                f"{where} has no field '{path}': no '{part}' in {at}{_keys_hint(current)}"
            )
        walked.append(part)
        current = found
    return current


def set_path(target: dict[str, Any], path: str, value: Any) -> None:
    """Set `path` in `target`, creating objects on the way (a non-object on the way is replaced)."""
    parts = path.split(".")
    current = target
    for part in parts[:-1]:
        child = current.get(part)
        if not isinstance(child, dict):
            child = {}
            current[part] = child
        current = child
    current[parts[-1]] = value


def pop_path(target: dict[str, Any], path: str) -> tuple[bool, Any]:
    """Remove `path` from `target` (objects only); (found, the value it held)."""
    parts = path.split(".")
    current: Any = target
    for part in parts[:-1]:
        current = current.get(part) if isinstance(current, dict) else None
    if isinstance(current, dict) and parts[-1] in current:
        return True, current.pop(parts[-1])
    return False, None


def require_somewhere(items: list[Any], paths: Iterable[str]) -> None:
    """A field no item of a non-empty list has is surely a typo: DataError naming it."""
    if not items:
        return
    for path in paths:
        get = getter(path)
        if path and not any(get(item)[0] for item in items):
            raise DataError(f"no item has the field '{path}'; the first{_keys_hint(items[0])}")


def copied(value: Any) -> Any:
    """A deep copy: other steps' outputs are shared, a node must never change them."""
    return copy.deepcopy(value)


def list_at(input: Any, field: str) -> list[Any]:
    """The list a list node works on: at `field`, or (field empty) the input itself when it is
    a list, or its `items` when it is an object holding a list there (a filter's output)."""
    if field:
        value = get_path(input, field, "the input")
        if not isinstance(value, list):
            raise DataError(f"the field '{field}' is {kind_of(value)}, not a list")
        return value
    if isinstance(input, list):
        return input
    if isinstance(input, dict) and isinstance(input.get("items"), list):
        return list(input["items"])
    raise DataError(
        f"the input is {kind_of(input)}, not a list: set 'field' to the list to use"
        f"{_keys_hint(input) if isinstance(input, dict) else ''}"
    )


def object_or_list_at(input: Any, field: str) -> tuple[bool, Any]:
    """What an item-wise node works on: (True, list) to treat each item, (False, object)."""
    value = get_path(input, field, "the input") if field else input
    if isinstance(value, list):
        return True, value
    if isinstance(value, dict):
        return False, value
    name = f"the field '{field}'" if field else "the input"
    raise DataError(f"{name} is {kind_of(value)}, not an object or a list of objects")


def items_result(items: list[Any], **extra: Any) -> dict[str, Any]:
    """What a list node outputs: the items and their count (and any other counts)."""
    return {"items": items, "count": len(items), **extra}


async def off_loop_if_big(size: int, work: Callable[[], T]) -> T:
    """`work()` here when `size` is small; on a worker thread when big, so the event loop
    (the app's pages, other runs) is not held while 100,000 rows are sorted."""
    if size < BIG:
        return work()
    return await asyncio.to_thread(work)
