"""Which Code-node texts a person trusted, per workflow.

Code comes with workflows people share, so a Code node runs only when its exact text (by
SHA-256) was trusted for its workflow. A text becomes trusted when a person types it in this
app's editor, approves it in the editor's review dialog, runs `ren trust WORKFLOW`, or runs the
file with `ren run FILE`. Nothing else trusts code: an import (the app, `import_workflow`,
the API) adds none, so imported code stays untrusted until reviewed, and re-importing changed
code leaves the new text untrusted while the old one stays trusted for that workflow.

Trusting by text rather than by a flag on the workflow means a change of the code is never
covered by an approval of other code. The records are kept in table `trusted_code`
(migration 6); a workflow's trusted texts are read from it on every check, so the editor,
validation and the runner always agree with what another page or `ren trust` wrote.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Collection, Iterable
from typing import Literal

from app.core.dsl import NodeSpec, WorkflowSpec
from app.core.problems import Problem
from app.nodes.code import EXAMPLE, UNTRUSTED, CodeNode
from app.store.store import Store
from app.store.writes import Batch

How = Literal["editor", "review", "cli", "run"]  # who trusted it: see the module's docstring

INSERT_TRUSTED = (
    "INSERT INTO trusted_code (workflow_id, code_hash, how, trusted_at) VALUES (?,?,?,?)"
    " ON CONFLICT (workflow_id, code_hash) DO NOTHING"
)
SELECT_TRUSTED = "SELECT code_hash FROM trusted_code WHERE workflow_id=?"
SELECT_HOW = "SELECT how FROM trusted_code WHERE workflow_id=? AND code_hash=?"


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8", "surrogatepass")).hexdigest()


def code_of(node: NodeSpec) -> str:
    """A Code node's text as it runs (the example when the config has none)."""
    code = node.config.get("code", EXAMPLE)
    return code if isinstance(code, str) else ""


def code_nodes(spec: WorkflowSpec) -> list[NodeSpec]:
    return [n for n in spec.nodes if n.type == CodeNode.type_name]


class CodeTrust:
    def __init__(self, store: Store) -> None:
        self.store = store

    def trusted(self, workflow_id: str) -> set[str]:
        """The hashes of the texts trusted for this workflow."""
        with self.store.session() as session:
            rows = session.connection().exec_driver_sql(SELECT_TRUSTED, (workflow_id,)).all()
        return {str(row[0]) for row in rows}

    def how_trusted(self, workflow_id: str, code: str) -> str | None:
        """How the text was trusted for the workflow (a `How`), or None: not trusted."""
        if code == EXAMPLE:  # Ren's own example, as a new node holds it
            return "editor"
        with self.store.session() as session:
            found = session.connection().exec_driver_sql(SELECT_HOW, (workflow_id, code_hash(code)))
            row = found.first()
        return None if row is None else str(row[0])

    def untrusted_nodes(self, workflow_id: str | None, spec: WorkflowSpec) -> list[NodeSpec]:
        nodes = [n for n in code_nodes(spec) if code_of(n) != EXAMPLE]
        if not nodes:
            return []
        trusted = self.trusted(workflow_id) if workflow_id else set()
        return [n for n in nodes if code_hash(code_of(n)) not in trusted]

    def problems(self, workflow_id: str | None, spec: WorkflowSpec) -> list[Problem]:
        """One problem per Code node whose text is not trusted: publish and run refuse it."""
        return [
            Problem("untrusted_code", UNTRUSTED, n.id, field="config.code")
            for n in self.untrusted_nodes(workflow_id, spec)
        ]

    def trust(self, workflow_id: str, codes: Iterable[str], how: How) -> None:
        now = time.time()
        batch = Batch()
        for digest in sorted({code_hash(c) for c in codes}):
            batch.add(INSERT_TRUSTED, workflow_id, digest, how, now)
        self.store.write(batch)

    def trust_spec(self, workflow_id: str, spec: WorkflowSpec, how: How) -> list[NodeSpec]:
        """Trust every Code node's text in `spec`; returns the nodes that were not trusted."""
        newly = self.untrusted_nodes(workflow_id, spec)
        self.trust(workflow_id, (code_of(n) for n in newly), how)
        return newly

    def trust_typed(self, workflow_id: str, spec: WorkflowSpec, typed: Collection[str]) -> bool:
        """After an editor save: trust the Code nodes whose text the person typed there
        (`typed` holds the hashes of what they typed). True if any was newly trusted."""
        newly = [
            n for n in self.untrusted_nodes(workflow_id, spec) if code_hash(code_of(n)) in typed
        ]
        self.trust(workflow_id, (code_of(n) for n in newly), "editor")
        return bool(newly)


def typed_problems_dropped(
    problems: list[Problem], spec: WorkflowSpec, typed: Collection[str]
) -> list[Problem]:
    """`problems` without the untrusted-code ones of nodes whose text was typed in the editor
    (it is trusted when the draft is saved, a moment later)."""

    def typed_here(problem: Problem) -> bool:
        node = spec.node(problem.node_id) if problem.node_id else None
        return node is not None and code_hash(code_of(node)) in typed

    return [p for p in problems if p.code != "untrusted_code" or not typed_here(p)]
