"""The editor's workbench state: which run's data the panels show, the pins, and test runs.

One `Workbench` per editor page. It knows the sample run (the latest test run, or a past run
the builder chose), reads its steps into a `RunSample`, keeps the workflow's pins, starts test
runs (app.engine.test_runs) and shows their node statuses on the canvas. The data panel,
expression previews and autocomplete read from it; whoever shows data registers a listener
(`on_change`) and is called after every change of sample or pins.

Every read and write of the database here runs in a worker thread (`refresh`, `pin`, …): a
run with big inputs and outputs must not hold up the page's event loop.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from nicegui import background_tasks, run

from app.asset_paths import asset
from app.core.dsl import WorkflowSpec
from app.engine.service import Engine
from app.engine.test_runs import TestStarted
from app.nodes.catalog import NodeCatalog
from app.store import reads
from app.store.pins import PinnedOutput
from app.ui.editor.samples import FieldRow, RunSample, StepData, field_rows, schema_rows

WORKBENCH_CSS = asset("css/workbench.css")
PAST_RUNS = 30  # how many past runs the run picker offers


class Canvas(Protocol):
    def set_status(self, statuses: Mapping[str, str | None], *, reset: bool = False) -> None: ...

    def update_node(self, node_id: str, patch: Mapping[str, Any]) -> None: ...


class WorkbenchHost(Protocol):
    engine: Engine
    workflow_id: str

    @property
    def spec(self) -> WorkflowSpec: ...

    def save_now(self) -> bool: ...


@dataclass(frozen=True)
class _Loaded:
    """What one refresh read from the database."""

    pins: dict[str, PinnedOutput]
    sample: RunSample | None
    choices: dict[str, str]


class Workbench:
    def __init__(self, host: WorkbenchHost) -> None:
        self.host = host
        self.engine = host.engine
        self.workflow_id = host.workflow_id
        self.chosen_run: str | None = None  # None: the latest test run
        self.sample: RunSample | None = None
        self.pins: dict[str, PinnedOutput] = {}
        self.choices: dict[str, str] = {"": "Latest test run"}  # the data panel's run picker
        self.listeners: list[Callable[[], None]] = []
        self.canvas: Canvas | None = None
        self.last_input: Any = None  # the input of the last test, offered again
        self.loaded = False  # the first refresh has read the database
        self._generation = 0  # of refreshes: an older one finishing late is dropped
        self.changed()

    @property
    def catalog(self) -> NodeCatalog:
        return self.engine.catalog

    # ---- reading (in a worker thread) ------------------------------------------------------
    async def refresh(self) -> None:
        """Read the pins, the sample run and the run choices again (after a test, a pin, a
        choice) off the event loop, then tell the canvas and every listener."""
        self._generation += 1
        generation = self._generation
        loaded = await run.io_bound(self._load, self.chosen_run)
        if loaded is None or generation != self._generation:
            return  # the app is stopping, or a later refresh is on its way
        self.pins, self.sample, self.choices = loaded.pins, loaded.sample, loaded.choices
        self.loaded = True
        if self.sample is not None and self.last_input is None and self.sample.is_test:
            self.last_input = self.sample.input
        self.show_statuses()
        for listener in list(self.listeners):
            listener()

    def changed(self) -> None:
        """Refresh soon (in the background)."""
        background_tasks.create(self.refresh(), name="workbench refresh")

    def _load(self, chosen_run: str | None) -> _Loaded:
        pins = self.engine.test_runs.pins.of(self.workflow_id)
        run_id = chosen_run
        if run_id is None:
            latest = self.engine.test_runs.latest(self.workflow_id)
            run_id = latest.id if latest is not None else None
        sample = self._read(run_id) if run_id else None
        return _Loaded(pins, sample, self._run_choices(chosen_run))

    def _read(self, run_id: str) -> RunSample | None:
        with self.engine.store.session() as session:
            row = reads.get_run(session, run_id)
            if row is None or row.workflow_id != self.workflow_id:
                return None
            sample = RunSample.from_rows(row, reads.list_steps(session, run_id))
            for wait in reads.list_open_waits(session, run_id):  # e.g. a task being answered
                if wait.node_key == wait.node_id and wait.node_id not in sample.steps:
                    sample.steps[wait.node_id] = StepData(wait.node_id, "waiting", wait.input)
        return sample

    def _run_choices(self, chosen_run: str | None) -> dict[str, str]:
        """The runs the builder can take data from: "" (the latest test run), then the test
        runs and the past runs, newest first."""
        choices = {"": "Latest test run"}
        for row in self.engine.test_runs.recent(self.workflow_id, PAST_RUNS):
            choices[row.id] = f"Test · {_when(row.created_at)} · {row.status}"
        with self.engine.store.session() as session:
            runs = reads.list_runs(session, workflow_id=self.workflow_id, limit=PAST_RUNS)
        for row in runs:
            choices[row.id] = f"Run · {_when(row.created_at)} · {row.status}"
        if chosen_run and chosen_run not in choices:
            choices[chosen_run] = f"Run {chosen_run}"
        return choices

    def past_runs(self) -> dict[str, str]:
        """The runs whose input a test can take (in a worker thread: `await run.io_bound`)."""
        runs = {}
        with self.engine.store.session() as session:
            rows = reads.list_runs(session, workflow_id=self.workflow_id, limit=20)
        for row in rows:
            runs[row.id] = f"{row.status} · {json.dumps(row.input, ensure_ascii=False)[:60]}"
        for row in self.engine.test_runs.recent(self.workflow_id, 10):
            runs[row.id] = f"test · {json.dumps(row.input, ensure_ascii=False)[:60]}"
        return runs

    def run_input(self, run_id: str) -> Any:
        """A run's input, None if there is no such run (in a worker thread)."""
        with self.engine.store.session() as session:
            row = reads.get_run(session, run_id)
        return None if row is None else (row.input or {})

    def choose(self, run_id: str | None) -> None:
        self.chosen_run = run_id or None
        self.changed()

    def step(self, node_id: str) -> Any:
        return self.sample.steps.get(node_id) if self.sample else None

    def scope_at(self, node_id: str | None, input: Any = None) -> dict[str, Any] | None:
        """What an expression at the node sees in the sample run (None: no sample yet)."""
        if self.sample is None:
            return None
        return self.sample.scope_at(node_id, input)

    # ---- what a node will receive, before any data --------------------------------------
    def output_schema(self, node_id: str) -> dict[str, Any] | None:
        spec = self.host.spec
        node = next((n for n in spec.nodes if n.id == node_id), None)
        if node is None:
            return None
        node_type = self.catalog.lookup(node.type, node.type_version)
        if node_type is None:
            return None
        if node_type.is_trigger:
            return dict(spec.params or {}) or None
        try:
            return node_type.output_schema(node_type.parse_config(node.config))
        except Exception:  # a config that cannot be read yet: nothing known
            return None

    def expected_input(self, node_id: str) -> list[FieldRow]:
        """The fields the node will receive, from its upstream nodes' output schemas."""
        spec = self.host.spec
        node = next((n for n in spec.nodes if n.id == node_id), None)
        sources = [e.source for e in spec.edges if e.target == node_id]
        if node is not None and not sources:
            node_type = self.catalog.lookup(node.type, node.type_version)
            if node_type is not None and node_type.is_trigger:
                return schema_rows(spec.params)
            if node.parent is not None:
                return [FieldRow(("item",), "", known=False), FieldRow(("index",), "integer")]
        rows: dict[str, FieldRow] = {}
        for source in sources:
            for row in schema_rows(self.output_schema(source)):
                rows.setdefault(row.text, row)
        return list(rows.values())

    def input_rows(self, node_id: str) -> tuple[list[FieldRow], bool]:
        """The node's input fields: from the sample (True) or its upstream schemas (False)."""
        step = self.step(node_id)
        if step is not None:
            return field_rows(step.input), True
        return self.expected_input(node_id), False

    def output_rows(self, node_id: str) -> tuple[list[FieldRow], bool]:
        step = self.step(node_id)
        if step is not None and step.status == "succeeded":
            return field_rows(step.output), True
        pin = self.pins.get(node_id)
        if pin is not None:
            return field_rows(pin.output), True
        return schema_rows(self.output_schema(node_id)), False

    # ---- pins (written in a worker thread) -----------------------------------------------
    async def pin(self, node_id: str, output: Any, port: str, source: str) -> None:
        pins = self.engine.test_runs.pins
        await run.io_bound(pins.pin, self.workflow_id, node_id, output, port, source)
        await self.refresh()

    async def unpin(self, node_id: str) -> None:
        await run.io_bound(self.engine.test_runs.pins.unpin, self.workflow_id, node_id)
        await self.refresh()

    def decorate(self, view: dict[str, Any]) -> dict[str, Any]:
        """A canvas node view, marked `pinned` (a pin badge on the canvas) when it is."""
        view["pinned"] = view.get("id") in self.pins
        return view

    # ---- test runs -------------------------------------------------------------------------
    async def test(self, input: Any, stop_after: str | None) -> TestStarted:
        """Save the draft, start a test run of it and wait until it ends or waits for a person.

        Raises TestRunRefused or InputInvalid, saying why, before anything runs."""
        self.host.save_now()
        self.last_input = input
        started = await self.engine.test_runs.start(
            self.workflow_id, input, stop_after=stop_after, draft=self.host.spec
        )
        self.chosen_run = None
        started_sample = await run.io_bound(self._read, started.run_id)
        self.show_statuses(started_sample)
        await self.engine.wait(started.run_id)
        await self.engine.test_runs.purge(self.workflow_id)
        await self.refresh()
        return started

    def show_statuses(self, sample: RunSample | None = None) -> None:
        """A run's step statuses on the canvas (the sample run's when none is given; waiting:
        a node asking a person)."""
        if self.canvas is None:
            return
        sample = sample or self.sample
        if sample is None:
            self.canvas.set_status({}, reset=True)
            return
        statuses: dict[str, str | None] = {n: s.status for n, s in sample.steps.items()}
        self.canvas.set_status(statuses, reset=True)

    def on_change(self, listener: Callable[[], None]) -> Callable[[], None]:
        self.listeners.append(listener)
        return lambda: self.listeners.remove(listener) if listener in self.listeners else None


def _when(at: float) -> str:
    return time.strftime("%d %b %H:%M:%S", time.localtime(at))
