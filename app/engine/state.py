"""The in-memory state of a run while it is being advanced (and only then)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from app.engine.compiled import CompiledWorkflow
from app.engine.journal import RunLog
from app.nodes.context import RunControl


def node_key(node_id: str, suffix: str) -> str:
    """`node_id` plus the loop item path, e.g. `resize[42]` or `inner[3][7]`."""
    return node_id + suffix


def split_key(key: str) -> tuple[str, str]:
    cut = key.find("[")
    return (key, "") if cut < 0 else (key[:cut], key[cut:])


@dataclass
class StepRecord:
    """The latest attempt of one node run."""

    node_id: str
    attempt: int
    status: str  # succeeded | failed | skipped
    output: Any
    ports: tuple[str, ...]

    @property
    def done(self) -> bool:
        """Finished for planning: succeeded, skipped, or failed with the error handled."""
        return self.status != "failed" or bool(self.ports)


class ScopeBlocked(Exception):
    """A loop could not finish because some of its items wait (on a person, a timer, …)."""


def wait_key(key: str, attempt: int) -> str:
    """The key of a step's wait: its node key, plus `#n` for attempts after the first."""
    return key if attempt == 1 else f"{key}#{attempt}"


def approval_key(key: str) -> str:
    """The key under which a node's approval (seed 003's per-step approval) is recorded."""
    return f"{key}@approval"


@dataclass
class WaitInfo:
    """What the runner knows of one of the run's waits."""

    id: str
    kind: str
    status: str  # open | done | canceled
    result: Any = None


@dataclass(eq=False)
class RunState:
    run_id: str
    workflow_id: str
    version_id: str
    compiled: CompiledWorkflow
    input: Any
    started_at: float
    log: RunLog
    records: dict[str, StepRecord] = field(default_factory=dict)
    control: RunControl = field(default_factory=RunControl)
    top_outputs: dict[str, Any] = field(default_factory=dict)  # what `nodes.<id>` shows
    waits: dict[str, WaitInfo] = field(default_factory=dict)  # by wait key
    overrides: dict[str, Any] = field(default_factory=dict)  # edited step inputs, by node key
    wake_generation: int = 0  # bumped whenever a wait of this live run is resolved
    woken: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def has_open_waits(self) -> bool:
        return any(w.status == "open" for w in self.waits.values())

    def wake(self) -> None:
        """A wait was resolved while the run is live: let its scopes look again."""
        self.wake_generation += 1
        self.woken.set()

    def record(self, key: str, record: StepRecord) -> None:
        self.records[key] = record
        if "[" not in key and "@" not in key:
            if record.status == "succeeded":
                self.top_outputs[key] = record.output
            else:
                self.top_outputs.pop(key, None)

    @cached_property
    def info(self) -> dict[str, Any]:
        """What expressions see as `run`."""
        return {"id": self.run_id, "workflow_id": self.workflow_id, "started_at": self.started_at}

    def next_attempt(self, key: str) -> int:
        record = self.records.get(key)
        if record is None:
            return 1
        return record.attempt + 1 if record.status == "failed" else record.attempt
