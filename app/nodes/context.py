"""The step context a node (or a registered function that asks for `ctx`) receives.

It carries the step's identity (and so its idempotency key), lets long work report progress
and log lines, and tells at safe points whether the operator asked to pause or cancel.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from app.core.expressions import expression_scope
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
    kv: KeyValueReader | None = None  # the storage node's reads (app.store.kv)

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

    def scope(self, input: Any) -> dict[str, Any]:
        """What an expression in this step can see."""
        return expression_scope(
            input=input,
            nodes=self.nodes,
            params=self.params,
            run=self.run_info,
            extra=self.loop_vars or None,
        )
