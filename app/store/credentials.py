"""The credentials table: every statement that reads or writes it (app.credentials.vault)."""

from __future__ import annotations

import json
from typing import Any

from app.store.store import Store
from app.store.writes import Batch

UPSERT = (
    "INSERT INTO credentials (name, kind, secret, fields, created_at, updated_at)"
    " VALUES (?,?,?,?,?,?) ON CONFLICT(name) DO UPDATE SET kind=excluded.kind,"
    " secret=excluded.secret, fields=excluded.fields, updated_at=excluded.updated_at"
)


def save(
    store: Store, name: str, kind: str, token: bytes, fields: dict[str, Any], at: float
) -> None:
    batch = Batch()
    batch.add(UPSERT, name, kind, token, json.dumps(fields), at, at)
    store.write(batch)


def delete(store: Store, name: str) -> bool:
    if find(store, name) is None:
        return False
    store.write_raw("DELETE FROM credentials WHERE name=?", name)
    return True


def find(store: Store, name: str) -> dict[str, Any] | None:
    row = store.row(
        "SELECT name, kind, secret, fields, created_at, updated_at FROM credentials WHERE name=?",
        name,
    )
    return None if row is None else _decoded(row)


def all_rows(store: Store) -> list[dict[str, Any]]:
    rows = store.rows(
        "SELECT name, kind, secret, fields, created_at, updated_at FROM credentials ORDER BY name"
    )
    return [_decoded(row) for row in rows]


def kinds(store: Store) -> dict[str, str]:
    """Every credential's kind, by name (no secret is read)."""
    return {r["name"]: r["kind"] for r in store.rows("SELECT name, kind FROM credentials")}


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    fields = row.get("fields")
    return {**row, "fields": json.loads(fields) if isinstance(fields, str) else fields or {}}
