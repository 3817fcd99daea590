"""The X side of the desktop-window test: a virtual display (Xvfb), its windows, and closing
one the way a window manager does when the user clicks its close button."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

WINDOW_LINE = re.compile(r'^\s*(0x[0-9a-f]+) "(.*)": .* (\d+)x(\d+)[+-]', re.MULTILINE)


@contextmanager
def virtual_display(size: str = "1400x900x24") -> Iterator[str]:
    """An Xvfb display of its own (Xvfb picks a free number and writes it to a pipe)."""
    read_end, write_end = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", size, "-nolisten", "tcp"],
        pass_fds=[write_end],
        stderr=subprocess.DEVNULL,
    )
    os.close(write_end)
    with os.fdopen(read_end) as numbers:
        number = numbers.readline().strip()
    try:
        if not number:
            raise RuntimeError("Xvfb did not start")
        yield f":{number}"
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)


def windows(display: str) -> dict[str, tuple[int, int, int]]:
    """The display's named windows: title -> (window id, width, height)."""
    for _ in range(5):  # xwininfo fails when a window goes away while it lists them
        listing = subprocess.run(
            ["xwininfo", "-root", "-tree", "-display", display], capture_output=True, text=True
        )
        if listing.returncode == 0:
            break
    listing.check_returncode()
    tree = listing.stdout
    return {
        title: (int(wid, 16), int(width), int(height))
        for wid, title, width, height in WINDOW_LINE.findall(tree)
    }


def close_window(display: str, window_id: int) -> None:
    """Ask the window to close, as a window manager does for its close button
    (a WM_DELETE_WINDOW client message)."""
    from Xlib import X, protocol
    from Xlib import display as xdisplay

    connection = xdisplay.Display(display)
    try:
        window = connection.create_resource_object("window", window_id)
        message = protocol.event.ClientMessage(
            window=window,
            client_type=connection.intern_atom("WM_PROTOCOLS"),
            data=(32, [connection.intern_atom("WM_DELETE_WINDOW"), X.CurrentTime, 0, 0, 0]),
        )
        window.send_event(message, event_mask=X.NoEventMask)
        connection.flush()
    finally:
        connection.close()
