"""The MCP tools node's part of the side panel: "Load tools" asks the server for its tools (in a
worker thread with its own event loop, so a slow or hanging server never holds the page) and
keeps them in the node's `tools`, listed with their descriptions."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from nicegui import ui
from pydantic import ValidationError

from app.nodes.ai_mcp import McpError, McpToolsConfig, list_server_tools


def load_tools_now(config: dict[str, Any]) -> list[dict[str, Any]]:
    """The server's tools for this config (blocking: run it in a thread)."""
    settings = McpToolsConfig.model_validate({**config, "tools": []})
    return asyncio.run(list_server_tools(settings))


class McpPanel:
    def __init__(
        self,
        current: Callable[[], dict[str, Any] | None],
        save: Callable[[dict[str, Any]], None],
    ) -> None:
        self.current = current  # the node's config as it is now
        self.save = save  # stores a new config (undoable, like any edit)

    def build(self, config: dict[str, Any]) -> None:
        ui.label("MCP server").classes("ren-section mt-4")
        with ui.row().classes("w-full items-center gap-2"):
            self.button = ui.button("Load tools", icon="sync", on_click=self.load)
            self.button.props("outline dense no-caps").mark("mcp-load-tools")
            self.status = ui.label().classes("ren-hint").mark("mcp-status")
        self.listing = ui.column().classes("w-full gap-1").mark("mcp-tools")
        self._show(config.get("tools") or [])

    async def load(self) -> None:
        config = self.current()
        if config is None:
            return
        self.button.disable()
        self.status.set_text("Asking the server…")
        try:
            tools = await asyncio.to_thread(load_tools_now, config)
        except ValidationError as err:
            self.status.set_text(f"Check the settings first: {err.errors()[0]['msg']}")
            return
        except McpError as err:
            self.status.set_text(str(err))
            ui.notify(str(err), type="negative")
            return
        finally:
            self.button.enable()
        latest = self.current() or config
        self.save({**latest, "tools": tools})
        self.status.set_text(f"{len(tools)} tool{'s' if len(tools) != 1 else ''} loaded")
        self._show(tools)

    def _show(self, tools: list[dict[str, Any]]) -> None:
        self.listing.clear()
        with self.listing:
            if not tools:
                ui.label("No tools listed yet.").classes("ren-hint")
            for tool in tools:
                with ui.column().classes("gap-0"):
                    ui.label(str(tool.get("name", ""))).classes("ren-mono text-sm")
                    if tool.get("description"):
                        ui.label(str(tool["description"])).classes("ren-hint")
