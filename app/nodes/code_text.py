"""A Code node's text as a Python function: compiled once per text, errors placed at their line.

The text is the body of `def code(state, args, ctx)`. It is parsed as a module and its
statements are moved into that function's AST, so every line number is the line of the text
the person wrote (indenting the text into a `def` would shift them and break multi-line
strings). The text is also put in `linecache` under its own file name, so tracebacks quote it.
"""

from __future__ import annotations

import ast
import builtins
import hashlib
import linecache
import types
from collections.abc import Callable
from functools import lru_cache
from typing import Any

CodeFunction = Callable[[Any, dict[str, Any], Any], Any]


class CodeSyntaxError(ValueError):
    """The text does not compile; `line` is the line of the text (1-based)."""

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        super().__init__(f"line {line}: {message}")


def file_name(text: str) -> str:
    """The file name tracebacks show for this text (one per text, so linecache can hold it)."""
    return f"<code {hashlib.sha256(text.encode()).hexdigest()[:12]}>"


def syntax_problem(text: str) -> str | None:
    """'line N: message' when the text does not compile, else None."""
    try:
        _compiled(text)
    except CodeSyntaxError as err:
        return str(err)
    return None


@lru_cache(maxsize=256)
def _compiled(text: str) -> types.CodeType:
    name = file_name(text)
    try:
        body = ast.parse(text, name).body
        shell = ast.parse("def code(state, args, ctx):\n    pass\n")
        function = shell.body[0]
        assert isinstance(function, ast.FunctionDef)
        function.body = body or [ast.Pass()]
        ast.fix_missing_locations(shell)
        code = compile(shell, name, "exec")
    except SyntaxError as err:
        line = err.lineno or 1
        raise CodeSyntaxError(line, f"{err.msg}") from None
    except ValueError as err:  # e.g. a NUL character in the text
        raise CodeSyntaxError(1, str(err)) from None
    lines = text.splitlines(keepends=True)
    linecache.cache[name] = (len(text), None, lines, name)  # tracebacks show the line
    return code


def load(text: str) -> CodeFunction:
    """The text as a function of (state, args, ctx), in a namespace of its own.

    Raises CodeSyntaxError when it does not compile."""
    namespace: dict[str, Any] = {"__name__": "ren_code", "__builtins__": builtins}
    exec(_compiled(text), namespace)  # defines `code` only; the text runs when it is called
    function: CodeFunction = namespace["code"]
    return function


def error_line(err: BaseException, text: str) -> int | None:
    """The line of the text where `err` was raised (the innermost frame in the text)."""
    name = file_name(text)
    line = None
    tb = err.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == name:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def quoted_line(text: str, line: int) -> str:
    """Line `line` of the text, stripped and cut short, for a one-line message."""
    lines = text.splitlines()
    if not 1 <= line <= len(lines):
        return ""
    shown = lines[line - 1].strip()
    return shown if len(shown) <= 80 else shown[:77] + "…"
