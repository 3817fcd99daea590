"""A validation problem, tied to the node, edge or field it is about."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol


class _Named(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...


def node_label(node: _Named) -> str:
    """How problems name a node: its name with its id in brackets, e.g. `Approve [approve]`."""
    if node.name and node.name != node.id:
        return f"{node.name} [{node.id}]"
    return f"'{node.id}'"


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    node_id: str | None = None
    edge_id: str | None = None
    field: str | None = None
    node_name: str | None = None  # the node's name, when it has one (filled in by validate)

    def __str__(self) -> str:
        where = []
        if self.node_id:
            if self.node_name and self.node_name != self.node_id:
                where.append(f"node {self.node_name} [{self.node_id}]")
            else:
                where.append(f"node '{self.node_id}'")
        if self.edge_id:
            where.append(f"edge '{self.edge_id}'")
        if self.field:
            where.append(self.field)
        prefix = " ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


# --- wording: problems are read by people, not developers --------------------------------

_LIST_ITEMS = {  # how a config list's items are called in the forms
    "fields": "Field",
    "outcomes": "Outcome",
    "cases": "Case",
    "headers": "Header",
    "to": "Recipient",
    "steps": "Step",
}
_PYDANTIC = (
    (re.compile(r"^Field required$"), "is required"),
    (re.compile(r"^Value error, (.*)$", re.S), r"\1"),
    (re.compile(r"^Assertion failed, (.*)$", re.S), r"\1"),
    (re.compile(r"^Input should be a valid (\w+)(, .*)?$"), r"should be a \1"),
    (re.compile(r"^Extra inputs are not permitted$"), "is not a setting of this node"),
    (re.compile(r"^Input should be (.*)$", re.S), r"should be \1"),
)
_BACKTICKS = re.compile(r"`([^`]+)`")


def readable_location(location: Sequence[str | int]) -> str:
    """`("fields", 0, "name")` as the form shows it: "Field 1: name"."""
    words: list[str] = []
    for index, part in enumerate(location):
        if isinstance(part, int):
            owner = location[index - 1] if index else ""
            label = _LIST_ITEMS.get(str(owner), "Item")
            if words and str(owner) in _LIST_ITEMS:
                words.pop()
            words.append(f"{label} {part + 1}:")
        else:
            words.append(str(part).replace("_", " "))
    return " ".join(words).rstrip(":")


def readable_config_error(location: Sequence[str | int], message: str) -> str:
    """A config model's error in plain words: `fields.0.name: Field required` becomes
    "Field 1: name is required"."""
    text = message
    for pattern, replacement in _PYDANTIC:
        if pattern.match(text):
            text = pattern.sub(replacement, text)
            break
    where = readable_location(location)
    if not where:
        return humane(text[:1].upper() + text[1:])
    if text.startswith(("is ", "should ")):
        return humane(f"{where} {text}")
    return humane(f"{where}: {text}")


def humane(message: str) -> str:
    """Developer markup out of a message: `code` becomes 'code'."""
    return _BACKTICKS.sub(r"'\1'", message)
