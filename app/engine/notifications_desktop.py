"""Desktop notifications through desktop-notifier, on a thread of their own.

`show_desktop` returns None when the notification went to the OS, else why it could not (no
notification service: a headless Linux without a D-Bus session, a refused permission, a
service that does not answer). desktop-notifier logs a failed send instead of raising, so the
failure is read from its log records on the sending thread.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
from pathlib import Path

APP_NAME = "Ren"
WAIT_S = 10.0  # a notification service that does not answer in this time counts as absent


def desktop_missing() -> str | None:
    """Why no desktop notification can be shown here, or None when a service may exist."""
    if sys.platform in ("darwin", "win32"):
        return None
    if os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return None
    if Path(f"/run/user/{os.getuid()}/bus").exists():
        return None
    return "no desktop notification service (no D-Bus session bus)"


async def show_desktop(title: str, message: str) -> str | None:
    """Show a desktop notification; None when it was handed to the OS, else the reason."""
    missing = desktop_missing()
    if missing:
        return missing
    try:
        return await asyncio.wait_for(asyncio.to_thread(_send, title, message), WAIT_S)
    except TimeoutError:
        return f"the desktop notification service did not answer within {WAIT_S:g} s"


class _Failures(logging.Handler):
    """Warnings desktop-notifier logs on one thread (a failed send)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            reason = record.exc_info[1] if record.exc_info else None
            self.messages.append(str(reason or record.getMessage()))


def _send(title: str, message: str) -> str | None:
    from desktop_notifier import DesktopNotifierSync  # imported on first use: it is not small

    failures = _Failures()
    logger = logging.getLogger("desktop_notifier")
    logger.addHandler(failures)
    try:
        DesktopNotifierSync(app_name=APP_NAME).send(title=title, message=message)
    except Exception as err:  # a broken backend must not fail the step that notifies
        return f"desktop notification failed: {err}"
    finally:
        logger.removeHandler(failures)
    return f"desktop notification failed: {failures.messages[0]}" if failures.messages else None
