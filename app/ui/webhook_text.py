"""What the webhook panel says: an example input from `params` and a one-line curl command."""

from __future__ import annotations

import json
import shlex
from typing import Any
from urllib.parse import urlencode

from app.engine.webhooks import SECRET_HEADER

MASK = "•" * 12
_PLACEHOLDERS: dict[str, Any] = {
    "string": "text",
    "number": 0,
    "integer": 0,
    "boolean": False,
    "array": [],
    "object": {},
}


def sample_input(params: dict[str, Any]) -> dict[str, Any]:
    """An input that shows the fields `params` declares: their default, first choice or a
    placeholder of their type."""
    properties = params.get("properties")
    if not isinstance(properties, dict):
        return {}
    sample: dict[str, Any] = {}
    for name, field in properties.items():
        if not isinstance(field, dict):
            continue
        if "default" in field:
            sample[name] = field["default"]
        elif isinstance(field.get("enum"), list) and field["enum"]:
            sample[name] = field["enum"][0]
        else:
            kind = field.get("type")
            kind = kind[0] if isinstance(kind, list) and kind else kind
            sample[name] = _PLACEHOLDERS.get(kind, "") if isinstance(kind, str) else ""
    return sample


def curl_example(url: str, method: str, secret: str, sample: dict[str, Any]) -> str:
    """A curl command that calls the webhook with `sample` as its input."""
    header = shlex.quote(f"{SECRET_HEADER}: {secret}")
    if method == "GET":
        query = urlencode({k: _query_text(v) for k, v in sample.items()})
        target = shlex.quote(f"{url}?{query}" if query else url)
        return f"curl {target} -H {header}"
    body = shlex.quote(json.dumps(sample, ensure_ascii=False))
    return (
        f"curl -X {method} {shlex.quote(url)} -H {header}"
        f" -H 'Content-Type: application/json' -d {body}"
    )


def _query_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)
