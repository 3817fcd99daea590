"""The files a run's steps saved (artifacts): name, type, size and a download link, for the
whole run on its page and for one step in the step panel. The list is read again when a step
of the run is committed (its artifacts are recorded in the same transaction)."""

from __future__ import annotations

from nicegui import ui

from app.api.artifacts import download_url
from app.engine.events import RunEvent
from app.engine.service import Engine
from app.store.schema import Artifact
from app.ui.live import committed_events

STEP_DONE = ("step.completed", "step.failed", "step.retrying")


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def artifact_rows(artifacts: list[Artifact], show_step: bool = True) -> None:
    """One line per artifact: a download link with the name, then type, size (and step)."""
    for artifact in artifacts:
        with ui.row().classes("items-center gap-2 w-full no-wrap").mark("artifact"):
            ui.icon("description", size="18px").classes("ren-muted")
            link = ui.link(artifact.name, download_url(artifact.id)).classes("ren-link truncate")
            link.props(f'download="{_attr(artifact.name)}"').mark(f"artifact-{artifact.id}")
            ui.space()
            facts = [artifact.media_type, human_size(artifact.size)]
            if show_step:
                facts.append(artifact.node_key)
            ui.label(" · ".join(facts)).classes("ren-small ren-muted ren-mono shrink-0")


class RunArtifactsCard:
    """The run page's "Artifacts" card."""

    def __init__(self, engine: Engine, run_id: str) -> None:
        self.engine = engine
        self.run_id = run_id
        self.stale = False
        ui.label("Artifacts").classes("ren-card-title")
        self.box = ui.column().classes("ren-card w-full p-4 gap-1")
        self.box.props('data-testid="run-artifacts"').mark("run-artifacts")
        self.show()
        committed_events.subscribe(self.on_event)
        ui.timer(1.0, self.refresh)

    def on_event(self, event: RunEvent) -> None:
        if event.run_id == self.run_id and event.type in STEP_DONE:
            self.stale = True

    def refresh(self) -> None:
        if self.stale:
            self.stale = False
            self.show()

    def show(self) -> None:
        artifacts = self.engine.artifacts.of_run(self.run_id)
        self.box.clear()
        with self.box:
            if not artifacts:
                ui.label("No files saved by this run's steps.").classes("ren-muted")
            else:
                artifact_rows(artifacts)


def step_artifacts(engine: Engine, run_id: str, node_key: str) -> None:
    """In the step panel: the files this step saved (nothing when it saved none)."""
    mine = [a for a in engine.artifacts.of_run(run_id) if a.node_key == node_key]
    if mine:
        ui.label("Files").classes("ren-card-title")
        artifact_rows(mine, show_step=False)


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;")
