"""A minimal system tray on an X display: it owns the `_NET_SYSTEM_TRAY_S<n>` selection (the
freedesktop system tray protocol) so that tray icons can dock, as in a desktop session."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def system_tray(display: str) -> Iterator[int]:
    """Own the tray selection on `display` until the block ends; yields the manager window."""
    from Xlib import X, protocol
    from Xlib import display as xdisplay

    connection = xdisplay.Display(display)
    try:
        screen = connection.screen()
        manager = screen.root.create_window(0, 0, 1, 1, 0, screen.root_depth)
        selection = connection.intern_atom(f"_NET_SYSTEM_TRAY_S{connection.get_default_screen()}")
        manager.set_selection_owner(selection, X.CurrentTime)
        announce = protocol.event.ClientMessage(
            window=screen.root,
            client_type=connection.intern_atom("MANAGER"),
            data=(32, [X.CurrentTime, selection, manager.id, 0, 0]),
        )
        screen.root.send_event(announce, event_mask=X.StructureNotifyMask)
        connection.sync()
        yield int(manager.id)
    finally:
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
