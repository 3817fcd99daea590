"""Packages a library file needs, declared with PEP 723 inline metadata, and which are missing.

    # /// script
    # dependencies = ["requests>=2.31", "rich"]
    # ///

Ren reads the block (PEP 723's reference regex and `tomllib`), checks each requirement against
the packages installed in its own environment (importlib.metadata and packaging's specifiers),
and installs missing ones only when a person confirms (`ren functions install`, the Functions
page): never silently at run time. `install_command` is the pip command both use; pip reads its
PIP_* environment variables (PIP_INDEX_URL, PIP_NO_INDEX, PIP_FIND_LINKS, ...) as usual.
"""

from __future__ import annotations

import importlib.metadata
import re
import sys
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from app.nodes.library import library_files

# The reference implementation's regex (PEP 723, "Reference Implementation").
BLOCK = re.compile(r"(?m)^# /// (?P<type>[a-zA-Z0-9-]+)$\s(?P<content>(^#(| .*)$\s)+)^# ///$")
_OPENING = re.compile(r"(?m)^# /// script\s*$")
_TOML_LINE = re.compile(r"\(at line (\d+), column \d+\)")
INSTALL_HINT = "install them from the Functions page or with `ren functions install`"


@dataclass(frozen=True)
class FileNeeds:
    """One library file's declared requirements, those not installed, and what is wrong."""

    file: Path
    requirements: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    problem: str | None = None  # "line N: ..." when the block cannot be read

    def missing_message(self) -> str:
        return f"needs packages not installed: {', '.join(self.missing)}; {INSTALL_HINT}"


class MetadataError(ValueError):
    """The file's `# /// script` block cannot be read; the message names the line."""


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def read_requirements(text: str) -> list[str]:
    """The `dependencies` of the file's `# /// script` block ([] without one)."""
    blocks = [m for m in BLOCK.finditer(text) if m.group("type") == "script"]
    if len(blocks) > 1:
        line = _line_of(text, blocks[1].start())
        raise MetadataError(f"line {line}: more than one `# /// script` block")
    if not blocks:
        opening = _OPENING.search(text)
        if opening is not None:
            line = _line_of(text, opening.start())
            raise MetadataError(f"line {line}: the `# /// script` block has no closing `# ///`")
        return []
    block = blocks[0]
    first = _line_of(text, block.start("content"))  # the file's line of the TOML's line 1
    content = "".join(
        line[2:] if line.startswith("# ") else line[1:]
        for line in block.group("content").splitlines(keepends=True)
    )
    try:
        metadata = tomllib.loads(content)
    except tomllib.TOMLDecodeError as err:
        found = _TOML_LINE.search(str(err))
        line = first + int(found.group(1)) - 1 if found else _line_of(text, block.start())
        message = _TOML_LINE.sub("", str(err)).strip()
        raise MetadataError(f"line {line}: invalid metadata: {message}") from None
    dependencies = metadata.get("dependencies", [])
    where = _line_of(text, block.start())
    if not isinstance(dependencies, list) or not all(isinstance(d, str) for d in dependencies):
        raise MetadataError(f"line {where}: `dependencies` must be a list of strings")
    for dependency in dependencies:
        try:
            Requirement(dependency)
        except InvalidRequirement as err:
            raise MetadataError(
                f"line {where}: invalid requirement {dependency!r}: {err}"
            ) from None
    return list(dependencies)


def missing_requirements(requirements: Iterable[str]) -> list[str]:
    """The requirements that Ren's environment does not satisfy (absent or another version)."""
    missing = []
    for text in requirements:
        requirement = Requirement(text)
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue  # not for this platform or Python
        try:
            version = importlib.metadata.version(requirement.name)
        except importlib.metadata.PackageNotFoundError:
            missing.append(text)
            continue
        if not requirement.specifier.contains(version, prereleases=True):
            missing.append(text)
    return missing


def file_needs(path: Path) -> FileNeeds:
    try:
        requirements = read_requirements(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        return FileNeeds(path, problem=f"cannot read: {err}")
    except MetadataError as err:
        return FileNeeds(path, problem=str(err))
    return FileNeeds(path, tuple(requirements), tuple(missing_requirements(requirements)))


def folder_needs(folder: Path) -> list[FileNeeds]:
    """Every library file that declares packages or whose metadata block is broken."""
    needs = (file_needs(path) for path in library_files(folder))
    return [n for n in needs if n.requirements or n.problem]


def all_missing(needs: Iterable[FileNeeds]) -> list[str]:
    """The missing requirements of all files, each once, in order."""
    return list(dict.fromkeys(r for n in needs for r in n.missing))


def install_command(requirements: Iterable[str]) -> list[str]:
    """pip installing into Ren's own environment; it honours the PIP_* environment."""
    return [sys.executable, "-m", "pip", "install", "--disable-pip-version-check", *requirements]
