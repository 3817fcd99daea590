"""Metrics in the Prometheus text exposition format (version 0.0.4).

https://prometheus.io/docs/instrumenting/exposition_formats/ — one `# HELP` and `# TYPE` line
per family, then its samples; label values escape backslash, double quote and newline.
"""

from __future__ import annotations

from app.engine.metrics import Metrics

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _number(value: float) -> str:
    return repr(float(value)) if isinstance(value, float) else str(value)


def render(metrics: Metrics) -> str:
    lines: list[str] = []

    def family(name: str, kind: str, help_text: str) -> None:
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} {kind}")

    family("ren_runs", "gauge", "Runs by status (editor test runs left out).")
    for status, count in metrics.runs.items():
        lines.append(f'ren_runs{{status="{label(status)}"}} {count}')
    family("ren_steps", "gauge", "Steps (node runs, each attempt) by status.")
    for status, count in metrics.steps.items():
        lines.append(f'ren_steps{{status="{label(status)}"}} {count}')
    family("ren_runs_waiting", "gauge", "Runs waiting on a person, a timer or a signal.")
    lines.append(f"ren_runs_waiting {metrics.waiting_runs}")
    family("ren_tasks_open", "gauge", "Human tasks not answered yet.")
    lines.append(f"ren_tasks_open {metrics.open_tasks}")
    family(
        "ren_run_duration_seconds",
        "summary",
        "Durations of the runs that ended, created in the last 7 days, per workflow.",
    )
    for workflow_id, d in metrics.durations.items():
        wid = label(workflow_id)
        for quantile, value in (("0.5", d.p50), ("0.95", d.p95)):
            lines.append(
                f'ren_run_duration_seconds{{workflow="{wid}",quantile="{quantile}"}} '
                f"{_number(value)}"
            )
        lines.append(f'ren_run_duration_seconds_sum{{workflow="{wid}"}} {_number(d.total)}')
        lines.append(f'ren_run_duration_seconds_count{{workflow="{wid}"}} {d.count}')
    return "\n".join(lines) + "\n"
