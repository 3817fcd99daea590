"""What a JSON document must not hold before Ren reads it further: deep nesting and text that
is not valid Unicode.

A file nested 100,000 deep makes Python's parser (and every recursive walk after it) raise
RecursionError, and a lone surrogate (`"\\ud800"` written as an escape) parses as a `str` that
cannot be encoded as UTF-8, so saving it fails. Both are found here, iteratively, and reported
with where they are.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

MAX_DEPTH = 200  # nesting levels of objects and lists in a workflow document

Loc = tuple[str | int, ...]


def loads(text: str) -> Any:
    """`json.loads`, raising ValueError (not RecursionError) for a document nested too deep."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError(too_deep()) from None


def too_deep() -> str:
    return f"the JSON is nested too deeply (more than {MAX_DEPTH} levels of objects and lists)"


def depth_exceeds(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether objects and lists nest more than `limit` levels deep."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def bad_text(value: Any) -> Iterator[tuple[Loc, str]]:
    """Each string (value or key) that is not valid Unicode, with where it is and a short
    escaped excerpt. The walk is iterative; call it only after `depth_exceeds` said no."""
    stack: list[tuple[Loc, Any]] = [((), value)]
    while stack:
        loc, item = stack.pop()
        if isinstance(item, str):
            if not _encodable(item):
                yield loc, _excerpt(item)
        elif isinstance(item, dict):
            for key, child in reversed(item.items()):
                if isinstance(key, str) and not _encodable(key):
                    yield loc, f"the key {_excerpt(key)}"
                stack.append(((*loc, key), child))
        elif isinstance(item, list | tuple):
            stack.extend(((*loc, i), child) for i, child in reversed(list(enumerate(item))))


def surrogate_message(excerpt: str) -> str:
    return (
        f"{excerpt} holds a lone surrogate (an unpaired \\ud800-\\udfff escape), which is "
        "not valid Unicode; remove it or write the whole character"
    )


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _excerpt(text: str, limit: int = 40) -> str:
    shown = json.dumps(text[:limit])  # ASCII escapes, so the surrogate shows as \ud800
    return shown if len(text) <= limit else shown[:-1] + '…"'
