"""The step context a node (or a registered function that asks for `ctx`) receives.

It carries the step's identity (and so its idempotency key), lets long work report progress
and log lines, and tells at safe points whether the operator asked to pause or cancel.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

from app.core.expressions import expression_scope
from app.credentials.kinds import Credential
from app.store.kv import KeyValueReader


class StepInterrupted(Exception):
    """Raised by `ctx.checkpoint()` when the run was asked to pause or cancel."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"step interrupted: {reason}")


@dataclass
class RunControl:
    """Flags the engine sets on a live run; read by steps at their safe points."""

    pause_requested: bool = False
    cancel_requested: bool = False


# emit(event_type, data) records an event for this step; safe to call from any thread.
Emit = Callable[[str, dict[str, Any]], None]

# What an artifact can be made from: bytes, a file to copy, or chunks of bytes (a download).
ArtifactData = bytes | bytearray | memoryview | Path | Iterable[bytes]


class ArtifactNotFound(LookupError):
    """`ctx.artifact_path` was given an id that names no artifact."""


class ArtifactSink(Protocol):
    """Where a step's files go (the engine's is app.engine.artifacts.StepArtifacts)."""

    def save(self, name: str, data: ArtifactData, media_type: str | None) -> dict[str, Any]: ...

    def path(self, artifact_id: str) -> Path: ...


@dataclass
class StepContext:
    run_id: str
    node_id: str
    node_key: str
    attempt: int
    params: Mapping[str, Any]
    run_info: Mapping[str, Any]
    nodes_source: Callable[[], Mapping[str, Any]]  # built only if the step looks at it
    upstream: Mapping[str, Any]
    control: RunControl
    emit: Emit
    data_dir: Path
    loop_vars: Mapping[str, Any] = field(default_factory=dict)
    used_secrets: set[str] = field(default_factory=set)  # values of credentials it used
    kv: KeyValueReader | None = None  # the storage node's reads (app.store.kv)
    artifacts: ArtifactSink | None = None

    @cached_property
    def nodes(self) -> Mapping[str, Any]:
        """Outputs of the completed nodes, by node id (this loop item's own nodes included)."""
        return self.nodes_source()

    @property
    def idempotency_key(self) -> str:
        """`run:node_key:attempt` — hand it to anything with side effects."""
        return f"{self.run_id}:{self.node_key}:{self.attempt}"

    @property
    def pause_requested(self) -> bool:
        return self.control.pause_requested

    @property
    def cancel_requested(self) -> bool:
        return self.control.cancel_requested

    def checkpoint(self) -> None:
        """A safe point: stop here if the run was asked to pause or cancel."""
        if self.control.cancel_requested:
            raise StepInterrupted("cancel")
        if self.control.pause_requested:
            raise StepInterrupted("pause")

    def log(self, message: str, level: str = "info", **data: Any) -> None:
        self.emit("log", {"level": level, "message": str(message), **data})

    def progress(self, done: float, total: float | None = None, message: str = "") -> None:
        self.emit("progress", {"done": done, "total": total, "message": message})

    def save_artifact(
        self, name: str, data: ArtifactData, media_type: str | None = None
    ) -> dict[str, Any]:
        """Keep a file this step produced with the run (shown and downloadable on its page).

        Returns {"artifact_id", "name", "media_type", "size", "sha256"}: small enough for the
        step's output. Blocking (it writes the file): from async code, big data goes through
        `await asyncio.to_thread(ctx.save_artifact, ...)`.
        """
        if self.artifacts is None:
            raise RuntimeError("this step cannot save artifacts (no run to keep them with)")
        return self.artifacts.save(name, data, media_type)

    def artifact_path(self, artifact_id: str) -> Path:
        """The file of an artifact (saved by this run or another); ArtifactNotFound if none."""
        if self.artifacts is None:
            raise ArtifactNotFound(f"no artifact '{artifact_id}'")
        return self.artifacts.path(artifact_id)

    def credential(self, name: str) -> Credential:
        """The credential `name` of this data folder, decrypted (CredentialError if missing).
        Its values are masked in this step's errors, logs and output (see `used_secrets`)."""
        from app.credentials.vault import folder_vault

        found = folder_vault(self.data_dir.parent.parent).get(name)  # data_dir: <root>/runs/<id>
        self.used_secrets.update(found.secrets)
        return found

    def scope(self, input: Any) -> dict[str, Any]:
        """What an expression in this step can see."""
        return expression_scope(
            input=input,
            nodes=self.nodes,
            params=self.params,
            run=self.run_info,
            extra=self.loop_vars or None,
        )
