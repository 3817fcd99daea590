"""Every table Ren keeps, in one module. The migrations in `migrations/` create exactly these.

Times are Unix seconds (REAL): cheap to write on the hot path and easy to compare in SQL.
JSON columns hold plain JSON text.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel


class Workflow(SQLModel, table=True):
    __tablename__ = "workflow"

    id: str = Field(primary_key=True)
    name: str
    draft: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    latest_version: int | None = None
    created_at: float
    updated_at: float
    deleted_at: float | None = None
    revision: int = 1  # the draft's: +1 on every draft write (publishing leaves it)


class WorkflowVersion(SQLModel, table=True):
    """An immutable snapshot of a workflow; runs are pinned to one."""

    __tablename__ = "workflow_version"
    __table_args__ = (UniqueConstraint("workflow_id", "number"),)

    id: str = Field(primary_key=True)
    workflow_id: str = Field(foreign_key="workflow.id", index=True)
    number: int
    definition: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    hash: str
    message: str = ""
    created_at: float


class Run(SQLModel, table=True):
    __tablename__ = "run"
    __table_args__ = (Index("ix_run_status", "status"), Index("ix_run_created", "created_at"))

    id: str = Field(primary_key=True)
    workflow_id: str = Field(foreign_key="workflow.id", index=True)
    version_id: str = Field(foreign_key="workflow_version.id")
    status: str
    input: Any = Field(default=None, sa_column=Column(JSON))
    output: Any = Field(default=None, sa_column=Column(JSON))
    error: Any = Field(default=None, sa_column=Column(JSON))
    idempotency_key: str | None = Field(default=None, unique=True)
    parent_run_id: str | None = None
    overrides: Any = Field(default=None, sa_column=Column(JSON))  # edited inputs, by node key
    is_test: bool = False  # a test run from the editor (app.engine.test_runs): not in lists
    created_at: float
    started_at: float | None = None
    finished_at: float | None = None
    updated_at: float


class Step(SQLModel, table=True):
    """One attempt of one node run. `node_key` is the node id plus its loop item path."""

    __tablename__ = "step"
    __table_args__ = (UniqueConstraint("run_id", "node_key", "attempt"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(foreign_key="run.id")
    node_key: str
    node_id: str
    attempt: int
    status: str  # succeeded | failed | skipped
    input: Any = Field(default=None, sa_column=Column(JSON))
    output: Any = Field(default=None, sa_column=Column(JSON))
    error: Any = Field(default=None, sa_column=Column(JSON))
    ports: Any = Field(default=None, sa_column=Column(JSON))  # output ports it fired
    started_at: float | None = None
    finished_at: float


class Event(SQLModel, table=True):
    """The append-only log of a run; `seq` increases by one per event within a run."""

    __tablename__ = "event"
    __table_args__ = (UniqueConstraint("run_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(foreign_key="run.id")
    seq: int
    type: str
    node_key: str | None = None
    data: Any = Field(default=None, sa_column=Column(JSON))
    at: float


class Wait(SQLModel, table=True):
    """Something a run waits on: a human task, a timer, a signal or a child run.

    A run is `waiting` exactly while it has open waits and nothing else to do. Waking is a
    compare-and-set on this row (`status='open'` → `done`) in the transaction that completes
    the waiting step, so a second submit or a double timer fire changes nothing.
    """

    __tablename__ = "wait"
    __table_args__ = (
        UniqueConstraint("run_id", "node_key"),
        Index("ix_wait_open", "status", "kind"),
    )

    id: str = Field(primary_key=True)
    run_id: str = Field(foreign_key="run.id")
    node_key: str
    node_id: str
    kind: str  # task | timer | signal | child | approval
    status: str  # open | done | canceled
    key: str | None = None  # the signal's name, or the child run's id
    due_at: float | None = None  # timer: when it fires; task/signal: when it times out
    input: Any = Field(default=None, sa_column=Column(JSON))  # the waiting step's input
    result: Any = Field(default=None, sa_column=Column(JSON))
    created_at: float
    resolved_at: float | None = None


class Task(SQLModel, table=True):
    """A human task: the form a person fills in, and who did it when."""

    __tablename__ = "task"
    __table_args__ = (Index("ix_task_status", "status"),)

    id: str = Field(primary_key=True)  # the id of its wait
    run_id: str = Field(foreign_key="run.id")
    node_key: str
    node_id: str
    title: str
    description: str = ""
    form: Any = Field(default=None, sa_column=Column(JSON))  # list of field definitions
    outcomes: Any = Field(default=None, sa_column=Column(JSON))  # list of {name, label}
    assignee: str | None = None
    assignee_group: str | None = None
    due_at: float | None = None
    status: str  # open | completed | canceled | expired
    outcome: str | None = None
    values: Any = Field(default=None, sa_column=Column(JSON))
    completed_by: str | None = None
    completed_at: float | None = None
    created_at: float


class Timer(SQLModel, table=True):
    """An alarm: a wait's wake-up or timeout, or a task reminder. APScheduler only rings it."""

    __tablename__ = "timer"
    __table_args__ = (Index("ix_timer_pending", "status", "due_at"),)

    id: str = Field(primary_key=True)
    wait_id: str = Field(foreign_key="wait.id")
    run_id: str = Field(foreign_key="run.id")
    kind: str  # wake | timeout | remind
    due_at: float
    status: str  # pending | fired | canceled
    fired_at: float | None = None


class Schedule(SQLModel, table=True):
    """Starts runs of a workflow on a cron or an interval."""

    __tablename__ = "schedule"

    id: str = Field(primary_key=True)
    workflow_id: str = Field(foreign_key="workflow.id", index=True)
    cron: str | None = None
    interval_s: float | None = None
    timezone: str = "UTC"
    input: Any = Field(default=None, sa_column=Column(JSON))
    enabled: bool = True
    misfire: str = "once"  # skip | once | all
    last_fire_at: float | None = None
    created_at: float


class WebhookSecret(SQLModel, table=True):
    """What a caller of the workflow's webhook must send (X-Ren-Secret or ?secret=).

    Kept in clear text: the editor shows it to be copied. Regenerating replaces the row, so
    the old secret stops working at once.
    """

    __tablename__ = "webhook_secret"

    workflow_id: str = Field(primary_key=True, foreign_key="workflow.id")
    secret: str
    created_at: float


class TrustedCode(SQLModel, table=True):
    """A Code-node text (by SHA-256) a person trusted for a workflow (app.engine.code_trust)."""

    __tablename__ = "trusted_code"

    workflow_id: str = Field(primary_key=True, foreign_key="workflow.id")
    code_hash: str = Field(primary_key=True)
    how: str  # editor | review | cli | run
    trusted_at: float


class Artifact(SQLModel, table=True):
    """A file a step produced, kept at `<data folder>/<path>` (app.engine.artifacts)."""

    __tablename__ = "artifact"

    id: str = Field(primary_key=True)
    run_id: str = Field(foreign_key="run.id", index=True)
    node_key: str
    attempt: int
    name: str  # as the step named it (the file on disk has a safe version of it)
    media_type: str
    size: int
    sha256: str
    path: str  # relative to the data folder
    created_at: float


class KeyValue(SQLModel, table=True):
    """A key of the storage node's store (app.store.kv): `scope` is 'shared' or
    'workflow:<id>', `value` JSON text."""

    __tablename__ = "kv"

    scope: str = Field(primary_key=True)
    key: str = Field(primary_key=True)
    value: str
    updated_at: float


class StoredCredential(SQLModel, table=True):
    """A named credential (app.credentials): its secret fields only as a Fernet token."""

    __tablename__ = "credentials"

    name: str = Field(primary_key=True)
    kind: str  # api_key | bearer | basic | oauth2_client | smtp | generic
    secret: bytes  # Fernet token of the secret fields' JSON
    fields: Any = Field(default=None, sa_column=Column(JSON))  # the fields that may be shown
    created_at: float
    updated_at: float


class Pin(SQLModel, table=True):
    """A node's output saved in the editor; test runs use it instead of running the node."""

    __tablename__ = "pin"

    workflow_id: str = Field(primary_key=True, foreign_key="workflow.id")
    node_id: str = Field(primary_key=True)
    output: Any = Field(default=None, sa_column=Column(JSON))
    port: str  # the output port it fires (e.g. a human task's outcome)
    source: str  # "typed", or the id of the run it was taken from
    created_at: float


class Notification(SQLModel, table=True):
    """One entry of the in-app notification list (app.engine.notifications)."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_created_at", "created_at"),)

    id: str = Field(primary_key=True)
    created_at: float
    title: str
    message: str
    kind: str  # notify | reminder | escalation
    run_id: str | None = None
    task_id: str | None = None
    read_at: float | None = None  # None while unread


class FileWatch(SQLModel, table=True):
    """Since when a published file trigger watches its folder (app.engine.file_watch)."""

    __tablename__ = "file_watch"

    workflow_id: str = Field(primary_key=True, foreign_key="workflow.id")
    node_id: str = Field(primary_key=True)
    config_hash: str  # of folder, pattern, events, recursive: a change starts afresh
    since: float


class FileSeen(SQLModel, table=True):
    """A (file, modification time) that started a run of a file trigger, once."""

    __tablename__ = "file_seen"

    workflow_id: str = Field(primary_key=True, foreign_key="workflow.id")
    node_id: str = Field(primary_key=True)
    path: str = Field(primary_key=True)
    event: str = Field(primary_key=True)  # created | changed | deleted
    mtime_ns: int = Field(primary_key=True)
    size: int | None = None
    run_id: str | None = None
    seen_at: float


class RetentionPolicy(SQLModel, table=True):
    """How long finished runs are kept (app.engine.retention_policy): `scope` is 'global' or a
    workflow id; in a workflow's row None means "as the global policy" and 0 "no limit"."""

    __tablename__ = "retention_policy"

    scope: str = Field(primary_key=True)
    keep_days: int | None = None
    keep_last: int | None = None
    keep_failed_days: int | None = None
    export_folder: str | None = None
    updated_at: float


class AiJournalEntry(SQLModel, table=True):
    """A model reply or tool result of an AI step, kept so a re-run replays it (migration 16,
    app.engine.ai_journal)."""

    __tablename__ = "ai_journal"

    run_id: str = Field(primary_key=True)
    node_key: str = Field(primary_key=True)
    seq: int = Field(primary_key=True)  # counts across attempts of the step
    kind: str  # model | tool | approval
    request_hash: str
    response: Any = Field(default=None, sa_column=Column(JSON))
    created_at: float


class VectorChunk(SQLModel, table=True):
    """A chunk of a document in a vector store, with its embedding (migration 17,
    app.nodes.ai_retrieval_store)."""

    __tablename__ = "vector_chunks"

    store: str = Field(primary_key=True)
    doc_id: str = Field(primary_key=True)
    chunk: int = Field(primary_key=True)
    text: str
    metadata_: Any = Field(default=None, sa_column=Column("metadata", JSON))
    embedding: bytes  # unit-length float32 values, little endian
    dims: int
    created_at: float


# -- people on the network (app.auth; migration 14) ---------------------------------------


class UserAccount(SQLModel, table=True):
    """A person who signs in when Ren is served on the network; an argon2id password hash."""

    __tablename__ = "users"

    name: str = Field(primary_key=True)
    role: str  # admin | editor | operator | assignee
    password_hash: str
    created_at: float


class UserGroup(SQLModel, table=True):
    __tablename__ = "groups"

    name: str = Field(primary_key=True)
    created_at: float


class Membership(SQLModel, table=True):
    __tablename__ = "memberships"

    user_name: str = Field(primary_key=True, foreign_key="users.name")
    group_name: str = Field(primary_key=True, foreign_key="groups.name")


class ApiToken(SQLModel, table=True):
    """A personal API token: only its SHA-256 is kept; revoked_at set: it no longer works."""

    __tablename__ = "api_tokens"

    id: str = Field(primary_key=True)
    user_name: str = Field(foreign_key="users.name")
    label: str
    token_hash: str = Field(unique=True)
    created_at: float
    last_used_at: float | None = None
    revoked_at: float | None = None


class LoginSession(SQLModel, table=True):
    """A login session: the cookie's SHA-256, ended when idle or old (app.auth.sessions)."""

    __tablename__ = "sessions"

    id_hash: str = Field(primary_key=True)
    user_name: str = Field(foreign_key="users.name", index=True)
    created_at: float
    seen_at: float


class TaskLinkRecord(SQLModel, table=True):
    """A signed link to one task's form (app.auth.links): single use, expiring, revocable."""

    __tablename__ = "task_links"

    id: str = Field(primary_key=True)
    task_id: str = Field(index=True)
    recipient: str
    created_by: str
    created_at: float
    expires_at: float
    used_at: float | None = None
    revoked_at: float | None = None


class LoginAttemptRow(SQLModel, table=True):
    """Wrong passwords from one address for one name (app.auth.ratelimit)."""

    __tablename__ = "login_attempts"

    address: str = Field(primary_key=True)
    name: str = Field(primary_key=True)
    failures: int
    last_at: float = Field(index=True)


class FormLinkRecord(SQLModel, table=True):
    """A signed link to a workflow's form for anyone who has it (app.auth.form_links)."""

    __tablename__ = "form_links"

    id: str = Field(primary_key=True)
    workflow_id: str = Field(index=True)
    path: str
    label: str
    created_by: str
    created_at: float
    expires_at: float | None = None
    revoked_at: float | None = None


class AuditEntryRow(SQLModel, table=True):
    """Who did what to which target, when (app.auth.audit): only ever inserted."""

    __tablename__ = "audit"

    id: int | None = Field(default=None, primary_key=True)
    at: float
    who: str = Field(index=True)
    what: str = Field(index=True)
    target: str = Field(index=True)
    details: Any = Field(default=None, sa_column=Column(JSON, nullable=False))
