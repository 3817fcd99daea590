"""The tray / menu-bar icon (pystray): `ren tray`, a small process of its own.

The process that serves a data folder starts it when it goes to the background (app.ui.
tray_process). Its main thread runs pystray (macOS requires that); it asks the serving process
over the local API (the token in `engine.json`, as every local `ren` command) for what to show,
and hands the menu's actions to it. It ends when that process stops.

The menu: what is running and waiting, the open task count (opens the inbox), what ran late
after a sleep, Open Ren, Pause all schedules / Resume schedules, Quit Ren. pystray's plain X
backend has no menu: there a click on the icon opens Ren, whose Settings has the same actions.
"""

from __future__ import annotations

import contextlib
import logging
import subprocess
import sys
import threading
import time
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.engine.lock import EngineBusy, FolderLock

log = logging.getLogger(__name__)

ICON_SIZE = 64
PRIMARY = (79, 70, 229, 255)  # the app's primary colour
POLL_S = 2.0  # how often the icon asks for the counts (and notices that Ren stopped)
CALL_TIMEOUT_S = 30.0
HOLDER_WAIT_S = 30.0  # `ren tray` started with the server: wait this long for it to answer
REATTACH_S = 30.0  # a crashed Ren restarted by its login service takes the folder within this
# app.api.rpc's header, not imported from there: that module loads the whole engine, which an
# icon's process has no use for
TOKEN_HEADER = "X-Ren-Token"


@dataclass(frozen=True)
class Snapshot:
    running: int = 0
    waiting: int = 0
    open_tasks: int = 0
    paused: int = 0  # schedules a pause-all turned off (0: not paused)
    late: str | None = None  # what ran late after the last sleep

    @staticmethod
    def of(status: dict[str, Any]) -> Snapshot:
        late = status.get("late")
        return Snapshot(
            int(status.get("running") or 0),
            int(status.get("waiting") or 0),
            int(status.get("open_tasks") or 0),
            int(status.get("paused") or 0),
            str(late) if late else None,
        )

    @property
    def runs_line(self) -> str:
        return f"{self.running} running, {self.waiting} waiting"

    @property
    def tasks_line(self) -> str:
        return f"{self.open_tasks} open task{'' if self.open_tasks == 1 else 's'}"


class NoServer(RuntimeError):
    """The process serving the folder is gone (nothing listens where it said it would)."""


class CallFailed(RuntimeError):
    """The process serving the folder refused a call, or did not answer in time."""


class TrayClient:
    """The tray's calls to the process serving the folder, over the local API
    (app.api.rpc) with the token it wrote to `engine.json`."""

    def __init__(self, holder: dict[str, Any]) -> None:
        self.holder = holder
        self.url = str(holder.get("ui") or "")
        host, port = holder.get("host", "127.0.0.1"), holder.get("port")
        self._rpc = f"http://{host}:{port}/api/rpc/"
        self._token = str(holder.get("token") or "")

    def call(self, name: str) -> Any:
        import httpx

        try:
            response = httpx.post(
                self._rpc + name,
                json={},
                headers={TOKEN_HEADER: self._token},
                timeout=CALL_TIMEOUT_S,
            )
            body = response.json()
        except httpx.ConnectError as err:
            raise NoServer(f"the Ren process serving this folder is gone: {err}") from None
        except (httpx.HTTPError, ValueError) as err:  # busy, or stopping while it answered
            raise CallFailed(f"{name}: no answer from Ren: {err}") from None
        if not isinstance(body, dict) or not body.get("ok"):
            error = body.get("error") if isinstance(body, dict) else None
            message = error.get("message") if isinstance(error, dict) else body
            raise CallFailed(f"{name}: {message}")
        return body.get("result")

    def status(self) -> Snapshot:
        return Snapshot.of(self.call("tray_status"))


class Tray:
    """The icon and its menu; `run()` blocks (on the main thread) until `stop()`."""

    def __init__(
        self,
        client: TrayClient,
        pystray: Any,
        open_ren: Callable[[str], object],
        holders: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        self.client = client
        self.snapshot = Snapshot()
        self._pystray = pystray
        self._open = open_ren
        self._holders = holders  # what the folder's `engine.json` says now (None: never look)
        self._stopped = threading.Event()
        self.icon: Any = pystray.Icon("ren", icon_image(), "Ren", self._menu())

    def run(self) -> None:
        self.icon.run(setup=self._setup)

    def stop(self) -> None:
        self._stopped.set()
        self.icon.stop()
        flush_x(self.icon)

    def refresh(self) -> Snapshot:
        """Ask for the counts now and redraw; stop once the serving process is gone."""
        try:
            fresh = self.client.status()
        except NoServer:
            if not self._reattach():
                self.stop()
            return self.snapshot
        except CallFailed as err:  # the next poll asks again
            log.debug("tray refresh: %s", err)
            return self.snapshot
        if fresh != self.snapshot or self.icon.title == "Ren":
            self.snapshot = fresh
            on_main_thread(self._redraw)
        return self.snapshot

    def _reattach(self) -> bool:
        """After the serving process went away: follow the one that takes the folder over
        (a login service restarting Ren after a crash). A Ren that stopped released the
        folder (no `engine.json`): then the icon ends at once."""
        if self._holders is None:
            return False
        deadline = time.monotonic() + REATTACH_S
        while not self._stopped.is_set() and time.monotonic() < deadline:
            holder = self._holders()
            if not holder:
                return False
            fresh = holder != self.client.holder and holder.get("ui") and holder.get("token")
            if fresh:
                self.client = TrayClient(holder)
                return True
            self._stopped.wait(POLL_S)
        return False

    def _redraw(self) -> None:
        try:
            self.icon.title = f"Ren: {self.snapshot.runs_line}"
            self.icon.update_menu()
        except Exception:  # not shown (yet), or closing: the next change draws it
            log.debug("tray redraw", exc_info=True)

    def item(self, label: str) -> Any:
        """The menu item whose text starts with `label` (tests, and a look at the menu)."""
        for entry in self.icon.menu.items:
            if str(entry.text).startswith(label):
                return entry
        raise KeyError(f"no tray menu item '{label}' in {[str(e.text) for e in self.icon.menu]}")

    def _setup(self, icon: Any) -> None:
        take_clicks(icon)  # first: once the icon shows, a click on it counts
        icon.visible = True
        threading.Thread(target=self._poll, name="ren-tray-poll", daemon=True).start()

    def _poll(self) -> None:
        while not self._stopped.is_set():
            self.refresh()
            self._stopped.wait(POLL_S)

    def _do(self, name: str) -> None:
        try:
            try:
                self.client.call(name)
            except NoServer:
                if not self._reattach():
                    raise
                self.client.call(name)  # on the Ren that took the folder over
        except NoServer:
            self.stop()
            return
        except CallFailed as err:  # said where Ren's output goes; the menu stays as it was
            print(f"ren tray: {err}", file=sys.stderr, flush=True)
            return
        self.refresh()

    def _quit(self) -> None:
        try:
            self.client.call("quit_background")
        except NoServer:  # gone already: done
            pass
        except CallFailed as err:  # e.g. a Ren in the foreground: it says how to stop it
            print(f"ren tray: {err}", file=sys.stderr, flush=True)
        self.stop()

    def _open_at(self, path: str) -> None:
        self._open(self.client.url + path)

    def _menu(self) -> Any:
        item, menu = self._pystray.MenuItem, self._pystray.Menu

        def toggle(icon: Any, entry: Any) -> None:
            paused = self.snapshot.paused
            self._do("schedules_resume_all" if paused else "schedules_pause_all")

        return menu(
            item(lambda _: self.snapshot.runs_line, None, enabled=False),
            item(lambda _: self.snapshot.tasks_line, lambda: self._open_at("/inbox")),
            item(
                lambda _: self.snapshot.late or "",
                None,
                enabled=False,
                visible=lambda _: self.snapshot.late is not None,
            ),
            menu.SEPARATOR,
            item("Open Ren", lambda: self._open_at(""), default=True),
            item(
                lambda _: "Resume schedules" if self.snapshot.paused else "Pause all schedules",
                toggle,
            ),
            menu.SEPARATOR,
            item("Quit Ren", lambda: self._quit()),
        )


def on_main_thread(call: Callable[[], None]) -> None:
    """Run `call` where the icon's toolkit wants it: AppKit (macOS) only on the main thread,
    which runs the icon's loop; pystray's other backends take calls from any thread."""
    if sys.platform == "darwin":
        try:
            from PyObjCTools.AppHelper import callAfter  # type: ignore[import-not-found]
        except ImportError:  # pystray's macOS backend brings it; without it, call here
            call()
        else:
            callAfter(call)
        return
    call()


def take_clicks(icon: Any) -> None:
    """pystray's plain X backend (0.19) handles a click on its icon (the default action, Open
    Ren) but never asks X for clicks: its window selects no ButtonPress events, so a click does
    nothing. Ask for them too."""
    window = getattr(icon, "_window", None)
    if type(icon).__module__.endswith("_xorg") and window is not None:
        from Xlib import X  # type: ignore[import-untyped]  # pystray's X backend brings it

        window.change_attributes(
            event_mask=X.ExposureMask | X.StructureNotifyMask | X.ButtonPressMask
        )
        icon._display.flush()


def flush_x(icon: Any) -> None:
    """pystray's plain X backend stops by destroying its window, and its loop ends when X says
    the window is gone; but python-xlib's threaded display can keep that request in its output
    buffer while the loop waits for events, so the loop (and `ren tray`) would wait on. A flush
    from another thread sends it."""
    display = getattr(icon, "_display", None)
    if not type(icon).__module__.endswith("_xorg") or display is None:
        return

    def flush() -> None:
        with contextlib.suppress(Exception):  # closed already: nothing left to send
            display.flush()

    flusher = threading.Thread(target=flush, name="ren-tray-flush", daemon=True)
    flusher.start()
    if threading.current_thread() is not getattr(icon, "_thread", None):
        flusher.join(timeout=1.0)


def icon_image() -> Any:
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (ICON_SIZE, ICON_SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((4, 4, ICON_SIZE - 4, ICON_SIZE - 4), radius=14, fill=PRIMARY)
    draw.ellipse((22, 22, ICON_SIZE - 22, ICON_SIZE - 22), fill=(255, 255, 255, 255))
    return image


# -- `ren tray` -------------------------------------------------------------------------------


def run_tray(folder: Path, opens_window: bool) -> int:
    """Show the icon for the process serving `folder` until it stops. 0 also when this desktop
    has no tray (said once: Ren runs without it); 1 when no Ren serves the folder."""
    try:
        import pystray  # type: ignore[import-untyped]
    except Exception as err:  # no backend: no display, no tray library for this desktop
        say_no_tray(str(err).splitlines()[0] if str(err) else type(err).__name__)
        return 0
    if pystray.Icon.__module__.endswith("_xorg") and not _x_has_tray():
        say_no_tray("this X display has no system tray")
        return 0
    lock = TrayLock(folder)  # one icon per folder: the service's, the desktop's autostart...
    try:
        lock.acquire()
    except EngineBusy as busy:
        pid = busy.holder.get("pid", "?")
        print(f"ren: the tray icon for {folder} already shows (pid {pid})", file=sys.stderr)
        return 0
    holder = _wait_for_holder(folder)
    if holder is None:
        lock.release()
        print(f"ren: no Ren app serves {folder}; start it first (ren worker)", file=sys.stderr)
        return 1
    opener = _window_opener(folder) if opens_window else webbrowser.open
    try:
        Tray(TrayClient(holder), pystray, opener, FolderLock(folder).holder).run()
    finally:
        lock.release()
    return 0


class TrayLock(FolderLock):
    """Held by the process showing a data folder's tray icon (released by the OS at its end)."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.path = folder / "tray.lock"
        self.info_path = folder / "tray.json"


def say_no_tray(reason: str) -> None:
    print(f"ren: no tray icon ({reason}); Ren runs without it", file=sys.stderr, flush=True)


def _wait_for_holder(folder: Path) -> dict[str, Any] | None:
    lock = FolderLock(folder)
    deadline = time.monotonic() + HOLDER_WAIT_S
    while True:
        holder = lock.holder()
        if holder.get("ui") and holder.get("token"):
            return holder
        if time.monotonic() > deadline:
            return None
        time.sleep(0.2)


def _window_opener(folder: Path) -> Callable[[str], object]:
    """Open Ren as a desktop window on the serving process (`ren --native` attaches to it)."""
    from app.service.description import ren_command

    def open_window(url: str) -> None:
        command = [*ren_command(), "--home", str(folder), "--native"]
        no_console = getattr(subprocess, "CREATE_NO_WINDOW", 0)  # Windows: the window only
        subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, creationflags=no_console
        )

    return open_window


def _x_has_tray() -> bool:
    """Whether a system tray owns the X display's tray selection (freedesktop protocol); the
    plain X backend cannot show an icon without one."""
    from Xlib import X
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
