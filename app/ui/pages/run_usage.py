"""The tokens a run's AI steps (llm, ai_agent) used, under the run page's heading: read when the
page opens and again when the run ends or waits; hidden for a run without AI steps."""

from __future__ import annotations

from nicegui import ui

from app.core.dsl import WorkflowSpec
from app.engine.service import Engine
from app.nodes.ai_model_usage import ai_node_ids, run_usage, usage_line


class RunUsage:
    def __init__(self, engine: Engine, run_id: str, spec: WorkflowSpec | None) -> None:
        self.engine = engine
        self.run_id = run_id
        self.ai_nodes = ai_node_ids(spec.nodes) if spec is not None else set()
        self.label = ui.label().classes("ren-subtitle").mark("run-usage")
        self.label.props('data-testid="run-usage"')
        self.refresh()

    def refresh(self) -> None:
        usage = None
        if self.ai_nodes:  # a run without AI steps reads no steps for this
            usage = run_usage(self.engine.steps(self.run_id), self.ai_nodes)
        self.label.set_visibility(usage is not None)
        if usage is not None:
            self.label.text = usage_line(usage).capitalize()
