"""The editor's workbench state: which run's data the panels show, the pins, and test runs.

One `Workbench` per editor page. It knows the sample run (the latest test run, or a past run
the builder chose), reads its steps into a `RunSample`, keeps the workflow's pins, starts test
runs (app.engine.test_runs) and shows their node statuses on the canvas. The data panel,
expression previews and autocomplete read from it; whoever shows data registers a listener
(`on_change`) and is called after every change of sample or pins.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

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


class Workbench:
    def __init__(self, host: WorkbenchHost) -> None:
        self.host = host
        self.engine = host.engine
        self.workflow_id = host.workflow_id
        self.chosen_run: str | None = None  # None: the latest test run
        self.sample: RunSample | None = None
        self.pins: dict[str, PinnedOutput] = {}
        self.listeners: list[Callable[[], None]] = []
        self.canvas: Canvas | None = None
        self.last_input: Any = None  # the input of the last test, offered again
        self.load()

    @property
    def catalog(self) -> NodeCatalog:
        return self.engine.catalog

    # ---- reading ---------------------------------------------------------------------------
    def load(self) -> None:
        """Read the pins and the sample run again (after a test, a pin, a choice)."""
        self.pins = self.engine.test_runs.pins.of(self.workflow_id)
        run_id = self.chosen_run
        if run_id is None:
            latest = self.engine.test_runs.latest(self.workflow_id)
            run_id = latest.id if latest is not None else None
        self.sample = self._read(run_id) if run_id else None
        if self.sample is not None and self.last_input is None and self.sample.is_test:
            self.last_input = self.sample.input

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

    def run_choices(self) -> dict[str, str]:
        """The runs the builder can take data from: "" (the latest test run), then the test
        runs and the past runs, newest first."""
        choices = {"": "Latest test run"}
        for row in self.engine.test_runs.recent(self.workflow_id, PAST_RUNS):
            choices[row.id] = f"Test · {_when(row.created_at)} · {row.status}"
        with self.engine.store.session() as session:
            runs = reads.list_runs(session, workflow_id=self.workflow_id, limit=PAST_RUNS)
        for row in runs:
            choices[row.id] = f"Run · {_when(row.created_at)} · {row.status}"
        if self.chosen_run and self.chosen_run not in choices:
            choices[self.chosen_run] = f"Run {self.chosen_run}"
        return choices

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

    # ---- pins ------------------------------------------------------------------------------
    def pin(self, node_id: str, output: Any, port: str, source: str) -> None:
        self.engine.test_runs.pins.pin(self.workflow_id, node_id, output, port, source)
        self.changed()

    def unpin(self, node_id: str) -> None:
        self.engine.test_runs.pins.unpin(self.workflow_id, node_id)
        self.changed()

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
        self.show_statuses(started.run_id)
        await self.engine.wait(started.run_id)
        await self.engine.test_runs.purge(self.workflow_id)
        self.changed()
        return started

    def show_statuses(self, run_id: str | None = None) -> None:
        """The sample run's step statuses on the canvas (waiting: a node asking a person)."""
        if self.canvas is None:
            return
        sample = self.sample if run_id is None else self._read(run_id)
        if sample is None:
            self.canvas.set_status({}, reset=True)
            return
        statuses: dict[str, str | None] = {n: s.status for n, s in sample.steps.items()}
        self.canvas.set_status(statuses, reset=True)

    def changed(self) -> None:
        self.load()
        self.show_statuses()
        for listener in list(self.listeners):
            listener()

    def on_change(self, listener: Callable[[], None]) -> Callable[[], None]:
        self.listeners.append(listener)
        return lambda: self.listeners.remove(listener) if listener in self.listeners else None


def _when(at: float) -> str:
    return time.strftime("%d %b %H:%M:%S", time.localtime(at))
