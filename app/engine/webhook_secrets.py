"""Each workflow's webhook secret: made when first needed, replaced on demand.

A secret is made the first time a version with a Webhook trigger is published (in the same
transaction as the version) or the first time someone asks for it (the editor's webhook panel,
a delivery to a workflow published before secrets existed). Regenerating replaces it: the old
one is refused from the next request on.
"""

from __future__ import annotations

import secrets
import time

from app.core.dsl import WorkflowSpec
from app.nodes.start import WebhookNode
from app.store import writes
from app.store.store import Store
from app.store.writes import Batch


def new_secret() -> str:
    return secrets.token_urlsafe(24)


def has_webhook(spec: WorkflowSpec) -> bool:
    """Whether the workflow has a Webhook trigger (triggers only count at the top level)."""
    return any(n.type == WebhookNode.type_name and n.parent is None for n in spec.nodes)


def add_first_secret(batch: Batch, workflow_id: str, now: float) -> None:
    """Give the workflow a secret with `batch`, unless it has one already."""
    batch.add(writes.INSERT_WEBHOOK_SECRET, workflow_id, new_secret(), now)


class WebhookSecrets:
    def __init__(self, store: Store) -> None:
        self.store = store

    def get(self, workflow_id: str) -> str:
        """The workflow's secret, made now if it has none (the workflow must exist)."""
        found = self.store.webhook_secret(workflow_id)
        if found is not None:
            return found
        batch = Batch()
        add_first_secret(batch, workflow_id, time.time())
        self.store.write(batch)
        found = self.store.webhook_secret(workflow_id)
        assert found is not None
        return found

    def regenerate(self, workflow_id: str) -> str:
        """Replace the workflow's secret; returns the new one."""
        secret = new_secret()
        batch = Batch()
        batch.add(writes.SET_WEBHOOK_SECRET, workflow_id, secret, time.time())
        self.store.write(batch)
        return secret

    def matches(self, workflow_id: str, given: str) -> bool:
        """Whether `given` is the workflow's secret (in constant time: no timing hints)."""
        return secrets.compare_digest(given.encode(), self.get(workflow_id).encode())
