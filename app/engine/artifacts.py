"""Artifacts: files that steps produce (downloads, reports, exports), kept with their run.

A file is written atomically to `<data folder>/artifacts/<run_id>/<id>-<safe name>` as soon as
the step saves it; its row (name, media type, size, SHA-256, path) is added to the batch that
records the step (app.engine.steps / runner), so a step that never got recorded leaves no row.
A step interrupted before it is recorded (pause, cancel, a wait) has its files removed at once;
only a crash between the write and the step's commit can leave a file without a row, and
`sweep_orphans` removes those at start.
"""

from __future__ import annotations

import mimetypes
import re
import shutil
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from app.core.atomic_write import write_atomically
from app.core.ids import new_id
from app.nodes.context import ArtifactData, ArtifactNotFound
from app.store.artifacts import ArtifactRow, get_artifact, run_artifacts
from app.store.schema import Artifact
from app.store.store import Store

FOLDER = "artifacts"
FILE_MODE = 0o600
FOLDER_MODE = 0o700
NAME_LIMIT = 120  # characters of the name kept in the file's name on disk
DEFAULT_MEDIA_TYPE = "application/octet-stream"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(name: str) -> str:
    """A file-name version of an artifact's name: no folders, no odd characters, not hidden,
    the extension kept when it has to be shortened."""
    base = _UNSAFE.sub("_", name.replace("\\", "/").rsplit("/", 1)[-1]).lstrip(".")
    if len(base) > NAME_LIMIT:
        stem, dot, ext = base.rpartition(".")
        base = base[:NAME_LIMIT] if not dot or len(ext) > 10 else f"{stem[:100]}.{ext}"
    return base or "file"


def media_type_for(name: str, given: str | None) -> str:
    if given:
        if "/" not in given or any(c.isspace() for c in given):
            raise ValueError(f"artifact '{name}': '{given}' is not a media type (like text/csv)")
        return given
    return mimetypes.guess_type(name, strict=False)[0] or DEFAULT_MEDIA_TYPE


class Artifacts:
    """A data folder's artifacts: what the run page lists and the download route serves."""

    def __init__(self, store: Store, data_root: Path) -> None:
        self.store = store
        self.data_root = data_root
        self.root = data_root / FOLDER

    def of_run(self, run_id: str) -> list[Artifact]:
        with self.store.session() as session:
            return list(run_artifacts(session, run_id))

    def get(self, artifact_id: str) -> Artifact | None:
        with self.store.session() as session:
            return get_artifact(session, artifact_id)

    def file(self, artifact_id: str) -> tuple[Artifact, Path]:
        """An artifact and its file; ArtifactNotFound when either is gone."""
        artifact = self.get(artifact_id)
        if artifact is None:
            raise ArtifactNotFound(f"no artifact '{artifact_id}'")
        path = self.path_of(artifact)
        if not path.is_file():
            raise ArtifactNotFound(f"the file of artifact '{artifact_id}' is missing: {path}")
        return artifact, path

    def path_of(self, artifact: Artifact) -> Path:
        path = (self.data_root / artifact.path).resolve()
        if not path.is_relative_to(self.root.resolve()):  # a row must not point elsewhere
            raise ArtifactNotFound(f"artifact '{artifact.id}' has a path outside the data folder")
        return path

    def for_run(self, run_id: str) -> RunArtifacts:
        return RunArtifacts(self, run_id)

    def remove_files(self, run_ids: Iterable[str]) -> None:
        """Delete the runs' artifact folders (after their rows were deleted)."""
        for run_id in run_ids:
            shutil.rmtree(self.root / safe_name(run_id), ignore_errors=True)

    def sweep_orphans(self, run_ids: Iterable[str]) -> int:
        """Remove the runs' files no row names: a crash came between a file's write and its
        step's commit (the step runs again). Call with the runs about to resume, before they
        do (only a run that was running can have such files). Returns the files removed."""
        removed = 0
        for run_id in run_ids:
            folder = self.root / safe_name(run_id)
            if not folder.is_dir():
                continue
            known = {Path(a.path).name for a in self.of_run(run_id)}
            for file in folder.iterdir():
                if file.name not in known:
                    file.unlink(missing_ok=True)
                    removed += 1
            if not any(folder.iterdir()):
                folder.rmdir()
        return removed


class RunArtifacts:
    """One run's artifacts while it runs: hands each step its sink and remembers what the
    run saved (a later step in a loop item may read one before its step row is committed)."""

    def __init__(self, artifacts: Artifacts, run_id: str) -> None:
        self.artifacts = artifacts
        self.run_id = run_id
        self.saved: dict[str, Path] = {}

    @classmethod
    def of(cls, store: Store, run_id: str) -> RunArtifacts:
        """For a store whose data folder holds its database file."""
        return cls(Artifacts(store, store.db_path.parent), run_id)

    @property
    def folder(self) -> Path:
        return self.artifacts.root / safe_name(self.run_id)

    def for_step(self, node_key: str, attempt: int) -> StepArtifacts:
        return StepArtifacts(self, node_key, attempt)


class StepArtifacts:
    """The sink behind one step's `ctx.save_artifact` / `ctx.artifact_path`."""

    def __init__(self, run: RunArtifacts, node_key: str, attempt: int) -> None:
        self.run = run
        self.node_key = node_key
        self.attempt = attempt
        self.rows: list[ArtifactRow] = []

    def save(self, name: str, data: ArtifactData, media_type: str | None) -> dict[str, Any]:
        if not isinstance(name, str) or not name.strip():
            raise ValueError("an artifact needs a name (a non-empty text)")
        media = media_type_for(name, media_type)
        artifact_id = new_id()
        folder = self.run.folder
        folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
        target = folder / f"{artifact_id}-{safe_name(name)}"
        written = write_atomically(target, data, mode=FILE_MODE)
        relative = target.relative_to(self.run.artifacts.data_root).as_posix()
        self.rows.append(
            (
                artifact_id,
                self.run.run_id,
                self.node_key,
                self.attempt,
                name,
                media,
                written.size,
                written.sha256,
                relative,
                time.time(),
            )
        )
        self.run.saved[artifact_id] = target
        return {
            "artifact_id": artifact_id,
            "name": name,
            "media_type": media,
            "size": written.size,
            "sha256": written.sha256,
        }

    def path(self, artifact_id: str) -> Path:
        known = self.run.saved.get(artifact_id)
        if known is not None and known.is_file():
            return known
        return self.run.artifacts.file(artifact_id)[1]

    def take(self) -> tuple[ArtifactRow, ...]:
        """The rows to record with the step (once: a later call returns none)."""
        rows, self.rows = tuple(self.rows), []
        return rows

    def discard(self) -> None:
        """The step will not be recorded (paused, canceled, waiting): drop its files."""
        for row in self.take():
            self.run.saved.pop(row[0], None)
            (self.run.artifacts.data_root / row[8]).unlink(missing_ok=True)


def settle_artifacts(sink: object, status: str) -> tuple[ArtifactRow, ...]:
    """After a step's attempt: the rows to record with it, or (when the attempt will not be
    recorded: paused, canceled, waiting, blocked) none, its files removed."""
    if not isinstance(sink, StepArtifacts):
        return ()
    if status in ("succeeded", "failed"):
        return sink.take()
    sink.discard()
    return ()
