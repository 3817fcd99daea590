"""The problem list: every validation problem, each naming its node, edge or field. Clicking
one selects that node or edge on the canvas and brings it into view."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from nicegui import ui

from app.core.dsl import WorkflowSpec
from app.core.problems import Problem
from app.ui.editor.function_form import create_button, missing_function

Focus = Callable[[str | None, str | None], None]
MAX_SHOWN = 200  # a list longer than this is not read anyway; the count says how many


def field_words(field: str) -> str:
    """A problem's field as the form names it: 'fields.0.name' is 'Field 1 · name' (the form
    designer's "Field 1"), 'outputs.reject' is 'output reject'."""
    parts = field.removeprefix("config.").split(".") if field else []
    if len(parts) == 2 and parts[0] == "outputs":
        return f"output {parts[1]}"
    words: list[str] = []
    for part in parts:
        if part.isdigit() and words:
            noun = words.pop()
            noun = noun[:-1] if noun.endswith("s") else noun
            words.append(f"{noun[:1].upper()}{noun[1:]} {int(part) + 1}")
        else:
            words.append(part)
    return " · ".join(words)


def where(problem: Problem, spec: WorkflowSpec) -> str:
    """'If (check) · condition', 'Connection Start → Approve', or 'Workflow'."""
    field = field_words(problem.field or "")
    if problem.node_id:
        node = spec.node(problem.node_id)
        name = node.label if node else problem.node_id
        if node and node.name and node.name != node.id:
            name = f"{node.name} ({node.id})"
        return f"{name} · {field}" if field else name
    if problem.edge_id:
        edge = next((e for e in spec.edges if e.id == problem.edge_id), None)
        text = (
            f"Connection {_label(spec, edge.source)} → {_label(spec, edge.target)}"
            if edge
            else "Connection"
        )
        return f"{text} · {field}" if field else text
    return "Workflow"


def _label(spec: WorkflowSpec, node_id: str) -> str:
    node = spec.node(node_id)
    return node.label if node else node_id


class ProblemList:
    def __init__(self, focus: Focus, review_code: Callable[[], None] | None = None) -> None:
        self.focus = focus
        self.review_code = review_code  # opens the code review dialog (untrusted code)
        self.root = ui.column().classes("w-full gap-1 ren-problems")
        self.shown: list[tuple[Problem, str]] | None = None

    def update(self, problems: Sequence[Problem], spec: WorkflowSpec) -> None:
        shown = [(p, where(p, spec)) for p in problems[:MAX_SHOWN]]
        if shown == self.shown:
            return  # nothing to redraw: typing in a field keeps the list as it is
        self.shown = shown
        self.root.clear()
        with self.root:
            if not problems:
                with ui.row().classes("items-center gap-2 p-2 ren-no-problems"):
                    ui.icon("check_circle", size="20px").classes("text-positive")
                    ui.label("No problems: this workflow can be published.").classes("text-sm")
                return
            for problem, place in shown:
                row = ui.element("div").classes("ren-problem")
                row.props(
                    f'role=button tabindex=0 data-node="{problem.node_id or ""}"'
                    f' data-edge="{problem.edge_id or ""}"'
                )
                row.on("click", lambda p=problem: self.focus(p.node_id, p.edge_id))
                row.on("keydown.enter", lambda p=problem: self.focus(p.node_id, p.edge_id))
                with row:
                    ui.icon("error_outline", size="18px").classes("text-negative")
                    with ui.column().classes("gap-0 min-w-0"):
                        ui.label(place).classes("ren-problem-where")
                        ui.label(problem.message).classes("ren-problem-message")
                        missing = missing_function(problem.message)
                        node = spec.node(problem.node_id) if problem.node_id else None
                        if missing and node is not None:
                            args = dict(node.config.get("args") or {})
                            back = f"/workflows/{spec.id}" if spec.id else None
                            create_button(missing, args, back)
                        if problem.code == "untrusted_code" and self.review_code is not None:
                            ui.button(
                                "Review code", icon="policy", on_click=self.review_code
                            ).props("flat dense no-caps size=sm color=primary").mark("review-code")
            if len(problems) > MAX_SHOWN:
                ui.label(f"… and {len(problems) - MAX_SHOWN} more").classes("ren-hint px-2")
