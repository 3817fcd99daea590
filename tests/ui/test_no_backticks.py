"""No literal backticks in what the app's pages say: text shown in labels, notices, headings,
empty states and tooltips reads as plain words (names in quotes), not as Markdown source."""

from __future__ import annotations

import ast

from tests.ren_cli import ROOT

SHOWN_BY = {"label", "notify", "empty_state", "page_heading", "tooltip"}


def shown_texts(tree: ast.AST) -> list[tuple[int, str]]:
    """The string parts of each call that shows text (e.g. `ui.label("…")`)."""
    found = []
    for call in ast.walk(tree):
        if not isinstance(call, ast.Call):
            continue
        func = call.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name not in SHOWN_BY:
            continue
        for arg in [*call.args, *(k.value for k in call.keywords)]:
            for part in ast.walk(arg):
                if isinstance(part, ast.Constant) and isinstance(part.value, str):
                    found.append((part.lineno, part.value))
    return found


def test_no_page_shows_a_literal_backtick() -> None:
    offending = [
        f"{path.relative_to(ROOT)}:{line}: {text[:60]!r}"
        for path in sorted((ROOT / "app" / "ui").rglob("*.py"))
        for line, text in shown_texts(ast.parse(path.read_text(encoding="utf-8")))
        if "`" in text
    ]
    assert not offending, offending
