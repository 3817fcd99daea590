"""Login attempts, limited per (client address, name): a few tries free, then exponential.

After FREE_TRIES wrong passwords the next try must wait 5 s, then 10 s, 20 s … up to MAX_WAIT_S;
a right password clears the count. Kept in memory: a restart forgets it, which costs an
attacker a restart of someone else's server.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

FREE_TRIES = 3
FIRST_WAIT_S = 5.0
MAX_WAIT_S = 15 * 60.0
FORGET_AFTER_S = 24 * 3600.0


@dataclass
class _Record:
    failures: int = 0
    last: float = 0.0


class LoginLimiter:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._records: dict[tuple[str, str], _Record] = {}

    def wait_s(self, address: str, name: str) -> float:
        """Seconds until this address may try this name again (0: now)."""
        record = self._records.get((address, name))
        if record is None or record.failures < FREE_TRIES:
            return 0.0
        delay = min(FIRST_WAIT_S * 2.0 ** (record.failures - FREE_TRIES), MAX_WAIT_S)
        return max(0.0, record.last + delay - self.clock())

    def failed(self, address: str, name: str) -> None:
        now = self.clock()
        self._forget_old(now)
        record = self._records.setdefault((address, name), _Record())
        record.failures += 1
        record.last = now

    def succeeded(self, address: str, name: str) -> None:
        self._records.pop((address, name), None)

    def _forget_old(self, now: float) -> None:
        if len(self._records) < 10_000:
            return
        for key, record in list(self._records.items()):
            if now - record.last > FORGET_AFTER_S:
                del self._records[key]
