"""The Functions page's packages card through NiceGUI's simulated user: missing packages per
file, and Install, which asks first and shows pip's output and result (pip installs a wheel the
test builds, never from the network)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from nicegui import ui
from nicegui.testing import User

from tests.cli.test_cli_dependencies import NEEDS, PACKAGE, build_wheel, uninstall


@pytest.fixture
def offline_pip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    build_wheel(wheels)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheels))
    uninstall()
    yield
    uninstall()


def labels(user: User) -> list[str]:
    return [e.text for e in user.current_layout.descendants() if isinstance(e, ui.label)]


async def test_missing_packages_are_shown_and_installed_after_confirming(
    user: User, home: Path, offline_pip: None
) -> None:
    (home / "functions").mkdir(parents=True, exist_ok=True)
    (home / "functions" / "probe.py").write_text(NEEDS)
    await user.open("/functions")
    await user.should_see(f"functions/probe.py: {PACKAGE}>=1 not installed")
    user.find(marker="install-packages").click()
    await user.should_see("Install these packages into Ren's environment with pip?")
    await user.should_not_see(marker="pip-log")  # nothing ran yet: the log is hidden
    user.find(marker="confirm-install").click()
    result = user.find(marker="install-result").elements.pop()
    assert isinstance(result, ui.label)
    deadline = asyncio.get_running_loop().time() + 120
    while not result.text:
        assert asyncio.get_running_loop().time() < deadline, "pip did not finish"
        await asyncio.sleep(0.1)
    assert result.text == f"Installed: {PACKAGE}>=1"
    log = user.find(marker="pip-log").elements.pop()
    lines = [child.text for child in log.descendants() if isinstance(child, ui.label)]
    assert f"Successfully installed {PACKAGE}-1.0" in "\n".join(lines)  # pip's output, live
    user.find("Close").click()  # the library reloads: the page no longer lists the package
    deadline = asyncio.get_running_loop().time() + 10
    while any("not installed" in text for text in labels(user)):
        assert asyncio.get_running_loop().time() < deadline, "the page still lists the package"
        await asyncio.sleep(0.1)
