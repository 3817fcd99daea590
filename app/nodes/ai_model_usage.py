"""A run's token usage: the `usage` of its AI steps (llm, ai_agent) added up."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from app.nodes.ai_model_client import USAGE_KEYS

USAGE_TYPES = ("llm", "ai_agent")  # node types whose output `usage` is their own model calls


class _Step(Protocol):
    @property
    def node_id(self) -> str: ...

    @property
    def node_key(self) -> str: ...

    @property
    def status(self) -> str: ...

    @property
    def output(self) -> Any: ...


def run_usage(steps: Iterable[_Step], ai_nodes: set[str]) -> dict[str, int] | None:
    """Tokens over the succeeded AI steps' outputs (`ai_nodes`: the ids of the run's llm and
    ai_agent nodes; the latest row of each step key); None when no step reported usage."""
    latest: dict[str, _Step] = {}
    for step in steps:
        if step.node_id in ai_nodes:
            latest[step.node_key] = step
    total = dict.fromkeys(USAGE_KEYS, 0)
    found = False
    for step in latest.values():
        usage = step.output.get("usage") if isinstance(step.output, dict) else None
        if step.status != "succeeded" or not isinstance(usage, dict):
            continue
        if not all(isinstance(usage.get(k, 0), int) for k in USAGE_KEYS):
            continue
        found = True
        for key in USAGE_KEYS:
            total[key] += int(usage.get(key, 0))
    return total if found else None


def ai_node_ids(nodes: Iterable[Any]) -> set[str]:
    """The ids of the llm and ai_agent nodes among a workflow's nodes (`NodeSpec`s)."""
    return {n.id for n in nodes if n.type in USAGE_TYPES}


def usage_line(usage: dict[str, int]) -> str:
    return (
        f"tokens: {usage['total_tokens']} (prompt {usage['prompt_tokens']}, "
        f"completion {usage['completion_tokens']})"
    )
