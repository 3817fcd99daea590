"""Tool approval for the AI agent: the task a person answers, and what their answer means.

The task shows the tool, its arguments (editable, as JSON) and a reason field; `approve` runs
the call (with the edited arguments), `reject` tells the model the call was refused and why.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from app.nodes.base import WaitFor


@dataclass(frozen=True)
class Decision:
    approved: bool
    arguments: dict[str, Any]
    reason: str
    by: str

    def to_json(self) -> dict[str, Any]:
        return {
            "approved": self.approved,
            "arguments": self.arguments,
            "reason": self.reason,
            "by": self.by,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Decision:
        return cls(
            bool(data["approved"]), dict(data["arguments"]), str(data["reason"]), str(data["by"])
        )


def approval_task(tool: str, arguments: dict[str, Any], node_label: str) -> WaitFor:
    shown = json.dumps(arguments, indent=2, ensure_ascii=False)
    return WaitFor(
        "task",
        task={
            "title": f"Approve tool call: {tool}",
            "description": (
                f"The AI agent {node_label} wants to call the tool '{tool}' with these "
                f"arguments:\n\n{shown}\n\nApprove (you may edit the arguments) or reject with a "
                "reason the model will see."
            ),
            "form": [
                {
                    "name": "arguments",
                    "type": "long_text",
                    "label": "Arguments (JSON)",
                    "default": shown,
                },
                {
                    "name": "reason",
                    "type": "text",
                    "label": "Reason (when rejecting)",
                    "default": "",
                },
            ],
            "outcomes": [
                {"name": "approve", "label": "Approve"},
                {"name": "reject", "label": "Reject"},
            ],
            "assignee": None,
            "group": None,
        },
    )


def decision_of(result: dict[str, Any], arguments: dict[str, Any]) -> Decision:
    """A resolved approval wait's result as a decision (a bad JSON edit is a refusal the
    model is told about, so the person's intent is never guessed)."""
    by = str(result.get("completed_by") or "someone")
    if result.get("timed_out"):
        return Decision(False, arguments, "no one approved the call in time", by)
    values = result.get("values") or {}
    reason = str(values.get("reason") or "")
    if result.get("outcome") != "approve":
        return Decision(False, arguments, reason or "no reason given", by)
    edited = values.get("arguments")
    if edited in (None, ""):
        return Decision(True, arguments, reason, by)
    try:
        parsed = json.loads(edited) if isinstance(edited, str) else edited
    except ValueError as err:
        return Decision(False, arguments, f"the edited arguments are not JSON ({err})", by)
    if not isinstance(parsed, dict):
        return Decision(False, arguments, "the edited arguments are not a JSON object", by)
    return Decision(True, parsed, reason, by)
