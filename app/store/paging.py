"""The lists that page on the server: runs (the runs page) and open tasks (the inbox).

Pages are keyset pages, never OFFSET: a page is "the next `limit` rows after the last row of
the previous page" in the list's order, so page 200 costs what page 1 costs (an index walk to
the cursor, then `limit` rows). The indexes are those of migration 0013. Each page reads one
row more than it shows to know whether another page follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from sqlalchemy import ColumnElement, func, literal_column, or_, tuple_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from app.store.reads import RunBrief, _run_briefs
from app.store.schema import Run, Task, Workflow

T = TypeVar("T")
Cursor = tuple[Any, ...]  # the sort key of a page's last row

PAGE_SIZE = 50
NO_DUE = 1e18  # tasks without a due time sort after every real one (see migration 0013)
TaskOrder = Literal["due", "oldest", "newest"]
DueFilter = Literal["", "overdue", "today", "week", "none"]


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: list[T]
    next: Cursor | None  # give it back for the page after this one; None: this is the last


def _like(text: str) -> str:
    """A LIKE pattern that finds `text` anywhere, its `%`, `_` and `\\` taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _page(rows: list[Any], limit: int, key: Any) -> tuple[list[Any], Cursor | None]:
    if len(rows) <= limit:
        return rows, None
    shown = rows[:limit]
    return shown, key(shown[-1])


# -- runs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunFilter:
    """Which runs the runs page shows. Times are Unix seconds; `until` is exclusive."""

    workflow_id: str | None = None
    status: str | None = None
    since: float | None = None
    until: float | None = None
    search: str = ""  # found in the run's id or anywhere in its input's JSON text

    def conditions(self) -> list[ColumnElement[bool]]:
        # test runs (the editor's) are not listed; written as `IS NOT 1`, which no index
        # answers, so SQLite walks the creation-time indexes below instead of ix_run_test
        found: list[ColumnElement[bool]] = [col(Run.is_test).is_not(True)]
        if self.workflow_id:
            found.append(col(Run.workflow_id) == self.workflow_id)
        if self.status:
            found.append(col(Run.status) == self.status)
        if self.since is not None:
            found.append(col(Run.created_at) >= self.since)
        if self.until is not None:
            found.append(col(Run.created_at) < self.until)
        text = self.search.strip()
        if text:
            pattern = _like(text)
            # the input column holds JSON text: compare with the text, not a JSON value
            input_text: ColumnElement[str] = func.coalesce(literal_column("run.input"), "")
            found.append(
                or_(
                    col(Run.id).like(pattern, escape="\\"),
                    input_text.like(pattern, escape="\\"),
                )
            )
        return found


def run_page(
    session: Session, where: RunFilter, after: Cursor | None = None, limit: int = PAGE_SIZE
) -> Page[RunBrief]:
    """Runs newest first (by creation time, then id), the page after `after`."""
    query = _run_briefs().where(*where.conditions())
    if after is not None:
        created, run_id = after
        query = query.where(tuple_(col(Run.created_at), col(Run.id)) < tuple_(created, run_id))
    query = query.order_by(col(Run.created_at).desc(), col(Run.id).desc()).limit(limit + 1)
    briefs = [RunBrief._make(row) for row in session.execute(query).all()]
    shown, cursor = _page(briefs, limit, lambda b: (b.created_at, b.id))
    return Page(shown, cursor)


def count_runs_by_status(session: Session, workflow_id: str | None = None) -> dict[str, int]:
    """Runs per status (test runs left out), from the (status, is_test) index alone."""
    where = RunFilter(workflow_id=workflow_id).conditions()
    query = sa_select(col(Run.status), func.count()).where(*where).group_by(col(Run.status))
    return {str(status): int(n) for status, n in session.execute(query).all()}


def count_runs_matching(session: Session, where: RunFilter) -> int:
    query = sa_select(func.count()).select_from(Run).where(*where.conditions())
    return int(session.execute(query).scalar_one())


# -- open tasks -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskFilter:
    """Which open tasks the inbox shows.

    `person`: only tasks for that person or for anyone (no assignee); `assignee`: only tasks
    assigned to exactly that name ("-" = to nobody). `due` is relative to `now`: overdue,
    due before the end of today / of the next 7 days, or without a due time.
    """

    workflow_id: str | None = None
    person: str | None = None
    assignee: str | None = None
    due: DueFilter = ""
    search: str = ""  # in the title or the description
    now: float = 0.0
    end_of_today: float = 0.0
    # An assignee's inbox (app.auth): only tasks whose assignee or assignee group is one of
    # these names (a person, their groups, "group:<group>"). None: every task.
    only_for: tuple[str, ...] | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = [_OPEN]
        if self.workflow_id:
            found.append(col(Run.workflow_id) == self.workflow_id)
        assignee = col(Task.assignee)
        if self.person:
            mine = func.lower(func.trim(assignee)) == self.person.strip().lower()
            found.append(or_(assignee.is_(None), assignee == "", mine))
        if self.only_for is not None:
            found.append(
                or_(assignee.in_(self.only_for), col(Task.assignee_group).in_(self.only_for))
            )
        if self.assignee == "-":
            found.append(or_(assignee.is_(None), assignee == ""))
        elif self.assignee:
            found.append(assignee == self.assignee)
        due = col(Task.due_at)
        if self.due == "overdue":
            found.append(due < self.now)
        elif self.due == "today":
            found.append(due < self.end_of_today)
        elif self.due == "week":
            found.append(due < self.end_of_today + 7 * 86400)
        elif self.due == "none":
            found.append(due.is_(None))
        text = self.search.strip()
        if text:
            pattern = _like(text)
            found.append(
                or_(
                    col(Task.title).like(pattern, escape="\\"),
                    col(Task.description).like(pattern, escape="\\"),
                )
            )
        return found


_OPEN: ColumnElement[bool] = col(Task.status) == "open"

_TASK_COLUMNS: tuple[Any, ...] = (
    col(Task.id),
    col(Task.run_id),
    col(Task.node_id),
    col(Task.title),
    col(Task.description),
    col(Task.assignee),
    col(Task.assignee_group),
    col(Task.due_at),
    col(Task.created_at),
    col(Run.workflow_id),
    col(Workflow.name).label("workflow_name"),
)


def _due_key() -> ColumnElement[float]:
    # written exactly as in the index of migration 0013, so SQLite uses it
    return func.coalesce(col(Task.due_at), literal_column("1e18"))


def task_page(
    session: Session,
    where: TaskFilter,
    order: TaskOrder = "due",
    after: Cursor | None = None,
    limit: int = PAGE_SIZE,
) -> Page[dict[str, Any]]:
    """Open tasks in the inbox's order (due soonest, oldest or newest first), the page after
    `after`; each with its run's workflow id and the workflow's name."""
    query = (
        sa_select(*_TASK_COLUMNS)
        .join(Run, col(Run.id) == col(Task.run_id))
        .join(Workflow, col(Workflow.id) == col(Run.workflow_id))
        .where(*where.conditions())
    )
    created, task_id = col(Task.created_at), col(Task.id)

    def fetch(q: Any, count: int) -> list[dict[str, Any]]:
        return [dict(row._mapping) for row in session.execute(q.limit(count)).all()]

    if order == "newest":
        if after is not None:
            query = query.where(tuple_(created, task_id) < tuple_(*after))
        rows = fetch(query.order_by(created.desc(), task_id.desc()), limit + 1)
    elif order == "oldest":
        if after is not None:
            query = query.where(tuple_(created, task_id) > tuple_(*after))
        rows = fetch(query.order_by(created, task_id), limit + 1)
    else:
        in_order = (_due_key(), created, task_id)
        if after is None:
            rows = fetch(query.order_by(*in_order), limit + 1)
        else:
            # SQLite seeks an expression index on `key = ?` or `key > ?`, not on a row value
            # that starts with the expression: the rest of the cursor's due time, then later ones
            due, *rest = after
            same = query.where(_due_key() == due, tuple_(created, task_id) > tuple_(*rest))
            rows = fetch(same.order_by(*in_order), limit + 1)
            if len(rows) <= limit:
                later = query.where(_due_key() > due).order_by(*in_order)
                rows += fetch(later, limit + 1 - len(rows))

    def key(task: dict[str, Any]) -> Cursor:
        if order == "due":
            due = task["due_at"]
            return (NO_DUE if due is None else due, task["created_at"], task["id"])
        return (task["created_at"], task["id"])

    shown, cursor = _page(rows, limit, key)
    return Page(shown, cursor)


def count_tasks_matching(session: Session, where: TaskFilter) -> int:
    query = (
        sa_select(func.count())
        .select_from(Task)
        .join(Run, col(Run.id) == col(Task.run_id))
        .where(*where.conditions())
    )
    return int(session.execute(query).scalar_one())


def open_task_assignees(session: Session) -> list[str]:
    """The names open tasks are assigned to, for the inbox's assignee filter."""
    query = (
        sa_select(col(Task.assignee))
        .where(_OPEN, col(Task.assignee).is_not(None))
        .distinct()
        .order_by(col(Task.assignee))
    )
    return [str(name) for name in session.execute(query).scalars() if str(name).strip()]


def open_task_workflows(session: Session) -> list[tuple[str, str]]:
    """(id, name) of the workflows that have open tasks, for the inbox's workflow filter."""
    query = (
        sa_select(col(Workflow.id), col(Workflow.name))
        .where(
            col(Workflow.id).in_(
                sa_select(col(Run.workflow_id))
                .join(Task, col(Task.run_id) == col(Run.id))
                .where(_OPEN)
            )
        )
        .order_by(col(Workflow.name))
    )
    return [(str(i), str(n)) for i, n in session.execute(query).all()]
