"""The tray / menu-bar icon (pystray) while Ren runs in the background.

Its menu: what is running and waiting, the open task count (opens the inbox), Open Ren, Pause all
schedules / Resume schedules, Quit Ren; after a sleep, what ran late. Where no tray is available
(no desktop session, no backend) Ren runs without it and says so once.
"""

from __future__ import annotations

import logging
import sys
import threading
from typing import Any

from app.ui.tray_state import TrayState

log = logging.getLogger(__name__)

ICON_SIZE = 64
STOP_WAIT_S = 1.0
PRIMARY = (79, 70, 229, 255)  # the app's primary colour


class Tray:
    """The icon for `state`; `start()` shows it on a thread of its own."""

    def __init__(self, state: TrayState, pystray: Any) -> None:
        self.state = state
        self._pystray = pystray
        self.icon: Any = pystray.Icon("ren", icon_image(), "Ren", self._menu())
        self._thread: threading.Thread | None = None
        state.changed.append(self._redraw)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="ren-tray", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._redraw in self.state.changed:
            self.state.changed.remove(self._redraw)
        try:
            self.icon.stop()
        except Exception:  # an icon that never got shown
            log.debug("tray icon stop", exc_info=True)
        if self._thread is not None and self._thread is not threading.current_thread():
            # pystray's X backend may keep waiting for X events after stop(); the thread is a
            # daemon, so it never holds the process up
            self._thread.join(timeout=STOP_WAIT_S)

    def item(self, label: str) -> Any:
        """The menu item whose text starts with `label` (tests and the default action)."""
        for entry in self.icon.menu.items:
            if str(entry.text).startswith(label):
                return entry
        raise KeyError(f"no tray menu item '{label}'")

    def _run(self) -> None:
        try:
            self.icon.run()
        except Exception as err:
            print(f"ren: the tray icon stopped: {type(err).__name__}: {err}", file=sys.stderr)

    def _redraw(self) -> None:
        try:
            self.icon.title = f"Ren: {self.state.snapshot.runs_line}"
            self.icon.update_menu()
        except Exception:  # not shown (yet): the next redraw tries again
            log.debug("tray redraw", exc_info=True)

    def _menu(self) -> Any:
        item, menu = self._pystray.MenuItem, self._pystray.Menu
        state = self.state

        def toggle(icon: Any, entry: Any) -> None:
            if state.snapshot.paused:
                state.on_loop(state.resume_all).result(timeout=30)
            else:
                state.on_loop(state.pause_all).result(timeout=30)

        def quit_ren(icon: Any, entry: Any) -> None:
            state.quit()

        return menu(
            item(lambda _: state.snapshot.runs_line, None, enabled=False),
            item(lambda _: state.snapshot.tasks_line, lambda: state.open_ren("/inbox")),
            item(
                lambda _: state.snapshot.late or "",
                None,
                enabled=False,
                visible=lambda _: state.snapshot.late is not None,
            ),
            menu.SEPARATOR,
            item("Open Ren", lambda: state.open_ren(), default=True),
            item(
                lambda _: "Resume schedules" if state.snapshot.paused else "Pause all schedules",
                toggle,
            ),
            menu.SEPARATOR,
            item("Quit Ren", quit_ren),
        )


def icon_image() -> Any:
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (ICON_SIZE, ICON_SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((4, 4, ICON_SIZE - 4, ICON_SIZE - 4), radius=14, fill=PRIMARY)
    draw.ellipse((22, 22, ICON_SIZE - 22, ICON_SIZE - 22), fill=(255, 255, 255, 255))
    return image


_said_unavailable = False


def start_tray(state: TrayState) -> Tray | None:
    """Show the icon if this desktop has a tray; otherwise say so once and return None."""
    try:
        import pystray  # type: ignore[import-untyped]
    except Exception as err:  # no backend: no display, no tray library for this desktop
        _say_unavailable(str(err).splitlines()[0] if str(err) else type(err).__name__)
        return None
    if pystray.Icon.__module__.endswith("_xorg") and not _x_has_tray():
        _say_unavailable("this X display has no system tray")
        return None
    tray = Tray(state, pystray)
    tray.start()
    return tray


def _say_unavailable(reason: str) -> None:
    global _said_unavailable
    if not _said_unavailable:
        _said_unavailable = True
        print(f"ren: no tray icon ({reason}); Ren runs without it", file=sys.stderr, flush=True)


def _x_has_tray() -> bool:
    """Whether a system tray owns the X display's tray selection (freedesktop protocol); the
    plain X backend cannot show an icon without one."""
    from Xlib import X  # type: ignore[import-untyped]  # pystray's X backend brings it
    from Xlib import display as xdisplay

    try:
        connection = xdisplay.Display()
    except Exception:
        return False
    try:
        selection = connection.intern_atom(f"_NET_SYSTEM_TRAY_S{connection.get_default_screen()}")
        return bool(connection.get_selection_owner(selection) != X.NONE)
    finally:
        connection.close()
