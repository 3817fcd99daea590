"""Open Server-Sent-Events streams, so that a stopping server can end them at once.

uvicorn waits for open responses before it stops; an event stream never ends by itself. One
watcher task per server polls whether the server is stopping and, when it is, wakes every
stream with CLOSE so each returns. The watcher starts with the first stream.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from app.engine.events import RunEvent

POLL_S = 0.2
QUEUE_MAX = 1000  # a client this far behind reads the rest from the database


class Close:
    """Put in a follower's queue: the server stops, end the stream."""


CLOSE = Close()
Item = RunEvent | Close | None  # None: "something new, read it from the database"


class Follower:
    """One stream's queue of what happened since it last looked."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[Item] = asyncio.Queue(QUEUE_MAX)
        self.behind = False  # events were dropped: re-read from the database
        self.closed = False

    def offer(self, item: Item) -> None:
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            self.behind = True


class Streams:
    def __init__(self, stopping: Callable[[], bool] = lambda: False) -> None:
        self.stopping = stopping
        self.open: set[Follower] = set()
        self._watcher: asyncio.Task[None] | None = None

    def add(self, follower: Follower) -> None:
        self.open.add(follower)
        if self._watcher is None or self._watcher.done():
            self._watcher = asyncio.get_running_loop().create_task(self._watch())

    def remove(self, follower: Follower) -> None:
        self.open.discard(follower)

    def close_all(self) -> None:
        for follower in tuple(self.open):
            follower.closed = True
            follower.offer(CLOSE)

    async def _watch(self) -> None:
        while self.open:
            if self.stopping():
                self.close_all()
                return
            await asyncio.sleep(POLL_S)
