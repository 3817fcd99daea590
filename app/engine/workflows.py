"""Workflows and their versions: drafts, validation, publishing immutable versions."""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.catalog import FunctionLookup
from app.core.dsl import WorkflowFormatError, WorkflowSpec, parse_workflow
from app.core.ids import new_id
from app.core.importers import import_workflow, load_workflow_file
from app.core.problems import Problem
from app.core.validate import validate
from app.engine.compiled import CompiledWorkflow
from app.nodes.catalog import NodeCatalog
from app.store import reads, writes
from app.store.schema import Workflow, WorkflowVersion
from app.store.store import Store
from app.store.writes import Batch


class WorkflowInvalid(Exception):
    """The workflow has problems; `problems` names each node, edge and field."""

    def __init__(self, problems: list[Problem], source: str = "workflow") -> None:
        self.problems = problems
        self.source = source
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{source} is not valid:\n{lines}")


class NotFound(LookupError):
    pass


@dataclass(frozen=True)
class Published:
    workflow_id: str
    version_id: str
    number: int
    created: bool  # False when the definition equals the latest version


def slug(text: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "-", text.strip()).strip("-").lower()
    return cleaned[:64] or "workflow"


def definition_hash(spec: WorkflowSpec) -> str:
    canonical = json.dumps(spec.to_dict(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


class Workflows:
    def __init__(self, store: Store, catalog: NodeCatalog, functions: FunctionLookup) -> None:
        self.store = store
        self.catalog = catalog
        self.functions = functions
        self._compiled: dict[str, CompiledWorkflow] = {}
        self._latest: dict[str, WorkflowVersion] = {}  # one engine per folder, so this holds

    def validate(self, spec: WorkflowSpec) -> list[Problem]:
        return validate(spec, self.catalog, self.functions)

    # -- drafts ------------------------------------------------------------------------

    def import_document(self, source: Path | str | dict[str, Any]) -> WorkflowSpec:
        """Read a workflow in any supported format (a path, JSON text or a dict)."""
        if isinstance(source, Path):
            return load_workflow_file(source)
        if isinstance(source, str):
            try:
                data = json.loads(source)
            except json.JSONDecodeError as err:
                raise WorkflowFormatError(
                    "workflow", [f"invalid JSON at line {err.lineno}, column {err.colno}"]
                ) from None
            return import_workflow(data, "workflow")
        return import_workflow(source, "workflow")

    def save(self, spec: WorkflowSpec, workflow_id: str | None = None) -> str:
        """Create or update a workflow's draft. Invalid drafts are kept (the editor shows why)."""
        workflow_id = workflow_id or spec.id or slug(spec.name)
        now = time.time()
        batch = Batch()
        draft = writes.to_json(spec.to_dict())
        with self.store.session() as session:
            existing = session.get(Workflow, workflow_id)
        if existing is None:
            batch.add(writes.INSERT_WORKFLOW, workflow_id, spec.name, draft, None, now, now)
        else:
            batch.add(writes.UPDATE_WORKFLOW, spec.name, draft, now, workflow_id)
            if existing.deleted_at is not None:
                batch.add("UPDATE workflow SET deleted_at=NULL WHERE id=?", workflow_id)
        self.store.write(batch)
        return workflow_id

    def draft(self, workflow_id: str) -> WorkflowSpec:
        with self.store.session() as session:
            row = reads.get_workflow(session, workflow_id)
        if row is None:
            raise NotFound(f"no workflow '{workflow_id}'")
        return parse_workflow(row.draft, f"workflow '{workflow_id}'")

    def delete(self, workflow_id: str) -> None:
        """Hide a workflow; its versions and past runs are kept."""
        now = time.time()
        batch = Batch()
        batch.add(writes.DELETE_WORKFLOW, now, now, workflow_id)
        self.store.write(batch)

    # -- versions ----------------------------------------------------------------------

    def publish(self, workflow_id: str, message: str = "") -> Published:
        """Freeze the draft as a new immutable version (if it changed). Refuses invalid drafts."""
        spec = self.draft(workflow_id)
        problems = self.validate(spec)
        if problems:
            raise WorkflowInvalid(problems, f"workflow '{workflow_id}'")
        digest = definition_hash(spec)
        with self.store.session() as session:
            latest = reads.list_versions(session, workflow_id)
        if latest and latest[0].hash == digest:
            return Published(workflow_id, latest[0].id, latest[0].number, created=False)
        number = latest[0].number + 1 if latest else 1
        version_id = new_id()
        now = time.time()
        batch = Batch()
        batch.add(
            writes.INSERT_VERSION,
            version_id,
            workflow_id,
            number,
            writes.to_json(spec.to_dict()),
            digest,
            message,
            now,
        )
        batch.add(writes.SET_LATEST_VERSION, number, now, workflow_id)
        self.store.write(batch)
        self._latest.pop(workflow_id, None)
        return Published(workflow_id, version_id, number, created=True)

    def version(self, workflow_id: str, number: int | None = None) -> WorkflowVersion:
        if number is None and workflow_id in self._latest:
            return self._latest[workflow_id]
        with self.store.session() as session:
            if number is None:
                versions = reads.list_versions(session, workflow_id)
                row = versions[0] if versions else None
            else:
                row = reads.get_version_by_number(session, workflow_id, number)
        if row is None:
            which = "any published version" if number is None else f"version {number}"
            raise NotFound(f"workflow '{workflow_id}' has no {which}")
        if number is None:
            self._latest[workflow_id] = row
        return row

    def compiled(self, version_id: str) -> CompiledWorkflow:
        cached = self._compiled.get(version_id)
        if cached is None:
            with self.store.session() as session:
                row = reads.get_version(session, version_id)
            if row is None:
                raise NotFound(f"no workflow version '{version_id}'")
            spec = parse_workflow(row.definition, f"version '{version_id}'")
            cached = CompiledWorkflow.build(version_id, spec, self.catalog)
            self._compiled[version_id] = cached
        return cached
