"""Reads of webhook secrets on the writer connection (a regenerated secret counts at once)."""

from __future__ import annotations

from app.store.rows import RowReader


class WebhookQueries(RowReader):
    def webhook_secret(self, workflow_id: str) -> str | None:
        """The workflow's webhook secret, or None before one was made."""
        found = self._conn.execute(
            "SELECT secret FROM webhook_secret WHERE workflow_id=?", (workflow_id,)
        ).fetchone()
        return None if found is None else str(found[0])
