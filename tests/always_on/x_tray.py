"""A minimal system tray on an X display: it owns the `_NET_SYSTEM_TRAY_S<n>` selection (the
freedesktop system tray protocol) and docks the icons that ask, as in a desktop session."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

ICON_PX = 32
REQUEST_DOCK = 0  # the system tray protocol's opcode


@dataclass
class SystemTray:
    display: str
    manager: int
    x: int  # where the manager window (and so the docked icon) is on the screen
    y: int
    docked: list[int] = field(default_factory=list)  # icon windows, in the order they docked

    def wait_docked(self, count: int = 1, seconds: float = 30.0) -> int:
        """The first icon window once `count` icons asked to dock."""
        deadline = time.monotonic() + seconds
        while len(self.docked) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.docked)} icon(s) docked, not {count}")
            time.sleep(0.05)
        return self.docked[0]

    def click(self) -> None:
        """A left click on the docked icon (XTest), as a person's."""
        from Xlib import X
        from Xlib import display as xdisplay
        from Xlib.ext import xtest

        connection = xdisplay.Display(self.display)
        try:
            x, y = self.x + ICON_PX // 2, self.y + ICON_PX // 2
            xtest.fake_input(connection, X.MotionNotify, x=x, y=y)
            xtest.fake_input(connection, X.ButtonPress, 1)
            xtest.fake_input(connection, X.ButtonRelease, 1)
            connection.sync()
        finally:
            connection.close()

    def exists(self, window_id: int) -> bool:
        from Xlib import display as xdisplay
        from Xlib.error import BadDrawable, BadWindow

        connection = xdisplay.Display(self.display)
        try:
            connection.create_resource_object("window", window_id).get_geometry()
            return True
        except (BadWindow, BadDrawable):
            return False
        finally:
            connection.close()


@contextmanager
def system_tray(display: str) -> Iterator[SystemTray]:
    """Own the tray selection on `display` until the block ends, and dock the icons that ask
    (reparented into the manager window at the screen's bottom right, and shown) as a desktop's
    tray does."""
    from Xlib import X, protocol
    from Xlib import display as xdisplay

    connection = xdisplay.Display(display)
    stop = threading.Event()
    try:
        screen = connection.screen()
        x, y = screen.width_in_pixels - ICON_PX, screen.height_in_pixels - ICON_PX
        manager = screen.root.create_window(
            x, y, ICON_PX, ICON_PX, 0, screen.root_depth, override_redirect=True
        )
        manager.map()
        selection = connection.intern_atom(f"_NET_SYSTEM_TRAY_S{connection.get_default_screen()}")
        opcode = connection.intern_atom("_NET_SYSTEM_TRAY_OPCODE")
        manager.set_selection_owner(selection, X.CurrentTime)
        announce = protocol.event.ClientMessage(
            window=screen.root,
            client_type=connection.intern_atom("MANAGER"),
            data=(32, [X.CurrentTime, selection, manager.id, 0, 0]),
        )
        screen.root.send_event(announce, event_mask=X.StructureNotifyMask)
        connection.sync()
        tray = SystemTray(display, int(manager.id), x, y)

        def dock() -> None:
            while not stop.is_set():
                while connection.pending_events():
                    event = connection.next_event()
                    if event.type != X.ClientMessage or event.client_type != opcode:
                        continue
                    if event.data[1][1] != REQUEST_DOCK:
                        continue
                    icon = connection.create_resource_object("window", event.data[1][2])
                    icon.reparent(manager, 0, 0)
                    icon.configure(width=ICON_PX, height=ICON_PX)
                    icon.map()
                    connection.sync()
                    tray.docked.append(int(icon.id))
                stop.wait(0.05)

        docking = threading.Thread(target=dock, name="x-system-tray", daemon=True)
        docking.start()
        yield tray
        stop.set()
        docking.join(timeout=5)
    finally:
        stop.set()
        connection.close()


def press_enter(display: str, window_id: int) -> None:
    """Focus `window_id` and press Enter (XTest), as a person answering a dialog does."""
    from Xlib import XK, X
    from Xlib import display as xdisplay
    from Xlib.ext import xtest

    connection = xdisplay.Display(display)
    try:
        window = connection.create_resource_object("window", window_id)
        window.set_input_focus(X.RevertToParent, X.CurrentTime)
        connection.sync()
        keycode = connection.keysym_to_keycode(XK.string_to_keysym("Return"))
        xtest.fake_input(connection, X.KeyPress, keycode)
        xtest.fake_input(connection, X.KeyRelease, keycode)
        connection.sync()
    finally:
        connection.close()
