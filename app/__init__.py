"""Ren: a local visual workflow app.

`register_function` registers Python functions that workflows may call; `open` starts Ren's
engine on a data folder for scripts and notebooks (see app.sdk).
"""

from app.nodes.functions import register_function
from app.sdk import Ren, open

__all__ = ["Ren", "open", "register_function"]
