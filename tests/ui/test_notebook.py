"""`app.notebook.start()` in a real Jupyter kernel (ipykernel, driven by jupyter_client as a
notebook front end would): cells start the app, see it inline, use the Python API on the same
engine, and close it; the app's pages answer meanwhile, and what the kernel ran is listed
there."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.manager import KernelManager, start_new_kernel

from tests.browser import ROOT
from tests.ren_cli import ren_env

CELL_SECONDS = 120


class Notebook:
    """Runs cells in a kernel and collects what each one showed."""

    def __init__(self, client: BlockingKernelClient) -> None:
        self.client = client

    def run(self, code: str) -> list[tuple[str, dict[str, Any]]]:
        """Execute one cell; its outputs as (message type, content). A cell that raises fails
        the test with the kernel's traceback."""
        msg_id = self.client.execute(code)
        outputs: list[tuple[str, dict[str, Any]]] = []
        while True:
            message = self.client.get_iopub_msg(timeout=CELL_SECONDS)
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = message["msg_type"], message["content"]
            if kind == "error":
                pytest.fail(f"the cell raised:\n{code}\n" + "\n".join(content["traceback"]))
            if kind in ("stream", "display_data", "execute_result"):
                outputs.append((kind, content))
            if kind == "status" and content["execution_state"] == "idle":
                return outputs

    def value(self, expression: str) -> Any:
        """A JSON value computed in the kernel."""
        outputs = self.run(f"import json; print(json.dumps({expression}))")
        text = "".join(c["text"] for kind, c in outputs if kind == "stream")
        return json.loads(text.strip().splitlines()[-1])


@pytest.fixture
def notebook(tmp_path: Path) -> Iterator[Notebook]:
    env = ren_env(tmp_path / "home")
    manager: KernelManager
    manager, client = start_new_kernel(kernel_name="python3", cwd=str(ROOT), env=env)
    try:
        yield Notebook(client)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def iframes(outputs: list[tuple[str, dict[str, Any]]]) -> list[str]:
    return [c["data"]["text/html"] for kind, c in outputs if kind == "display_data"]


def test_one_cell_starts_the_app_inline_and_the_api_works_in_the_kernel(
    notebook: Notebook,
) -> None:
    started = notebook.run("import app.notebook\nren = app.notebook.start(height=600)")
    url = notebook.value("ren.url")
    assert url.startswith("http://127.0.0.1:")
    (frame,) = iframes(started)
    assert f'src="{url}/workflows"' in frame and 'height="600"' in frame
    with urllib.request.urlopen(url + "/workflows", timeout=10) as page:
        assert page.status == 200

    notebook.run(
        "from app.nodes.functions import load_functions\n"
        "load_functions('examples/seed004_functions.py')\n"
        "ren.import_workflow('examples/seed004_amount_approval.json')\n"
        "run = ren.run('workflow_1', {'data': {'amount': 1500}}, timeout=30)"
    )
    assert notebook.value("run.status") == "succeeded"
    assert notebook.value("run.output") == {"decision": "approved", "amount": 1500}
    run_id = notebook.value("run.id")
    with urllib.request.urlopen(url + "/runs", timeout=10) as page:
        assert run_id in page.read().decode()  # the app lists what the kernel ran

    assert notebook.value("app.notebook.start(show=False) is ren")  # one app per kernel
    (runs_frame,) = iframes(notebook.run("ren.show('/runs')"))
    assert f'src="{url}/runs"' in runs_frame

    notebook.run("ren.close()")
    with pytest.raises(OSError):
        urllib.request.urlopen(url + "/workflows", timeout=5)
