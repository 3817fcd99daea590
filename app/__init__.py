"""Ren: a local visual workflow app. `register_function` is the entry point for Python code."""

from app.nodes.functions import register_function

__all__ = ["register_function"]
