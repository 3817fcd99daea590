"""Point `~` and the OS trash at a folder of the test's own.

send2trash reads XDG_DATA_HOME once, when it is first imported, so setting the variable is not
enough once an earlier test imported it: its trash location is set to match as well."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest


def use_home(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    data = home / ".local" / "share"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    if sys.platform.startswith("linux"):
        from send2trash import plat_other

        monkeypatch.setattr(plat_other, "XDG_DATA_HOME", os.fsencode(data))
        monkeypatch.setattr(plat_other, "HOMETRASH_B", os.fsencode(data / "Trash"))
        monkeypatch.setattr(plat_other, "HOMETRASH", str(data / "Trash"))
