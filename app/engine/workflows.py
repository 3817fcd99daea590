"""Workflows and their versions: drafts, validation, publishing immutable versions."""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.auth import audit
from app.core.catalog import FunctionLookup
from app.core.dsl import (
    NodeSpec,
    Position,
    WorkflowSpec,
    parse_json_text,
    parse_workflow,
)
from app.core.ids import new_id
from app.core.importers import import_workflow, load_workflow_file
from app.core.problems import Problem
from app.core.validate import validate
from app.engine.code_trust import CodeTrust
from app.engine.compiled import CompiledWorkflow
from app.engine.webhook_secrets import add_first_secret, has_webhook
from app.nodes.catalog import NodeCatalog
from app.store import reads, writes
from app.store.schema import WorkflowVersion
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


class DraftChanged(Exception):
    """The draft is no longer at the revision the writer read: something else saved it meanwhile
    (another editor tab or window, an import, `ren`). Nothing was written."""

    def __init__(self, workflow_id: str, expected: int, current: int) -> None:
        self.workflow_id = workflow_id
        self.expected = expected
        self.current = current
        super().__init__(
            f"the draft of workflow '{workflow_id}' was changed elsewhere "
            f"(revision {current}, this copy is of revision {expected})"
        )


@dataclass(frozen=True)
class Draft:
    """A workflow's draft and its revision, read together (the revision to save against)."""

    spec: WorkflowSpec
    revision: int


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
        self.trust = CodeTrust(store, catalog)  # which texts of dangerous nodes a person trusted
        self._compiled: dict[str, CompiledWorkflow] = {}
        self._latest: dict[str, WorkflowVersion] = {}  # one engine per folder, so this holds

    def validate(
        self, spec: WorkflowSpec, workflow_id: str | None = None, *, check_trust: bool = True
    ) -> list[Problem]:
        """Every problem of `spec`, as the draft of `workflow_id` (default: `spec.id`): with
        `check_trust`, Code nodes whose code no person trusted for that workflow are problems."""
        problems = validate(spec, self.catalog, self.functions)
        if check_trust:
            problems += self.trust.problems(workflow_id or spec.id, spec)
        return problems

    # -- drafts ------------------------------------------------------------------------

    def import_document(self, source: Path | str | dict[str, Any]) -> WorkflowSpec:
        """Read a workflow in any supported format (a path, JSON text or a dict)."""
        if isinstance(source, Path):
            return load_workflow_file(source)
        if isinstance(source, str):
            return import_workflow(parse_json_text(source), "workflow")
        return import_workflow(source, "workflow")

    def save(self, spec: WorkflowSpec, workflow_id: str | None = None) -> str:
        """Create or update a workflow's draft. Invalid drafts are kept (the editor shows why)."""
        workflow_id = workflow_id or spec.id or slug(spec.name)
        now = time.time()
        batch = Batch()
        draft = writes.to_json(spec.to_dict())
        with self.store.session() as session:
            existing = reads.get_workflow_any(session, workflow_id)
        if existing is None:
            batch.add(writes.INSERT_WORKFLOW, workflow_id, spec.name, draft, None, now, now)
        else:
            batch.add(writes.UPDATE_WORKFLOW, spec.name, draft, now, workflow_id)
            if existing.deleted_at is not None:
                batch.add(writes.RESTORE_WORKFLOW, workflow_id)
        self.store.write(batch)
        return workflow_id

    def save_draft(self, spec: WorkflowSpec, workflow_id: str, revision: int) -> int:
        """Update the draft only if it is still at `revision` (compare-and-set); returns the
        new revision. Raises DraftChanged, writing nothing, when another save came between."""
        now = time.time()
        draft = writes.to_json(spec.to_dict())
        cas = (writes.UPDATE_WORKFLOW_IF, (spec.name, draft, now, workflow_id, revision))
        batch = Batch()
        batch.add(writes.RESTORE_WORKFLOW, workflow_id)  # as `save`: editing brings it back
        if self.store.write_if(cas, batch):
            return revision + 1
        with self.store.session() as session:
            row = reads.get_workflow_any(session, workflow_id)
        if row is None:
            raise NotFound(f"no workflow '{workflow_id}'")
        raise DraftChanged(workflow_id, revision, row.revision)

    def draft(self, workflow_id: str) -> WorkflowSpec:
        return self.load(workflow_id).spec

    def load(self, workflow_id: str) -> Draft:
        """The draft with its revision (to save it back with `save_draft`)."""
        with self.store.session() as session:
            row = reads.get_workflow(session, workflow_id)
        if row is None:
            raise NotFound(f"no workflow '{workflow_id}'")
        return Draft(parse_workflow(row.draft, f"workflow '{workflow_id}'"), row.revision)

    def revision(self, workflow_id: str) -> int:
        """The draft's current revision (it changes with every draft write, and only then)."""
        with self.store.session() as session:
            row = reads.get_workflow_any(session, workflow_id)
        if row is None:
            raise NotFound(f"no workflow '{workflow_id}'")
        return row.revision

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
        problems = self.validate(spec, workflow_id)
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
        audit.add_entry(
            batch, audit.PUBLISHED, workflow_id, {"version": number, "message": message}
        )
        if has_webhook(spec):  # its trigger is callable from now on, so it needs a secret
            add_first_secret(batch, workflow_id, now)
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

    # -- the app's workflow list -------------------------------------------------------

    def summaries(self, search: str = "") -> list[WorkflowSummary]:
        """Every workflow (matching `search`) with its latest version and its newest run."""
        with self.store.session() as session:
            rows = reads.list_workflows(session, search)
            ids = [row.id for row in rows]
            versions = reads.latest_versions(session, ids)
            runs = reads.last_runs(session, ids)
        result = []
        for row in rows:
            number, digest = versions.get(row.id, (None, None))
            result.append(
                WorkflowSummary(
                    id=row.id,
                    name=row.name,
                    description=str(row.draft.get("description") or ""),
                    nodes=len(row.draft.get("nodes") or ()),
                    version=number,
                    draft_changed=number is not None and _draft_hash(row.draft) != digest,
                    updated_at=row.updated_at,
                    last_run=runs.get(row.id),
                )
            )
        return result

    def free_id(self, wanted: str) -> str:
        """`wanted` as a slug, or with `-2`, `-3`, … if a workflow (even a deleted one) has it."""
        base = slug(wanted)
        candidate, n = base, 1
        with self.store.session() as session:
            while reads.workflow_id_taken(session, candidate):
                n += 1
                candidate = f"{base[:60]}-{n}"
        return candidate

    def create(self, name: str) -> str:
        """A new draft holding one Start node; returns its id."""
        name = name.strip() or "Untitled workflow"
        workflow_id = self.free_id(name)
        start = NodeSpec(id="start", type="start", name="Start", position=Position(x=80, y=160))
        return self.save(WorkflowSpec(id=workflow_id, name=name, nodes=[start]), workflow_id)

    def add_imported(self, spec: WorkflowSpec, fallback_id: str = "workflow") -> str:
        """Save an imported document as a new workflow (never over an existing one)."""
        workflow_id = self.free_id(spec.id or fallback_id)
        spec = spec.model_copy(update={"id": workflow_id})
        return self.save(spec, workflow_id)

    def duplicate(self, workflow_id: str) -> str:
        """Copy a workflow's draft into a new workflow (no versions, no runs)."""
        spec = self.draft(workflow_id)
        new_id = self.free_id(f"{workflow_id}-copy")
        copy = spec.model_copy(update={"id": new_id, "name": f"{spec.name} (copy)"})
        return self.save(copy, new_id)

    def export_json(self, workflow_id: str) -> str:
        """The draft as a `ren.workflow/1` JSON document."""
        return self.draft(workflow_id).to_json()

    def run_count(self, workflow_id: str) -> int:
        with self.store.session() as session:
            return reads.count_runs(session, workflow_id)

    def versions(self, workflow_id: str) -> list[WorkflowVersion]:
        """Every published version of the workflow, newest first."""
        with self.store.session() as session:
            return list(reads.list_versions(session, workflow_id))


@dataclass(frozen=True)
class WorkflowSummary:
    id: str
    name: str
    description: str
    nodes: int
    version: int | None  # latest published version; None = draft only
    draft_changed: bool  # the draft differs from that version
    updated_at: float
    last_run: reads.RunBrief | None


def _draft_hash(draft: dict[str, Any]) -> str:
    """`definition_hash` of a stored draft (a draft is stored as `spec.to_dict()`)."""
    canonical = json.dumps(draft, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]
