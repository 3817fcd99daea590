"""Validation of the data expressions read: every name must exist at its node.

Each expression, condition and `{{ template }}` in a node's config (and each edge's `when`)
is checked against `app.core.scope`: an unknown name, `nodes.<id>` of a node that cannot have
run before this one, or a key that a known output lacks (after a human task, `input` is the
answer, so `input.amount` is a mistake) is a problem on that field, before publishing.
Where the input's keys are not known, bare names may be keys of the input and are accepted.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from app.core.dsl import NodeSpec, WorkflowSpec
from app.core.expression_limits import did_you_mean
from app.core.expressions import JSON_LITERALS, ExpressionError, compile_expression
from app.core.problems import Problem, node_label
from app.core.scope import RUN_FIELDS, NamesAt, ScopeIndex, Shape
from app.core.scope_refs import Reference, expression_references, jsonlogic_references
from app.core.templates import template_expressions

__all__ = ["EXPRESSION_FIELDS", "scope_problems"]

# Config fields holding a bare expression (not a template), by node type; a filter's
# condition also sees `item` and `index`.
EXPRESSION_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "if": {"condition": ()},
    "switch": {"value": ()},
    "filter": {"items": (), "condition": ("item", "index")},
    "foreach": {"items": ()},
    "wait": {"expression": ()},
}
# Config fields that are neither (their text is never rendered).
PLAIN_FIELDS: dict[str, frozenset[str]] = {"code": frozenset({"code"})}

Site = tuple[str, Any, tuple[str, ...], bool]  # field path, value, extra names, is template


def scope_problems(spec: WorkflowSpec) -> list[Problem]:
    """A problem for every name an expression reads that cannot exist where it is read."""
    index: ScopeIndex | None = None
    problems: list[Problem] = []
    for node in spec.nodes:
        sites = list(_node_sites(node))
        if not sites:
            continue
        index = index or ScopeIndex(spec)
        if index.nodes.get(node.id) is not node:
            continue  # a duplicate id, a problem of its own
        at = index.light(node.id)
        for path, value, extra, template in sites:
            for message in _site_messages(value, template, at, extra, index):
                problems.append(Problem("bad_reference", message, node.id, field=path))
    for edge in spec.edges:
        if edge.when is None:
            continue
        index = index or ScopeIndex(spec)
        if edge.source not in index.nodes or edge.target not in index.nodes:
            continue
        at = index.light_edge(edge)
        for message in _site_messages(edge.when, False, at, (), index):
            problems.append(Problem("bad_reference", message, edge_id=edge.id, field="when"))
    return problems


def _node_sites(node: NodeSpec) -> Iterator[Site]:
    bare = EXPRESSION_FIELDS.get(node.type, {})
    plain = PLAIN_FIELDS.get(node.type, frozenset())
    for key, value in node.config.items():
        if key in bare:
            if value is not None:
                yield f"config.{key}", value, bare[key], False
        elif key not in plain:
            yield from _templates(f"config.{key}", value)


def _templates(path: str, value: Any) -> Iterator[Site]:
    if isinstance(value, str):
        if "{{" in value:
            yield path, value, (), True
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _templates(f"{path}.{key}", item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _templates(f"{path}[{index}]", item)


def _references(value: Any, template: bool) -> tuple[Reference, ...]:
    if isinstance(value, dict):
        return tuple(jsonlogic_references(value))
    if not isinstance(value, str):
        return ()
    return _text_references(value, template)


@lru_cache(maxsize=4096)
def _text_references(value: str, template: bool) -> tuple[Reference, ...]:
    """The references of an expression or template text (remembered: the editor validates
    after every change, and most texts did not change)."""
    return tuple(_read_references(value, template))


def _read_references(value: str, template: bool) -> list[Reference]:
    if template:
        return [r for e in template_expressions(value) for r in expression_references(e.node)]
    if value.strip().lower() in ("", "true", "false"):
        return []  # a literal condition
    try:
        compiled = compile_expression(value)
    except ExpressionError:
        return []  # a syntax problem, reported by the node's own checks
    return expression_references(compiled.node)


def _site_messages(
    value: Any,
    template: bool,
    at: NamesAt,
    extra: tuple[str, ...],
    index: ScopeIndex,
) -> list[str]:
    messages: list[str] = []
    for reference in _references(value, template):
        message = _check(reference, at, extra, index)
        if message and message not in messages:
            messages.append(message)
    return messages


def _check(
    ref: Reference,
    at: NamesAt,
    extra: tuple[str, ...],
    index: ScopeIndex,
) -> str | None:
    root, keys = ref.root, ref.keys
    if root in extra or root in JSON_LITERALS:
        return None
    if root == "input":
        message = _walk(at.input_shape, keys, "input")
        return message and message + _input_hint(keys, at, index)
    if root == "params":
        message = _walk(at.params_shape, keys, "params")
        return message and message + " (the run's input has only the fields of its parameters)"
    if root == "run":
        if keys and keys[0] not in RUN_FIELDS:
            return f"run has no key '{keys[0]}' (it has {', '.join(RUN_FIELDS)})"
        return None
    if root == "nodes":
        return _check_node_ref(keys, at, index)
    if root in at.names:
        return None  # item, index
    shape = at.input_shape
    if shape is not None and root in shape.fields:
        return _walk(shape.fields[root], keys, root)
    if shape is not None and shape.closed:
        return _unknown_name(root, at, shape)
    literal = _literal_hint(root)
    if literal and root not in (shape.fields if shape else ()):
        return f"unknown name '{root}'{literal}"  # `ture`: surely not a key of the input
    return None  # the input's keys are not known: it may be one of them


@lru_cache(maxsize=1024)
def _literal_hint(name: str) -> str:
    """ " (did you mean 'true'?)" for a misspelt literal such as `ture`, else ""."""
    return did_you_mean(name, [*JSON_LITERALS, "True", "False", "None"])


def _unknown_name(root: str, at: NamesAt, shape: Shape) -> str:
    known = [*at.names, *shape.fields]
    hint = did_you_mean(root, known)
    if not hint and at.params_shape and root in at.params_shape.fields:
        hint = f" (the run's input has it: use params.{root})"
    names = ", ".join(at.names)
    return f"unknown name '{root}'{hint}; names here: {names} and the input's keys"


def _walk(shape: Shape | None, keys: tuple[str | int, ...], label: str) -> str | None:
    for key in keys:
        if shape is None or isinstance(key, int):
            return None
        if key not in shape.fields:
            if not shape.closed:
                return None
            fields = ", ".join(shape.fields) or "no keys"
            hint = did_you_mean(key, shape.fields)
            return f"'{label}' has no key '{key}'{hint} (it has: {fields})"
        shape = shape.fields[key]
        label = f"{label}.{key}"
    return None


def _check_node_ref(keys: tuple[str | int, ...], at: NamesAt, index: ScopeIndex) -> str | None:
    if not keys:
        return None
    nodes = index.nodes
    target = keys[0]
    if not isinstance(target, str) or target not in nodes:
        hint = did_you_mean(str(target), nodes)
        return f"there is no node '{target}'{hint} (nodes.<id> takes a node's id)"
    if not index.can_see(at, target):
        label = node_label(nodes[target])
        if at.loop is not None and nodes[target].parent not in (None, at.loop):
            why = "it is inside another loop"
        else:
            why = "no path of edges leads from it to here"
        return f"{label} cannot have run before this node ({why}), so nodes.{target} is empty"
    return _walk(index.output_of(target), keys[1:], f"nodes.{target}")


def _input_hint(keys: tuple[str | int, ...], at: NamesAt, index: ScopeIndex) -> str:
    """Where the missing key may be: the run's input or an upstream node's output."""
    if not keys or not isinstance(keys[0], str):
        return ""
    key = keys[0]
    options: list[str] = []
    if at.params_shape is None or key in at.params_shape.fields:
        options.append(f"params.{key} (the run's input)")
    answer = at.input_shape.fields.get("values") if at.input_shape else None
    if answer is not None and key in answer.fields:
        options.append(f"input.values.{key} (the answer)")
    nodes = index.nodes
    for node_id in index.graph.ordered(index.upstream(at.node_id)):
        shape = index.output_of(node_id)
        if shape is not None and key in shape.fields:
            options.append(f"nodes.{node_id}.{key}")
        elif shape is not None and isinstance(shape.fields.get("values"), Shape):
            answer_shape = shape.fields["values"]
            if answer_shape is not None and key in answer_shape.fields:
                options.append(f"nodes.{node_id}.values.{key}")
    what = ""
    if len(at.input_from) == 1 and at.input_from[0] in nodes:
        what = f"; here input is the output of {node_label(nodes[at.input_from[0]])}"
    return what + (f"; did you mean {' or '.join(options)}?" if options else "")
