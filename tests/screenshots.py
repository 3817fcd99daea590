"""Where browser tests save the screenshots the README shows.

By default into the test's own temporary folder, so a test run leaves the checkout clean.
With REN_REFRESH_SCREENSHOTS=1 set, into docs/screenshots/, to refresh the README's pictures.
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.ren_cli import ROOT

DOCS = ROOT / "docs" / "screenshots"


def refreshing() -> bool:
    """Whether this run refreshes the README's screenshots (REN_REFRESH_SCREENSHOTS=1)."""
    return os.environ.get("REN_REFRESH_SCREENSHOTS") == "1"


def screenshot_path(tmp_path: Path, name: str) -> Path:
    """Where to save the screenshot `name` (e.g. "data-panel.png")."""
    folder = DOCS if refreshing() else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name
