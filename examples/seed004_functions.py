"""Functions for `seed004_amount_approval.json` (seed 004's amount approval example).

The webhook's payload, e.g. `{"data": {"amount": 1500}}`, reaches the `if` node, which sends
amounts above 1000 to `approve` and the others to `reject`.
"""

from __future__ import annotations

from typing import Any

from app import register_function


@register_function("approve")
def approve(state: dict[str, Any]) -> dict[str, Any]:
    """Approve the request."""
    return {"decision": "approved", "amount": state["data"]["amount"]}


@register_function("reject")
def reject(state: dict[str, Any]) -> dict[str, Any]:
    """Reject the request."""
    return {"decision": "rejected", "amount": state["data"]["amount"]}
