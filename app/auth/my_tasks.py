"""How many open tasks an assignee has (their "My tasks" badge in the navigation)."""

from __future__ import annotations

from app.store.paging import TaskFilter, count_tasks_matching
from app.ui import runtime


def my_open_count(only_for: tuple[str, ...]) -> int:
    """Open tasks assigned to one of `only_for` (app.auth.page_access.task_scope); 0 while
    the engine is not running."""
    try:
        engine = runtime.engine()
    except RuntimeError:
        return 0
    with engine.store.session() as session:
        return count_tasks_matching(session, TaskFilter(only_for=only_for))
