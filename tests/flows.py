"""Workflows as most tests and benches use them: a straight chain start → nodes → end,
publishing one as a person who reviewed it would, and reading what a run's steps did."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.engine.service import Engine


def chain(wid: str, *nodes: dict[str, Any], name: str | None = None) -> dict[str, Any]:
    """start -> nodes (ids n1, n2, …) -> end, as a ren.workflow/1 document."""
    all_nodes = [{"id": "start", "type": "start"}]
    all_nodes += [{"id": f"n{i}", **node} for i, node in enumerate(nodes, 1)]
    all_nodes.append({"id": "end", "type": "end"})
    edges = [{"source": a["id"], "target": b["id"]} for a, b in itertools.pairwise(all_nodes)]
    return {
        "schema": "ren.workflow/1",
        "id": wid,
        "name": name or wid,
        "nodes": all_nodes,
        "edges": edges,
    }


def publish_reviewed(engine: Engine, doc: dict[str, Any]) -> str:
    """Import `doc` as a draft, trust its code, commands and file changes as a person who
    reviewed it (`ren trust`), publish it; its workflow id."""
    wid = engine.import_workflow(doc, publish=False)
    assert isinstance(wid, str), wid
    engine.trust_code(wid)
    engine.workflows.publish(wid)
    return wid


def step_outputs(engine: Engine, run_id: str) -> dict[str, Any]:
    """The output of each step of the run that succeeded, by node key (n1, each[0], …)."""
    return {s.node_key: s.output for s in engine.steps(run_id) if s.status == "succeeded"}


def step_error(engine: Engine, run_id: str) -> dict[str, Any]:
    """The error of the run's last failed step ({"message", …}); a step must have failed."""
    failed = [s for s in engine.steps(run_id) if s.status == "failed"]
    assert failed, "no step failed"
    error: dict[str, Any] = failed[-1].error
    return error
