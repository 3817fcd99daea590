"""Where Ren's static files are: the top-level `assets/` folder, found in one place.

From a clone (or an editable install) that is `<repository>/assets`. An installed wheel ships
the same folder as the data package `app._assets` (see pyproject.toml), and a desktop build
made with the README's `nicegui-pack` command carries it as `assets/` next to `app/`.
Every static file the app serves is named in `SERVED`, so the packaging test can check that
the desktop build's command includes each one.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

__all__ = ["SERVED", "asset", "assets_dir"]

# Every static file (or folder) the app serves, relative to assets/.
SERVED: tuple[str, ...] = (
    "css/shell.css",
    "css/editor.css",
    "css/people.css",
    "css/fonts.css",
    "fonts",
    "css/workbench.css",
    "icons/favicon.svg",
    "flow_editor",
)


@cache
def assets_dir() -> Path:
    """The assets folder: next to the `app` package, else inside it (installed)."""
    app_dir = Path(__file__).resolve().parent
    for candidate in (app_dir.parent / "assets", app_dir / "_assets"):
        if (candidate / "css").is_dir():
            return candidate
    raise FileNotFoundError(
        f"Ren's static files are missing: neither {app_dir.parent / 'assets'} nor "
        f"{app_dir / '_assets'} exists; reinstall Ren"
    )


def asset(relative: str) -> Path:
    """The path of one static file (or folder) under assets/, e.g. `css/shell.css`."""
    return assets_dir() / relative
