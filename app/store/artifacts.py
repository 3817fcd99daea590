"""The artifact table: the statement that records one, and the reads of the run page.

Reads go through a SQLModel session (any thread may ask: a step looks up an artifact from a
worker thread, the download route from the server's loop)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlmodel import Session, col, select

from app.store.schema import Artifact
from app.store.writes import Batch

INSERT_ARTIFACT = (
    "INSERT INTO artifact (id, run_id, node_key, attempt, name, media_type, size, sha256, path,"
    " created_at) VALUES (?,?,?,?,?,?,?,?,?,?)"
)

ArtifactRow = tuple[str, str, str, int, str, str, int, str, str, float]


def record(batch: Batch, rows: Iterable[ArtifactRow]) -> None:
    """Add artifact rows to the batch that records their step."""
    for row in rows:
        batch.add(INSERT_ARTIFACT, *row)


def run_artifacts(session: Session, run_id: str) -> Sequence[Artifact]:
    """A run's artifacts, oldest first."""
    query = (
        select(Artifact)
        .where(Artifact.run_id == run_id)
        .order_by(col(Artifact.created_at), col(Artifact.id))
    )
    return session.exec(query).all()


def get_artifact(session: Session, artifact_id: str) -> Artifact | None:
    return session.get(Artifact, artifact_id)


def describe(artifact: Artifact) -> dict[str, Any]:
    """What a step's output (or an API answer) says about an artifact."""
    return {
        "artifact_id": artifact.id,
        "name": artifact.name,
        "media_type": artifact.media_type,
        "size": artifact.size,
        "sha256": artifact.sha256,
    }
