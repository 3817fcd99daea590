"""Opaque cursors for keyset pages (app.store.paging): the sort key of a page's last row as
URL-safe base64 JSON. A client hands back `next` unchanged to get the following page."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from app.api.v1.errors import invalid


def encode(key: tuple[Any, ...] | None) -> str | None:
    if key is None:
        return None
    raw = json.dumps(list(key), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str | None, shape: tuple[type, ...]) -> tuple[Any, ...] | None:
    """The key a cursor stands for, checked against the types of the list's sort key."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw)
    except (binascii.Error, ValueError):
        raise invalid("query.cursor", "not a cursor this API gave out") from None
    if not isinstance(key, list) or len(key) != len(shape):
        raise invalid("query.cursor", "not a cursor this API gave out")
    for value, kind in zip(key, shape, strict=True):
        ok = isinstance(value, kind) and not isinstance(value, bool)
        if kind is float:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not ok:
            raise invalid("query.cursor", "not a cursor this API gave out")
    return tuple(key)
