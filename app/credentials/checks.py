"""Config problems about a credential field, known before a run (for `config_problems`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from app.credentials.kinds import CredentialError


def folder_of(functions: object) -> Path | None:
    """The data folder validation is working for: the function library lives in it."""
    library = getattr(functions, "folder", None)
    return Path(library).parent if isinstance(library, Path | str) else None


def credential_problems(
    name: str | None,
    kinds: Sequence[str],
    root: Path | None = None,
    field: str = "credential",
) -> list[tuple[str, str]]:
    """(field, message) when the credential `name` is missing or not one of `kinds`.

    `root` is the data folder (see `folder_of`); without one, REN_HOME's or the default.
    """
    if not name:
        return []
    if root is None:
        from app.engine.paths import DataFolder

        root = DataFolder.resolve().root
    from app.credentials.vault import folder_vault  # the database layer, only when needed

    try:
        known = folder_vault(root).kinds()
    except (CredentialError, OSError) as err:
        return [(field, f"cannot read the credentials: {err}")]
    kind = known.get(name)
    if kind is None:
        return [(field, f"no credential named '{name}' (add it on the Credentials page)")]
    if kinds and kind not in kinds:
        return [
            (field, f"credential '{name}' is a {kind} credential; use one of: {', '.join(kinds)}")
        ]
    return []
