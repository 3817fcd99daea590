"""Static files live in assets/ and every way Ren is shipped carries them: the README's desktop
build command (read from the README itself, so it cannot drift) and an installed wheel's
layout (app/_assets), which app.asset_paths finds."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from app.asset_paths import SERVED, asset, assets_dir
from tests.browser import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def pack_command() -> list[str]:
    """The README's `nicegui-pack` command, as the shell would split it."""
    for block in re.findall(r"```bash\n(.*?)```", README, re.DOTALL):
        if "nicegui-pack" in block:
            text = block[block.index("nicegui-pack") :].replace("\\\n", " ")
            return shlex.split(text.splitlines()[0], comments=True)
    raise AssertionError("the README has no nicegui-pack command")


def bundled(command: list[str]) -> dict[str, str]:
    """--add-data SOURCE:DEST pairs."""
    pairs = [command[i + 1] for i, word in enumerate(command) if word == "--add-data"]
    return dict(pair.split(":", 1) for pair in pairs)


def covered(path: Path, data: dict[str, str]) -> bool:
    """Whether `path` (relative to the repository) lands at the same place in the build."""
    for source, dest in data.items():
        if source == dest and (path == Path(source) or Path(source) in path.parents):
            return True  # a folder (or file) to the same place
        if path == Path(source) and Path(dest) == path.parent:
            return True  # a file into its own folder
    return False


def test_every_served_static_file_is_in_assets_and_in_the_desktop_build() -> None:
    command = pack_command()
    assert command[0] == "nicegui-pack" and command[-1] == "app/ui/desktop.py"
    data = bundled(command)
    for relative in SERVED:
        path = asset(relative)
        assert path.exists(), f"assets/{relative} is missing"
        assert covered(path.relative_to(ROOT), data), f"the pack command misses {relative}"
    # every static file under assets/ is one the app serves
    for path in assets_dir().rglob("*"):
        if path.is_file():
            inside = path.relative_to(assets_dir())
            assert any(inside == Path(s) or Path(s) in inside.parents for s in SERVED), (
                f"assets/{inside} is not listed in app.asset_paths.SERVED"
            )


def test_the_desktop_build_carries_every_file_the_app_reads_outside_python() -> None:
    data = bundled(pack_command())
    needed = [
        p.relative_to(ROOT)
        for p in (ROOT / "app").rglob("*")
        if p.suffix in (".sql", ".js", ".css", ".woff2", ".svg", ".png")
        and "node_modules" not in p.parts
        and "src" not in p.parts  # the canvas sources, built into assets/
    ]
    assert needed, "found no data files"
    for path in needed:
        assert covered(path, data), f"the pack command misses {path}"
    # and no static file hides in the package any more
    assert not [p for p in needed if p.suffix in (".css", ".woff2", ".svg", ".png")]


def test_an_installed_layout_finds_its_assets_inside_the_package(tmp_path: Path) -> None:
    """A wheel ships assets/ as app/_assets (setup.py): the resolver finds it there."""
    package = tmp_path / "site" / "app"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    shutil.copy(ROOT / "app" / "asset_paths.py", package / "asset_paths.py")
    shutil.copytree(ROOT / "assets", package / "_assets")
    found = subprocess.run(
        [sys.executable, "-c", "from app.asset_paths import asset; print(asset('css/shell.css'))"],
        cwd=tmp_path / "site",
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(found) == package / "_assets" / "css" / "shell.css"
    setup = (ROOT / "setup.py").read_text(encoding="utf-8")
    assert '"app._assets": "assets"' in setup and '"app._assets": ["**/*"]' in setup
