"""Rows read on the writer connection, as dicts with their JSON columns decoded.

The engine reads its own bookkeeping (runs, waits, timers, tasks, schedules) on the connection
it writes with, so it always sees what it just committed. The named reads built on this are in
the query modules next to it (runs, waits, timers, tasks, schedules); `Store` combines them.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

JSON_COLUMNS = frozenset(
    {
        "input",
        "output",
        "error",
        "result",
        "form",
        "outcomes",
        "values",
        "data",
        "ports",
        "overrides",
        "definition",
        "draft",
    }
)


class RowReader:
    """`row` and `rows` on the writer connection (set by `Store`)."""

    _conn: sqlite3.Connection

    def row(self, sql: str, *params: Any) -> dict[str, Any] | None:
        """One row as a dict (JSON columns decoded), or None."""
        cursor = self._conn.execute(sql, params)
        found = cursor.fetchone()
        if found is None:
            return None
        names = [d[0] for d in cursor.description]
        return {n: decode(n, v) for n, v in zip(names, found, strict=True)}

    def rows(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        """Every row as a dict (JSON columns decoded)."""
        cursor = self._conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [
            {n: decode(n, v) for n, v in zip(names, found, strict=True)}
            for found in cursor.fetchall()
        ]

    def ids(self, sql: str, *params: Any) -> list[str]:
        """The first column of every row, as text (for queries that select ids)."""
        return [str(found[0]) for found in self._conn.execute(sql, params)]


def decode(name: str, value: Any) -> Any:
    """A column's value as Python: JSON columns are parsed."""
    if name in JSON_COLUMNS and isinstance(value, str):
        return json.loads(value)
    return value
