"""The MCP tools node's "Load tools" in the editor, through NiceGUI's simulated user, against a
real local stdio MCP server: the tools are listed and kept in the node's config; a server that
cannot start is said in the panel."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from nicegui.testing import User

from app.core.dsl import WorkflowSpec
from app.ui.flow_editor import FlowEditor
from tests.ai.test_mcp import SERVER
from tests.ui.conftest import forget_pages, ren_home  # noqa: F401 - autouse fixtures
from tests.ui.people import engine, wait_for


def mcp_flow(config: dict[str, Any]) -> WorkflowSpec:
    return WorkflowSpec.model_validate(
        {
            "id": "tools",
            "nodes": [
                {"id": "start", "type": "start"},
                {"id": "math", "type": "mcp_tools", "config": config},
            ],
            "edges": [],
        }
    )


async def open_node(user: User, config: dict[str, Any]) -> None:
    engine().workflows.save(mcp_flow(config), "tools")
    await user.open("/workflows/tools")
    user.find(FlowEditor).trigger("selection", {"nodes": ["math"], "edges": []})
    await user.should_see("Load tools")


async def test_load_tools_lists_and_keeps_the_servers_tools(user: User, tmp_path: Path) -> None:
    script = tmp_path / "server.py"
    script.write_text(SERVER, encoding="utf-8")
    await open_node(user, {"command": sys.executable, "args": [str(script)]})
    user.find(marker="mcp-load-tools").click()
    await wait_for(lambda: "loaded" in _status(user), timeout=60)
    assert _status(user) == "2 tools loaded"
    await user.should_see("Add two whole numbers.")
    await wait_for(lambda: "tools" in _saved_config(), timeout=10)  # the editor saves
    assert [t["name"] for t in _saved_config()["tools"]] == ["add", "explode"]


async def test_a_server_that_cannot_start_is_said(user: User, tmp_path: Path) -> None:
    await open_node(user, {"command": str(tmp_path / "missing-server")})
    user.find(marker="mcp-load-tools").click()
    await wait_for(lambda: "missing-server" in _status(user), timeout=60)
    assert "tools" not in _saved_config()


def _status(user: User) -> str:
    (label,) = user.find(marker="mcp-status").elements
    return str(getattr(label, "text", ""))


def _saved_config() -> dict[str, Any]:
    node = engine().workflows.draft("tools").node("math")
    assert node is not None
    return dict(node.config)
