"""Parsing an expression, and the static checks of its syntax tree (done once, at compile time).

Only a small subset of Python is accepted: no statements, no lambdas, no method calls, calls
only to the whitelisted functions (app.core.expression_functions), and capped literal sizes
and nesting depth.
"""

from __future__ import annotations

import ast
import warnings

from app.core.expression_functions import FUNCTIONS
from app.core.expression_limits import (
    MAX_DEPTH,
    MAX_EXPRESSION_LENGTH,
    MAX_STRING_LENGTH,
    OPERATORS,
    SYMBOLS,
    ExpressionError,
    did_you_mean,
    too_long,
)

# --- static checks ------------------------------------------------------------------

_ALLOWED_NODES: tuple[type[ast.AST], ...] = (
    ast.Constant,
    ast.Name,
    ast.Load,
    ast.Store,
    ast.Attribute,
    ast.Subscript,
    ast.Slice,
    ast.BinOp,
    ast.UnaryOp,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.Compare,
    ast.IfExp,
    ast.Call,
    ast.keyword,
    ast.List,
    ast.Tuple,
    ast.Dict,
    ast.Set,
    ast.ListComp,
    ast.DictComp,
    ast.GeneratorExp,
    ast.comprehension,
    ast.JoinedStr,
    ast.FormattedValue,
    ast.Starred,
    *OPERATORS,
)

_NOT_ALLOWED: dict[type[ast.AST], str] = {
    ast.Lambda: "lambda is not allowed",
    ast.NamedExpr: "assignment (':=') is not allowed",
    ast.SetComp: "set comprehensions are not allowed",
    ast.Await: "'await' is not allowed",
    ast.Yield: "'yield' is not allowed",
    ast.YieldFrom: "'yield' is not allowed",
}

_STATEMENTS: dict[type[ast.AST], str] = {
    ast.Assign: "assignment is not allowed (use '==' to compare)",
    ast.AugAssign: "assignment is not allowed",
    ast.AnnAssign: "assignment is not allowed",
    ast.Import: "import is not allowed",
    ast.ImportFrom: "import is not allowed",
    ast.Delete: "'del' is not allowed",
}


def _check_tree(root: ast.expr) -> None:
    """Check every node, parents before children, and cap the nesting depth."""
    starred_ok: set[int] = set()
    stack: list[tuple[ast.AST, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ExpressionError(f"expression is too deeply nested (limit {MAX_DEPTH} levels)")
        _check_node(node, starred_ok)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _check_node(node: ast.AST, starred_ok: set[int]) -> None:
    """Reject anything outside the small language we support."""
    if not isinstance(node, _ALLOWED_NODES):
        kind = type(node)
        if kind in SYMBOLS:
            raise ExpressionError(f"operator '{SYMBOLS[kind]}' is not allowed")
        raise ExpressionError(_NOT_ALLOWED.get(kind, f"'{kind.__name__}' is not allowed"))
    if isinstance(node, ast.Constant):
        value = node.value
        if not isinstance(value, str | int | float | bool | None):
            raise ExpressionError(f"literal {value!r} is not allowed")
        if isinstance(value, str) and len(value) > MAX_STRING_LENGTH:
            raise too_long("text literal", len(value), "characters")
    elif isinstance(node, ast.Attribute):
        if node.attr.startswith("_"):
            raise ExpressionError(
                f"attribute '{node.attr}' is not allowed (names starting with '_' are private)"
            )
    elif isinstance(node, ast.Call):
        _check_call(node)
    elif isinstance(node, ast.List):
        starred_ok.update(id(e) for e in node.elts if isinstance(e, ast.Starred))
    elif isinstance(node, ast.Starred):
        if id(node) not in starred_ok:
            raise ExpressionError("'*' unpacking is only allowed inside a list literal")
    elif isinstance(node, ast.Compare):
        _check_compare(node)
    elif isinstance(node, ast.comprehension):
        if node.is_async:
            raise ExpressionError("'async for' is not allowed")
        _check_target(node.target)
    elif isinstance(node, ast.FormattedValue) and (
        node.format_spec is not None or node.conversion != -1
    ):
        raise ExpressionError("format specs and conversions in f-strings are not allowed")


def _check_call(node: ast.Call) -> None:
    func = node.func
    if isinstance(func, ast.Attribute):
        raise ExpressionError(
            f"method call '.{func.attr}()' is not allowed; use functions like lower(x)"
        )
    if not isinstance(func, ast.Name):
        raise ExpressionError("only named functions can be called, e.g. len(x)")
    if func.id not in FUNCTIONS:
        raise ExpressionError(
            f"function '{func.id}' is not allowed{did_you_mean(func.id, FUNCTIONS)}"
        )
    if any(isinstance(arg, ast.Starred) for arg in node.args):
        raise ExpressionError(f"'*' unpacking in the call to {func.id}() is not allowed")
    if any(kw.arg is None for kw in node.keywords):
        raise ExpressionError(f"'**' unpacking in the call to {func.id}() is not allowed")


def _is_singleton(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value in (None, True, False)


def _check_compare(node: ast.Compare) -> None:
    left = node.left
    for op, right in zip(node.ops, node.comparators, strict=True):
        if isinstance(op, ast.Is | ast.IsNot) and not (_is_singleton(left) or _is_singleton(right)):
            raise ExpressionError("'is' only works with None, True or False; use '=='")
        left = right


def _check_target(target: ast.expr) -> None:
    if isinstance(target, ast.Tuple | ast.List):
        for element in target.elts:
            _check_target(element)
    elif not isinstance(target, ast.Name):
        raise ExpressionError("a comprehension can only assign to plain names")


# --- parsing --------------------------------------------------------------------------


def _syntax_message(err: SyntaxError, source: str) -> str:
    """Locate a syntax error in the caller's (unstripped) source."""
    lead = source[: len(source) - len(source.lstrip())]
    detail = err.msg
    if not err.lineno or not err.offset:
        return f"syntax error at the end of the expression: {detail}"
    line = err.lineno + lead.count("\n")
    column = err.offset + (len(lead) - lead.rfind("\n") - 1 if err.lineno == 1 else 0)
    if line == 1:
        return f"syntax error at column {column}: {detail}"
    return f"syntax error at line {line}, column {column}: {detail}"


def _statement_message(text: str) -> str | None:
    """Name the statement when the source is valid Python but not an expression."""
    try:
        body = ast.parse(text).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if len(body) > 1:
        return "only one expression is allowed"
    if body:
        kind = type(body[0])
        return _STATEMENTS.get(kind, f"'{kind.__name__}' statements are not allowed")
    return None


def parse(source: str) -> ast.expr:
    text = source.strip()
    if not text:
        raise ExpressionError("expression is empty")
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(
            f"expression is too long ({len(text)} characters, limit {MAX_EXPRESSION_LENGTH})"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. SyntaxWarning for "\d" in a literal
            tree = ast.parse(text, mode="eval")
    except SyntaxError as err:
        message = _statement_message(text) or _syntax_message(err, source)
        raise ExpressionError(message) from None
    except (RecursionError, MemoryError):
        raise ExpressionError("expression is too deeply nested") from None
    except ValueError as err:  # e.g. a NUL character
        raise ExpressionError(f"syntax error: {err}") from None
    _check_tree(tree.body)
    return tree.body
