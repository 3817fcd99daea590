"""Ren from plain Python: scripts, notebooks and tests.

    import app
    ren = app.open()                      # the data folder: $REN_HOME or the user data folder
    ren.add_functions("my_functions.py")  # into the data folder's function library
    ren.import_workflow("flow.json")      # any supported format; validated and published
    run = ren.run("flow", {"count": 150}) # start and wait
    ren.steps(run.id), ren.events(run.id)

The engine runs on its own event loop in a background thread, so these calls block only the
caller and work the same inside Jupyter (whose own loop is already running).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

from app.core.dsl import WorkflowSpec
from app.core.importers import load_workflow_file
from app.core.problems import Problem
from app.engine.rerun import SAME_INPUT, rerun_from
from app.engine.service import Engine
from app.engine.workflows import NotFound, Published, slug
from app.nodes.library_edit import add_file
from app.store.db import Synchronous
from app.store.schema import Event, Run, Step

T = TypeVar("T")


class WorkflowExists(ValueError):
    """`import_workflow` found a workflow with the document's id (pass replace=True)."""

    def __init__(self, workflow_id: str, name: str) -> None:
        self.workflow_id = workflow_id
        super().__init__(
            f"a workflow with id '{workflow_id}' already exists ({name!r}); pass replace=True "
            "to replace it with this document (its runs and versions are kept), or give the "
            "document another id"
        )


class Ren:
    def __init__(
        self,
        engine: Engine,
        loop: asyncio.AbstractEventLoop,
        thread: threading.Thread | None = None,
    ) -> None:
        self.engine = engine
        self._loop = loop
        self._thread = thread  # set when this object owns the loop

    @classmethod
    def open(
        cls,
        home: str | Path | None = None,
        *,
        recover: bool = True,
        synchronous: Synchronous = "NORMAL",
    ) -> Ren:
        """Start an engine on `home` in a background thread (runs left running continue)."""
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="ren-engine", daemon=True)
        thread.start()

        async def make() -> Engine:
            engine = Engine(home, synchronous=synchronous, watch_functions=True)
            await engine.start(recover=recover)
            return engine

        engine = asyncio.run_coroutine_threadsafe(make(), loop).result()
        return cls(engine, loop, thread)

    # -- calls onto the engine's loop ------------------------------------------------------

    def _await(self, make: Callable[[], Awaitable[T]], timeout: float | None = None) -> T:
        async def call() -> T:
            return await make()

        return asyncio.run_coroutine_threadsafe(call(), self._loop).result(timeout)

    def _call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if threading.current_thread() is self._thread:
            return fn(*args, **kwargs)
        future: Future[T] = Future()

        def run() -> None:
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as err:
                future.set_exception(err)

        self._loop.call_soon_threadsafe(run)
        return future.result()

    # -- workflows ---------------------------------------------------------------------------

    def import_workflow(
        self, source: str | Path | dict[str, Any], *, replace: bool = False
    ) -> Published:
        """Import a workflow (a path, JSON text or a dict; any supported format) and publish it.

        Its id is the document's `id` (else the file's name, else its name as a slug). When a
        workflow with that id exists, this refuses with WorkflowExists naming it, unless
        `replace=True`: then the document becomes that workflow's draft and a new version.
        """
        if isinstance(source, str) and not source.lstrip().startswith("{"):
            source = Path(source)
        return self._call(self._import, source, replace)

    def _import(self, source: Path | str | dict[str, Any], replace: bool) -> Published:
        workflows = self.engine.workflows
        spec = workflows.import_document(source)
        if spec.id is None and isinstance(source, Path):
            spec.id = source.stem
        workflow_id = spec.id or slug(spec.name)
        if not replace:
            try:
                existing = workflows.draft(workflow_id)
            except NotFound:
                pass
            else:
                raise WorkflowExists(workflow_id, existing.name)
        return workflows.publish(workflows.save(spec, workflow_id))

    def add_functions(self, path: str | Path) -> list[str]:
        """Copy a `.py` file of functions into the data folder's library (`functions/`), after
        checking that it loads; a library file of the same name is replaced. The functions are
        usable at once; returns their names. Raises LibraryError saying what is wrong."""
        checked = add_file(self.engine.functions.folder, Path(path), replace=True)
        self.engine.functions.reload()
        return sorted(checked.functions)

    def validate(self, source: str | Path | WorkflowSpec) -> list[Problem]:
        spec = source if isinstance(source, WorkflowSpec) else load_workflow_file(Path(source))
        return self._call(self.engine.validate, spec)

    # -- runs ----------------------------------------------------------------------------------

    def start(self, workflow_id: str, input: Any = None, **kwargs: Any) -> str:
        """Start a run and return its id at once."""
        return self._await(lambda: self.engine.start_run(workflow_id, input, **kwargs))

    def wait(self, run_id: str, timeout: float | None = None) -> Run:
        """Block until the run ends, pauses or waits; return it."""
        return self._await(lambda: self.engine.wait(run_id, timeout))

    def run(
        self, workflow_id: str, input: Any = None, timeout: float | None = None, **kwargs: Any
    ) -> Run:
        """Start a run and wait for it."""
        return self.wait(self.start(workflow_id, input, **kwargs), timeout)

    def rerun(self, run_id: str, node_id: str, input: Any = SAME_INPUT) -> str:
        """Start a re-run of an ended run from `node_id` (its input: as before, or `input`);
        the steps before it are reused, not run again (app.engine.rerun). Returns its id."""
        return self._await(lambda: rerun_from(self.engine, run_id, node_id, input))

    def get_run(self, run_id: str) -> Run:
        return self._call(self.engine.get_run, run_id)

    def runs(self, status: str | None = None, limit: int = 100) -> Sequence[Run]:
        return self._call(self.engine.list_runs, status, limit)

    def steps(self, run_id: str) -> Sequence[Step]:
        return self._call(self.engine.steps, run_id)

    def events(self, run_id: str, after_seq: int = 0) -> Sequence[Event]:
        return self._call(self.engine.events, run_id, after_seq)

    # -- life cycle ----------------------------------------------------------------------------

    def close(self) -> None:
        """Stop the engine (runs in flight stay `running` and continue at the next start)."""
        if self._thread is None:
            return
        self._await(self.engine.stop)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
        self._thread = None

    def __enter__(self) -> Ren:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open(home: str | Path | None = None, **kwargs: Any) -> Ren:
    return Ren.open(home, **kwargs)
