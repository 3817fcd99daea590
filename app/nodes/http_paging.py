"""Pagination of HTTP responses: where the next page is, and which items a page holds.

`next_link`: the URL of the next page is in the `Link` header (rel="next") or, when
`next_field` is set, at that path of the JSON body. `cursor`: the value at `cursor_field` of
the body is sent as the query parameter `cursor_param` of the next request. Paths are dotted
(`data.items`, `links.next`, `meta.cursors.0`).
"""

from __future__ import annotations

from typing import Any

import httpx


def at_path(data: Any, path: str) -> Any:
    """The value at a dotted path of JSON data, or None when any part is missing."""
    current = data
    for part in path.split(".") if path else []:
        if isinstance(current, dict):
            current = current.get(part)
        elif isinstance(current, list) and part.lstrip("-").isdigit():
            index = int(part)
            current = current[index] if -len(current) <= index < len(current) else None
        else:
            return None
    return current


def next_link(response: httpx.Response, body: Any, next_field: str) -> str | None:
    """The next page's absolute URL, or None on the last page."""
    if next_field:
        found = at_path(body, next_field)
        if not isinstance(found, str) or not found:
            return None
        return str(response.url.join(found))
    link = response.links.get("next")
    if not link or not link.get("url"):
        return None
    return str(response.url.join(link["url"]))


def cursor_of(body: Any, cursor_field: str) -> str | None:
    """The cursor for the next page, or None (missing, empty or false) on the last page."""
    found = at_path(body, cursor_field)
    if found is None or found == "" or found is False:
        return None
    return str(found)


def page_items(body: Any, items_field: str) -> list[Any]:
    """The items of one page: the list at `items_field` (or the body itself when a list)."""
    found = at_path(body, items_field) if items_field else body
    if isinstance(found, list):
        return found
    return [] if found is None else [found]
