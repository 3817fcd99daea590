"""Test runs: the editor runs the draft (all of it, or up to a chosen node) with pins.

A test run is an ordinary run of a *test version* of the draft (a `workflow_version` row with
a negative number, never offered as a published version), flagged `run.is_test` so lists and
counts leave it out. The test version is the draft cut down to the chosen node and what it
needs (its upstream nodes and the loops around them), so the run stops after that node. Each
pinned node is replaced by a `pinned` stand-in (app.nodes.pinned) that returns the pinned
output on the pinned port without running. Real runs never see either.

Old test runs are purged: at most KEEP_PER_WORKFLOW per workflow and none older than MAX_AGE_S,
at the start of each test run and after it. Runs still being advanced, or waiting on a
person, are kept until they end (a waiting test run shows in the inbox, marked "Test:").
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import ValidationError
from sqlmodel import col, select

from app.core.dsl import EdgeSpec, NodeSpec, WorkflowSpec
from app.core.ids import new_id
from app.engine.compiled import CompiledWorkflow, IncompatibleWorkflow
from app.engine.workflows import Workflows
from app.nodes.catalog import NodeCatalog
from app.nodes.pinned import PINNED_TYPE, PinnedNode
from app.store import writes
from app.store.pins import PinnedOutput, Pins
from app.store.schema import Run, WorkflowVersion
from app.store.store import Store
from app.store.writes import Batch

KEEP_PER_WORKFLOW = 20
MAX_AGE_S = 7 * 24 * 3600
ENDED = ("succeeded", "failed", "canceled")
TEST_TITLE_PREFIX = "Test: "  # a test run's human tasks, as the inbox shows them


class TestRunRefused(ValueError):
    """The test cannot start (an unknown node, a node config that cannot be read, bad input)."""

    __test__ = False  # not a pytest test class, despite the name


class TestHost(Protocol):
    """What test runs need from the engine."""

    store: Store
    workflows: Workflows
    catalog: NodeCatalog

    async def start_run(
        self, workflow_id: str, input: Any = None, *, version: int | None = None, test: bool = False
    ) -> str: ...

    def is_live(self, run_id: str) -> bool: ...

    async def delete_runs(self, run_ids: Sequence[str]) -> int: ...


@dataclass(frozen=True)
class TestStarted:
    __test__ = False

    run_id: str
    stop_after: str | None
    pinned: tuple[str, ...]  # the nodes whose pinned output the run uses


def nodes_to_run(spec: WorkflowSpec, stop_after: str | None) -> set[str]:
    """The nodes a test up to `stop_after` runs: it, everything upstream of it, the loops
    around those, and the whole body of every other loop it keeps (None: every node)."""
    if stop_after is None:
        return {n.id for n in spec.nodes}
    parent = {n.id: n.parent for n in spec.nodes}
    if stop_after not in parent:
        raise TestRunRefused(f"there is no node '{stop_after}' in this workflow")
    sources: dict[str, list[str]] = defaultdict(list)
    for edge in spec.edges:
        sources[edge.target].append(edge.source)
    children: dict[str, list[str]] = defaultdict(list)
    for node_id, group in parent.items():
        if group is not None:
            children[group].append(node_id)
    around: set[str] = set()  # the loops the chosen node sits in: only its part of them runs
    group = parent[stop_after]
    while group is not None:
        around.add(group)
        group = parent.get(group)
    keep: set[str] = set()
    stack = [stop_after]
    while stack:
        node_id = stack.pop()
        if node_id in keep or node_id not in parent:
            continue
        keep.add(node_id)
        stack.extend(sources[node_id])
        if parent[node_id] is not None:
            stack.append(str(parent[node_id]))
    stack = [n for n in keep if children[n] and n not in around]
    while stack:  # a loop that runs, runs its whole body
        for child in children[stack.pop()]:
            if child not in keep:
                keep.add(child)
                stack.append(child)
    return keep


def test_definition(
    spec: WorkflowSpec,
    stop_after: str | None,
    pins: Mapping[str, PinnedOutput],
    catalog: NodeCatalog,
) -> tuple[WorkflowSpec, tuple[str, ...]]:
    """The test version of a draft, and the ids of the nodes replaced by their pins."""
    keep = nodes_to_run(spec, stop_after)
    by_id = {n.id: n for n in spec.nodes}
    pinned: list[str] = []
    for node_id in sorted(keep):
        node_type = catalog.lookup(by_id[node_id].type, by_id[node_id].type_version)
        if node_id in pins and node_type is not None and not node_type.is_trigger:
            pinned.append(node_id)
    inside_pinned = {n for n in keep if _inside(by_id, n, set(pinned))}
    nodes: list[NodeSpec] = []
    for node in spec.nodes:
        if node.id not in keep or node.id in inside_pinned:
            continue
        if node.id in pinned:
            nodes.append(_stand_in(node, pins[node.id], spec.edges))
        elif node.type == "human_task" and isinstance(node.config.get("title"), str):
            config = {**node.config, "title": TEST_TITLE_PREFIX + node.config["title"]}
            nodes.append(node.model_copy(update={"config": config}))
        else:
            nodes.append(node)
    kept = {n.id for n in nodes}
    edges = [e for e in spec.edges if e.source in kept and e.target in kept]
    test = spec.model_copy(update={"nodes": nodes, "edges": edges})
    return test, tuple(pinned)


def _inside(by_id: Mapping[str, NodeSpec], node_id: str, groups: set[str]) -> bool:
    group = by_id[node_id].parent
    while group is not None:
        if group in groups:
            return True
        group = by_id[group].parent if group in by_id else None
    return False


def _stand_in(node: NodeSpec, pin: PinnedOutput, edges: Sequence[EdgeSpec]) -> NodeSpec:
    inputs = sorted({e.target_port for e in edges if e.target == node.id} or {"in"})
    outputs = sorted({e.source_port for e in edges if e.source == node.id} | {pin.port})
    config = {
        "pinned_type": node.type,
        "output": pin.output,
        "port": pin.port,
        "inputs": inputs,
        "outputs": outputs,
    }
    return node.model_copy(
        update={
            "type": PINNED_TYPE,
            "type_version": PinnedNode.type_version,
            "config": config,
            "retry": None,
            "timeout_s": None,
            "on_error": "fail",
            "approval": None,
        }
    )


class TestRuns:
    """Start, find and purge a workflow's test runs."""

    __test__ = False

    def __init__(self, host: TestHost) -> None:
        self.host = host
        self.store = host.store
        self.pins = Pins(host.store)
        if host.catalog.lookup(PINNED_TYPE, PinnedNode.type_version) is None:
            host.catalog.register(PinnedNode())

    async def start(
        self,
        workflow_id: str,
        input: Any = None,
        stop_after: str | None = None,
        draft: WorkflowSpec | None = None,
    ) -> TestStarted:
        """Start a test run of the draft (or of `draft`, the editor's copy) up to
        `stop_after` (None: all of it) with the workflow's pins. Raises TestRunRefused, or
        InputInvalid (app.engine.inputs) for input that does not fit the run input."""
        await self.purge(workflow_id)
        spec = draft if draft is not None else self.host.workflows.draft(workflow_id)
        definition, pinned = test_definition(
            spec, stop_after, self.pins.of(workflow_id), self.host.catalog
        )
        try:
            CompiledWorkflow.build("test", definition, self.host.catalog)
        except IncompatibleWorkflow as err:
            raise TestRunRefused(str(err)) from None
        except ValidationError as err:
            raise TestRunRefused(f"a node's settings cannot be read: {_first(err)}") from None
        except ValueError as err:  # e.g. the graph cannot be built
            raise TestRunRefused(str(err)) from None
        number = self._test_version(workflow_id, definition)
        run_id = await self.host.start_run(workflow_id, input, version=number, test=True)
        await self.purge(workflow_id)
        return TestStarted(run_id, stop_after, pinned)

    def _test_version(self, workflow_id: str, definition: WorkflowSpec) -> int:
        """The number of the test version holding `definition` (made if there is none)."""
        data = definition.to_dict()
        digest = hashlib.sha256(
            json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
        ).hexdigest()[:16]
        with self.store.session() as session:
            rows = session.exec(
                select(WorkflowVersion).where(
                    WorkflowVersion.workflow_id == workflow_id, col(WorkflowVersion.number) < 0
                )
            ).all()
        for row in rows:
            if row.hash == digest:
                return row.number
        number = min((r.number for r in rows), default=0) - 1
        batch = Batch()
        batch.add(
            writes.INSERT_VERSION,
            new_id(),
            workflow_id,
            number,
            writes.to_json(data),
            digest,
            "test",
            time.time(),
        )
        self.store.write(batch)
        return number

    # -- reading ------------------------------------------------------------------------

    def recent(self, workflow_id: str, limit: int = KEEP_PER_WORKFLOW) -> list[Run]:
        """The workflow's test runs, newest first."""
        with self.store.session() as session:
            query = (
                select(Run)
                .where(Run.workflow_id == workflow_id, col(Run.is_test).is_(True))
                .order_by(col(Run.created_at).desc())
                .limit(limit)
            )
            return list(session.exec(query).all())

    def latest(self, workflow_id: str) -> Run | None:
        runs = self.recent(workflow_id, 1)
        return runs[0] if runs else None

    # -- purging ------------------------------------------------------------------------

    async def purge(self, workflow_id: str, now: float | None = None) -> int:
        """Delete the workflow's test runs beyond the newest KEEP_PER_WORKFLOW or older than
        MAX_AGE_S (ended ones only), and the test versions no run uses; returns how many
        runs were deleted."""
        now = time.time() if now is None else now
        with self.store.session() as session:
            rows = session.exec(
                select(col(Run.id), col(Run.status), col(Run.created_at))
                .where(Run.workflow_id == workflow_id, col(Run.is_test).is_(True))
                .order_by(col(Run.created_at).desc())
            ).all()
        doomed = [
            run_id
            for i, (run_id, status, created_at) in enumerate(rows)
            if (i >= KEEP_PER_WORKFLOW or created_at < now - MAX_AGE_S)
            and status in ENDED
            and not self.host.is_live(run_id)
        ]
        deleted = await self.host.delete_runs(doomed) if doomed else 0
        batch = Batch()
        batch.add(
            "DELETE FROM workflow_version WHERE workflow_id=? AND number<0"
            " AND id NOT IN (SELECT version_id FROM run WHERE workflow_id=?)",
            workflow_id,
            workflow_id,
        )
        self.store.write(batch)
        return deleted


def _first(err: ValidationError) -> str:
    first = err.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ()))
    return f"{where}: {first.get('msg')}" if where else str(first.get("msg"))
