"""Retention policies: how long finished runs are kept, globally and per workflow.

A policy has three limits and an optional export folder:
- `keep_days`: a finished run is deleted this many days after it ended;
- `keep_last`: only the newest N finished runs of each workflow are kept;
- `keep_failed_days`: a failed run is kept this long instead, whatever the other two say
  (so a failure can still be looked into after its successful neighbours are gone);
- `export_folder`: the runs are written there as JSON Lines before they are deleted.

The global policy applies to every workflow; a workflow's own policy overrides it field by
field (None: as the global one; 0: no limit for this workflow). Everything None means runs
are kept for ever, which is the default.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import text

from app.store.writes import Batch

GLOBAL = "global"
MAX_DAYS = 36_500  # a hundred years: anything larger is a typing mistake
MAX_RUNS = 10_000_000

_UPSERT = (
    "INSERT INTO retention_policy (scope, keep_days, keep_last, keep_failed_days,"
    " export_folder, updated_at) VALUES (?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (scope) DO UPDATE SET keep_days=excluded.keep_days,"
    " keep_last=excluded.keep_last, keep_failed_days=excluded.keep_failed_days,"
    " export_folder=excluded.export_folder, updated_at=excluded.updated_at"
)


class PolicyInvalid(ValueError):
    """A policy field out of range: the message names the field."""


@dataclass(frozen=True)
class Policy:
    keep_days: int | None = None
    keep_last: int | None = None
    keep_failed_days: int | None = None
    export_folder: str | None = None

    def check(self) -> Policy:
        """This policy, or PolicyInvalid naming the first bad field."""
        for name, top in (
            ("keep_days", MAX_DAYS),
            ("keep_last", MAX_RUNS),
            ("keep_failed_days", MAX_DAYS),
        ):
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                raise PolicyInvalid(f"{name} must be a whole number, not {value!r}")
            if not 0 <= value <= top:
                raise PolicyInvalid(f"{name} must be between 0 and {top:,}, not {value}")
        folder = self.export_folder
        if folder is not None:
            if not isinstance(folder, str) or not folder.strip():
                raise PolicyInvalid("export_folder must be a folder's path")
            if not Path(folder).expanduser().is_absolute():
                raise PolicyInvalid(f"export_folder must be an absolute path, not {folder!r}")
        return self

    def over(self, base: Policy) -> Policy:
        """This (a workflow's) policy with `base` (the global one) filling its None fields."""
        chosen = {f.name: getattr(self, f.name) for f in fields(self)}
        filled = {k: getattr(base, k) if v is None else v for k, v in chosen.items()}
        return replace(self, **filled)

    @property
    def limits(self) -> bool:
        """Whether anything is ever deleted under this (effective) policy."""
        return bool(self.keep_days or self.keep_last or self.keep_failed_days)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Policy:
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:
            raise PolicyInvalid(f"unknown policy field(s): {', '.join(sorted(unknown))}")
        return cls(**data).check()

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


class PolicyStore(Protocol):
    """What reading and saving policies needs (the engine's `Store` is one)."""

    def session(self) -> Any: ...

    def write(self, batch: Batch) -> None: ...


def load_policies(store: PolicyStore) -> dict[str, Policy]:
    """Every saved policy by scope ('global' or a workflow id)."""
    query = text(
        "SELECT scope, keep_days, keep_last, keep_failed_days, export_folder FROM retention_policy"
    )
    with store.session() as session:
        rows = session.execute(query).all()
    return {row[0]: Policy(row[1], row[2], row[3], row[4]) for row in rows}


def global_policy(store: PolicyStore) -> Policy:
    return load_policies(store).get(GLOBAL, Policy())


def effective_policy(policies: dict[str, Policy], workflow_id: str) -> Policy:
    """The policy that applies to a workflow's runs."""
    base = policies.get(GLOBAL, Policy())
    own = policies.get(workflow_id)
    return base if own is None else own.over(base)


def save_policy(store: PolicyStore, scope: str, policy: Policy) -> None:
    """Save (replace) the policy of a scope after checking it."""
    policy.check()
    batch = Batch()
    batch.add(
        _UPSERT,
        scope,
        policy.keep_days,
        policy.keep_last,
        policy.keep_failed_days,
        policy.export_folder,
        time.time(),
    )
    store.write(batch)


def remove_policy(store: PolicyStore, scope: str) -> None:
    """Forget a workflow's own policy (its runs follow the global one again)."""
    batch = Batch()
    batch.add("DELETE FROM retention_policy WHERE scope=?", scope)
    store.write(batch)
