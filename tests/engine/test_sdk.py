"""The blocking Python API, as a script or a notebook uses it."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import app
from app.core.dsl import WorkflowSpec
from tests import helpers_functions as _functions  # noqa: F401 - registers t.* functions
from tests.conftest import chain_workflow

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def seed004_functions() -> Iterator[None]:
    """seed 004's example functions, registered for one test only.

    The registry is process-wide: left behind, they would make later tests that expect them
    absent fail (tests/core/test_importers.py). The loaded module is forgotten too, or the
    next `load_functions` of the file would skip it and register nothing.
    """
    from app.nodes.functions import REGISTRY, load_functions

    before = {f.name for f in REGISTRY}
    modules = set(sys.modules)
    load_functions(str(EXAMPLES / "seed004_functions.py"))
    try:
        yield
    finally:
        for name in {f.name for f in REGISTRY} - before:
            REGISTRY.unregister(name)
        for module in set(sys.modules) - modules:
            if module.startswith("ren_functions_seed004_functions_"):
                del sys.modules[module]


@pytest.mark.usefixtures("seed004_functions")
def test_open_import_run_and_read_back(tmp_path: Path) -> None:
    with app.open(tmp_path) as ren:
        published = ren.import_workflow(str(EXAMPLES / "seed004_amount_approval.json"))
        run = ren.run(published.workflow_id, {"data": {"amount": 1500}})
        assert run.status == "succeeded"
        assert run.output == {"decision": "approved", "amount": 1500}
        assert [s.status for s in ren.steps(run.id)].count("skipped") == 1
        assert ren.events(run.id)[-1].type == "run.succeeded"
        assert ren.runs()[0].id == run.id


def test_start_then_wait_from_another_thread(tmp_path: Path) -> None:
    with app.open(tmp_path) as ren:
        ren.import_workflow(chain_workflow({"type": "function", "config": {"function": "t.add"}}))
        run_id = ren.start("wf", {"counter": 41})
        results = []
        waiter = threading.Thread(target=lambda: results.append(ren.wait(run_id, timeout=30)))
        waiter.start()
        waiter.join()
        assert results[0].output == {"counter": 42}


def test_import_from_json_text_and_validate(tmp_path: Path) -> None:
    doc = chain_workflow({"type": "function", "config": {"function": "nope.missing"}}, wid="bad")
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    with app.open(tmp_path / "home") as ren:
        problems = ren.validate(path)
        assert [p.code for p in problems] == ["bad_config"]
        assert ren.validate(WorkflowSpec.model_validate(chain_workflow())) == []
        published = ren.import_workflow(json.dumps(chain_workflow(wid="txt")))
        assert published.workflow_id == "txt" and published.number == 1


def test_loading_a_file_already_imported_as_a_module_keeps_its_functions() -> None:
    """`--functions path/to/funcs.py` for a file the process already imported (as
    `tests.helpers_functions` here) must not run it again as a copy: the copy's functions
    would replace the module's, with their own globals."""
    from app.nodes.functions import REGISTRY, load_functions
    from tests import helpers_functions

    before = REGISTRY.get("t.add")
    assert before is not None
    load_functions(helpers_functions.__file__ or "")
    after = REGISTRY.get("t.add")
    assert after is not None and after.fn is helpers_functions.add
