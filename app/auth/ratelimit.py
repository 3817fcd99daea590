"""Login attempts, limited per (client address, name): a few tries free, then exponential.

After FREE_TRIES wrong passwords the next try must wait 5 s, then 10 s, 20 s … up to MAX_WAIT_S;
a right password clears the count. The counts are rows of `login_attempts` in the data
folder's database, so restarting Ren does not reset them; rows untouched for FORGET_AFTER_S
are pruned (at most once a PRUNE_EVERY_S). Times are wall-clock: they must mean the same after
a restart.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from app.auth.db import AuthDb

FREE_TRIES = 3
FIRST_WAIT_S = 5.0
MAX_WAIT_S = 15 * 60.0
FORGET_AFTER_S = 24 * 3600.0
PRUNE_EVERY_S = 3600.0


def wait_after(failures: int, last_at: float, now: float) -> float:
    """Seconds still to wait after `failures` wrong passwords, the last at `last_at`."""
    if failures < FREE_TRIES:
        return 0.0
    delay = min(FIRST_WAIT_S * 2.0 ** (failures - FREE_TRIES), MAX_WAIT_S)
    return max(0.0, last_at + delay - now)


class LoginLimiter:
    def __init__(self, db: AuthDb, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.clock = clock
        self._pruned_at = float("-inf")

    def wait_s(self, address: str, name: str) -> float:
        """Seconds until this address may try this name again (0: now)."""
        row = self.db.row(
            "SELECT failures, last_at FROM login_attempts WHERE address = ? AND name = ?",
            (address, name),
        )
        if row is None:
            return 0.0
        return wait_after(int(row["failures"]), float(row["last_at"]), self.clock())

    def failed(self, address: str, name: str) -> None:
        now = self.clock()
        self._prune(now)
        self.db.execute(
            "INSERT INTO login_attempts (address, name, failures, last_at) VALUES (?, ?, 1, ?) "
            "ON CONFLICT (address, name) DO UPDATE SET failures = failures + 1, last_at = ?",
            (address, name, now, now),
        )

    def succeeded(self, address: str, name: str) -> None:
        self.db.execute(
            "DELETE FROM login_attempts WHERE address = ? AND name = ?", (address, name)
        )

    def _prune(self, now: float) -> None:
        if now - self._pruned_at < PRUNE_EVERY_S:
            return
        self._pruned_at = now
        self.db.execute("DELETE FROM login_attempts WHERE last_at < ?", (now - FORGET_AFTER_S,))
