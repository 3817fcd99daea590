"""Ren: a local visual workflow app.

`register_function` registers Python functions that workflows may call; `open` starts Ren's
engine on a data folder for scripts and notebooks (see app.sdk).

The names are imported on first use (PEP 562), so a command such as `ren --help` does not load
the engine, the web server and the database layer just by importing the package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.nodes.functions import register_function
    from app.sdk import Ren, open

__all__ = ["Ren", "open", "register_function"]


def __getattr__(name: str) -> Any:
    if name == "register_function":
        from app.nodes.functions import register_function

        return register_function
    if name in ("Ren", "open"):
        from app import sdk

        return getattr(sdk, name)
    raise AttributeError(f"module 'app' has no attribute {name!r}")
