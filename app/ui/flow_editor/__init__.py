"""Ren's node-graph canvas: a Vue Flow editor wrapped as a NiceGUI element."""

from app.ui.flow_editor.flow_editor import FlowEditor

__all__ = ["FlowEditor"]
