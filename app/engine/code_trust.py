"""Which texts of dangerous nodes a person trusted, per workflow.

Workflows people share can run code, commands and file operations, so a node whose type says
it needs trust (`NodeType.trust_text(config)` is not None: a Code node's code, a command node's
command line as canonical JSON, a file node that moves, overwrites or deletes) runs only when
that exact text (by SHA-256) was trusted for its workflow. A text becomes trusted when a person
types it in this app's editor (code), approves it in the editor's review dialog, runs `ren
trust WORKFLOW`, or runs the file with `ren run FILE`. Nothing else trusts it: an import (the
app, `import_workflow`, the API) adds none, so imported nodes stay untrusted until reviewed,
and re-importing a changed text leaves the new one untrusted while the old one stays trusted.

Trusting by text rather than by a flag on the workflow means a change is never covered by an
approval of something else. The records are kept in table `trusted_code` (migration 6); a
workflow's trusted texts are read from it on every check, so the editor, validation and the
runner always agree with what another page or `ren trust` wrote.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from pydantic import ValidationError

from app.core.dsl import NodeSpec, WorkflowSpec
from app.core.problems import Problem
from app.nodes.base import NodeType
from app.nodes.code import EXAMPLE, CodeNode
from app.store.store import Store
from app.store.writes import Batch

How = Literal["editor", "review", "cli", "run"]  # who trusted it: see the module's docstring

INSERT_TRUSTED = (
    "INSERT INTO trusted_code (workflow_id, code_hash, how, trusted_at) VALUES (?,?,?,?)"
    " ON CONFLICT (workflow_id, code_hash) DO NOTHING"
)
SELECT_TRUSTED = "SELECT code_hash FROM trusted_code WHERE workflow_id=?"
SELECT_HOW = "SELECT how FROM trusted_code WHERE workflow_id=? AND code_hash=?"


class TypeLookup(Protocol):
    """The part of the node catalogue trust needs (app.nodes.catalog.NodeCatalog)."""

    def lookup(self, type_name: str, type_version: int) -> NodeType[Any] | None: ...

    def __iter__(self) -> Iterator[NodeType[Any]]: ...


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8", "surrogatepass")).hexdigest()


def code_of(node: NodeSpec) -> str:
    """A Code node's text as it runs (the example when the config has none)."""
    code = node.config.get("code", EXAMPLE)
    return code if isinstance(code, str) else ""


def code_nodes(spec: WorkflowSpec) -> list[NodeSpec]:
    return [n for n in spec.nodes if n.type == CodeNode.type_name]


@dataclass(frozen=True)
class Guarded:
    """A node of a workflow that needs trust, with the text a person trusts."""

    node: NodeSpec
    text: str
    language: str  # how to show it: python, json
    message: str  # the problem while untrusted


class CodeTrust:
    def __init__(self, store: Store, catalog: TypeLookup | None = None) -> None:
        self.store = store
        self.catalog = catalog
        for node_type in catalog or ():  # their runner guard asks these records
            if type(node_type).trust_text is not NodeType.trust_text:
                node_type.trust = self

    # -- which nodes need trust ----------------------------------------------------------

    def guarded(self, spec: WorkflowSpec) -> list[Guarded]:
        """The nodes of `spec` that need trust (Code nodes always, others as their type says);
        a node whose config does not parse is left to validation."""
        found = []
        for node in spec.nodes:
            node_type = self.catalog.lookup(node.type, node.type_version) if self.catalog else None
            if node_type is None and node.type == CodeNode.type_name:
                found.append(Guarded(node, code_of(node), "python", _code_message()))
                continue
            if node_type is None:
                continue
            try:
                text = node_type.trust_text(node_type.parse_config(node.config))
            except (ValidationError, ValueError, TypeError):
                continue
            if text is not None:
                message = node_type.untrusted_message()
                found.append(Guarded(node, text, node_type.trust_language, message))
        return found

    # -- records ---------------------------------------------------------------------------

    def trusted(self, workflow_id: str) -> set[str]:
        """The hashes of the texts trusted for this workflow."""
        with self.store.session() as session:
            rows = session.connection().exec_driver_sql(SELECT_TRUSTED, (workflow_id,)).all()
        return {str(row[0]) for row in rows}

    def how_trusted(self, workflow_id: str, code: str) -> str | None:
        """How the text was trusted for the workflow (a `How`), or None: not trusted."""
        if code == EXAMPLE:  # Ren's own example, as a new Code node holds it
            return "editor"
        with self.store.session() as session:
            found = session.connection().exec_driver_sql(SELECT_HOW, (workflow_id, code_hash(code)))
            row = found.first()
        return None if row is None else str(row[0])

    def untrusted(self, workflow_id: str | None, spec: WorkflowSpec) -> list[Guarded]:
        guarded = [g for g in self.guarded(spec) if g.text != EXAMPLE]
        if not guarded:
            return []
        trusted = self.trusted(workflow_id) if workflow_id else set()
        return [g for g in guarded if code_hash(g.text) not in trusted]

    def untrusted_nodes(self, workflow_id: str | None, spec: WorkflowSpec) -> list[NodeSpec]:
        return [g.node for g in self.untrusted(workflow_id, spec)]

    def problems(self, workflow_id: str | None, spec: WorkflowSpec) -> list[Problem]:
        """One problem per node whose text is not trusted: publish and run refuse it."""
        return [
            Problem("untrusted_code", g.message, g.node.id, field=_field(g.node))
            for g in self.untrusted(workflow_id, spec)
        ]

    def trust(self, workflow_id: str, codes: Iterable[str], how: How) -> None:
        now = time.time()
        batch = Batch()
        for digest in sorted({code_hash(c) for c in codes}):
            batch.add(INSERT_TRUSTED, workflow_id, digest, how, now)
        self.store.write(batch)

    def trust_spec(self, workflow_id: str, spec: WorkflowSpec, how: How) -> list[NodeSpec]:
        """Trust every guarded node's text in `spec`; returns the nodes that were not trusted."""
        newly = self.untrusted(workflow_id, spec)
        self.trust(workflow_id, (g.text for g in newly), how)
        return [g.node for g in newly]

    def trust_typed(self, workflow_id: str, spec: WorkflowSpec, typed: Collection[str]) -> bool:
        """After an editor save: trust the Code nodes whose text the person typed there
        (`typed` holds the hashes of what they typed). True if any was newly trusted."""
        newly = [
            n for n in self.untrusted_nodes(workflow_id, spec) if code_hash(code_of(n)) in typed
        ]
        newly = [n for n in newly if n.type == CodeNode.type_name]
        self.trust(workflow_id, (code_of(n) for n in newly), "editor")
        return bool(newly)


def _code_message() -> str:
    return CodeNode().untrusted_message()


def _field(node: NodeSpec) -> str:
    return "config.code" if node.type == CodeNode.type_name else "config"


def typed_problems_dropped(
    problems: list[Problem], spec: WorkflowSpec, typed: Collection[str]
) -> list[Problem]:
    """`problems` without the untrusted-code ones of Code nodes whose text was typed in the
    editor (it is trusted when the draft is saved, a moment later)."""

    def typed_here(problem: Problem) -> bool:
        node = spec.node(problem.node_id) if problem.node_id else None
        return (
            node is not None
            and node.type == CodeNode.type_name
            and code_hash(code_of(node)) in typed
        )

    return [p for p in problems if p.code != "untrusted_code" or not typed_here(p)]
