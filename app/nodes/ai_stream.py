"""Replies as they are written, for whoever watches a run in this process (the chat page).

A model call that streams publishes its text so far here (run id, step key, text); a listener
subscribed to the run gets each update. Nothing here is durable or needed: the recorded reply
is the journal's (app.nodes.ai_model_journal), and a page that missed updates shows the run's
output when it ends. Listeners run on the engine's event loop and must return quickly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)

Listener = Callable[[str, str], None]  # (step key, the reply's text so far)

_listeners: dict[str, list[Listener]] = {}


def listen(run_id: str, listener: Listener) -> Callable[[], None]:
    """Call `listener` with each streamed update of the run's replies; returns the unsubscribe."""
    _listeners.setdefault(run_id, []).append(listener)

    def stop() -> None:
        found = _listeners.get(run_id, [])
        if listener in found:
            found.remove(listener)
        if not found:
            _listeners.pop(run_id, None)

    return stop


def publish(run_id: str, node_key: str, text: str) -> None:
    for listener in list(_listeners.get(run_id, ())):
        try:
            listener(node_key, text)
        except Exception:  # a page that went away must not fail the step
            log.exception("a listener of run %s's streamed replies failed", run_id)
