"""The Functions page's "Packages" card: what library files declare (PEP 723) and lack.

It lists the missing packages per file; **Install** asks to confirm, then runs pip in a
subprocess (never on the event loop) into Ren's own environment, shows its output live in a
log and says how it ended. Nothing is installed without that confirmation.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable
from pathlib import Path

from nicegui import ui

from app.nodes.library_deps import all_missing, folder_needs, install_command, missing_requirements


class PackagesCard:
    """Shown only when a library file lacks packages or has a broken metadata block."""

    def __init__(self, folder: Path, on_installed: Callable[[], object]) -> None:
        self.on_installed = on_installed
        self.needs = folder_needs(folder)
        self.missing = all_missing(self.needs)
        if not self.missing and not any(n.problem for n in self.needs):
            return
        with ui.column().classes("ren-card w-full gap-1").mark("packages"):
            ui.label("Packages your function files need").classes("font-semibold")
            for need in self.needs:
                if need.problem:
                    ui.label(f"functions/{need.file.name}: {need.problem}").classes(
                        "ren-mono text-sm text-negative"
                    )
                elif need.missing:
                    text = f"functions/{need.file.name}: {', '.join(need.missing)} not installed"
                    ui.label(text).classes("ren-mono text-sm")
            if self.missing:
                ui.button("Install", icon="download", on_click=self.confirm).props(
                    "unelevated color=primary no-caps"
                ).mark("install-packages")

    def confirm(self) -> None:
        page = ui.context.client.content  # not in the card: a reload redraws the card
        with page, ui.dialog() as dialog, ui.card().classes("min-w-[32rem]"):
            ui.label("Install these packages into Ren's environment with pip?").classes(
                "font-semibold"
            )
            ui.label(", ".join(self.missing)).classes("ren-mono")
            output = ui.log(max_lines=400).classes("w-full h-64").mark("pip-log")
            output.set_visibility(False)
            result = ui.label("").mark("install-result")
            with ui.row().classes("w-full justify-end"):
                close = ui.button("Cancel", on_click=lambda: finish()).props("flat")
                go = ui.button("Install").props("unelevated color=primary").mark("confirm-install")

        installed: list[bool] = []

        def finish() -> None:
            dialog.close()
            if installed:
                self.on_installed()  # the library reloads, and the page shows what loads now

        async def install() -> None:
            go.disable()
            close.disable()
            output.set_visibility(True)
            code = await self.run_pip(output)
            still = missing_requirements(self.missing)
            if code == 0 and not still:
                result.set_text(f"Installed: {', '.join(self.missing)}")
                importlib.invalidate_caches()  # so the files that needed them import now
                installed.append(True)
            else:
                left = ", ".join(still) or "nothing"
                result.set_text(f"pip failed (exit code {code}); still missing: {left}")
            close.set_text("Close")
            close.enable()

        go.on_click(install)
        dialog.open()

    async def run_pip(self, output: ui.log) -> int:
        """pip in a subprocess, its output streamed line by line into `output`."""
        process = await asyncio.create_subprocess_exec(
            *install_command(self.missing),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        assert process.stdout is not None
        async for line in process.stdout:
            output.push(line.decode(errors="replace").rstrip())
        return await process.wait()
