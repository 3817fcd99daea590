"""The README's Python API and notebook snippets, run exactly as written: the Python API one in
a fresh Python process, the notebook one cell by cell in a real Jupyter kernel. Both start on
an empty data folder, so seed 004's functions come from the snippet's own `add_functions`."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.ren_cli import ROOT, ren_env
from tests.ui.test_notebook import Notebook, notebook  # noqa: F401 - the kernel fixture

README = (ROOT / "README.md").read_text(encoding="utf-8")


def snippet(after: str) -> str:
    """The first ```python block after the line `after`."""
    start = README.index(after)
    match = re.search(r"```python\n(.*?)```", README[start:], re.DOTALL)
    assert match is not None, f"no python block after {after!r}"
    return match.group(1)


def test_the_python_api_snippet_runs_as_written(tmp_path: Path) -> None:
    code = snippet("## Python API")
    assert 'ren.add_functions("examples/seed004_functions.py")' in code
    code += "\nassert run.status == 'succeeded', run.error\nprint(run.output)\n"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=ren_env(tmp_path / "home"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "{'decision': 'approved', 'amount': 1500}" in done.stdout
    assert (tmp_path / "home" / "functions" / "seed004_functions.py").is_file()


def test_the_notebook_snippet_runs_as_written(notebook: Notebook) -> None:  # noqa: F811
    code = snippet("**In a notebook.**")
    assert "ren.add_functions" in code
    notebook.run(code)
    assert notebook.value("ren.runs()[0].status") == "succeeded"
    assert notebook.value("ren.runs()[0].output") == {"decision": "approved", "amount": 1500}
    notebook.run("ren.close()")
