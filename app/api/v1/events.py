"""Live events as Server-Sent Events: GET /api/v1/runs/{id}/events and /api/v1/events.

Each stream first replays the event log (the `event` table) after the client's position, then
follows new events as they are committed. The position is the `Last-Event-ID` header a
reconnecting EventSource sends (or `?after=`): a run's stream numbers events by their `seq` in
the run, the all-runs stream by the event's row id. Events are subscribed to before the replay
and de-duplicated by position, so a client that reconnects misses nothing and sees nothing
twice. A comment line every KEEPALIVE_S keeps proxies from closing an idle stream.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse

from app.api.v1.deps import EngineDep, PrincipalDep
from app.api.v1.errors import ERRORS, engine_errors, invalid
from app.api.v1.streams import CLOSE, Follower, Item, Streams
from app.auth.principal import RUNS_READ
from app.engine.events import RunEvent
from app.engine.service import Engine

router = APIRouter(tags=["events"], responses=ERRORS)

KEEPALIVE_S = 15.0
REPLAY_BATCH = 500
STREAMS_ATTR = "ren_streams"
SSE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
        "description": "an event stream",
    }
}
HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}


def frame(event_id: int, data: dict[str, Any]) -> str:
    text = json.dumps(data, ensure_ascii=False, default=str, separators=(",", ":"))
    return f"id: {event_id}\ndata: {text}\n\n"


def position(last_event_id: str | None, after: int | None) -> int:
    """Where the client is: ?after= wins over Last-Event-ID; none → from the start."""
    if after is not None:
        return after
    if not last_event_id:
        return 0
    if not last_event_id.strip().isdigit():
        raise invalid("header.last-event-id", "must be an event id this stream sent")
    return int(last_event_id)


def streams_of(request: Request) -> Streams:
    streams: Streams = getattr(request.app, STREAMS_ATTR)
    return streams


@router.get("/runs/{run_id}/events", response_model=None, responses=SSE)
async def run_events(
    run_id: str,
    request: Request,
    engine: EngineDep,
    principal: PrincipalDep,
    last_event_id: Annotated[str | None, Header(max_length=40)] = None,
    after: int | None = Query(default=None, ge=0, description="replay after this seq"),
) -> StreamingResponse:
    """One run's events (id = the event's seq in the run)."""
    principal.require(RUNS_READ)
    start = position(last_event_id, after)
    with engine_errors():
        engine.get_run(run_id)
    follower = Follower()

    def on_event(event: RunEvent) -> None:
        if event.run_id == run_id:
            follower.offer(event)

    stream = _follow(
        engine, streams_of(request), follower, on_event, _RunLog(engine, run_id, start)
    )
    return StreamingResponse(stream, media_type="text/event-stream", headers=HEADERS)


@router.get("/events", response_model=None, responses=SSE)
async def all_events(
    request: Request,
    engine: EngineDep,
    principal: PrincipalDep,
    last_event_id: Annotated[str | None, Header(max_length=40)] = None,
    after: int | None = Query(default=None, ge=0, description="replay after this event id"),
) -> StreamingResponse:
    """Every run's events (id = the event's row id, increasing across runs)."""
    principal.require(RUNS_READ)
    start = position(last_event_id, after)
    follower = Follower()
    stream = _follow(
        engine,
        streams_of(request),
        follower,
        lambda _event: follower.offer(None),
        _AllLog(engine, start),
    )
    return StreamingResponse(stream, media_type="text/event-stream", headers=HEADERS)


class _RunLog:
    """A run's events after a seq: read from the database, or taken straight from the bus."""

    def __init__(self, engine: Engine, run_id: str, last: int) -> None:
        self.engine, self.run_id, self.last = engine, run_id, last

    def read(self) -> list[str]:
        frames = []
        for e in self.engine.events(self.run_id, self.last)[:REPLAY_BATCH]:
            frames.append(
                frame(e.seq, _event_dict(e.run_id, e.seq, e.type, e.node_key, e.data, e.at))
            )
            self.last = e.seq
        return frames

    def live(self, event: RunEvent) -> list[str] | None:
        """The frame of a bus event; None when there is a gap (read the database)."""
        if event.seq <= self.last:
            return []
        if event.seq != self.last + 1:
            return None
        self.last = event.seq
        return [frame(event.seq, event.to_dict())]


class _AllLog:
    def __init__(self, engine: Engine, last: int) -> None:
        self.engine, self.last = engine, last

    def read(self) -> list[str]:
        rows = self.engine.store.rows(
            "SELECT id, run_id, seq, type, node_key, data, at FROM event WHERE id > ?"
            " ORDER BY id LIMIT ?",
            self.last,
            REPLAY_BATCH,
        )
        frames = []
        for r in rows:
            data = json.loads(r["data"]) if isinstance(r["data"], str) else r["data"]
            frames.append(
                frame(
                    r["id"],
                    _event_dict(r["run_id"], r["seq"], r["type"], r["node_key"], data, r["at"]),
                )
            )
            self.last = r["id"]
        return frames

    def live(self, event: RunEvent) -> list[str] | None:
        return None  # bus events carry no row id: always read the database


def _event_dict(
    run_id: str, seq: int, type_: str, node_key: str | None, data: Any, at: float
) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "seq": seq,
        "type": type_,
        "node_key": node_key,
        "data": data,
        "at": at,
    }


async def _follow(
    engine: Engine,
    streams: Streams,
    follower: Follower,
    on_event: Callable[[RunEvent], None],
    log: _RunLog | _AllLog,
) -> AsyncIterator[str]:
    unsubscribe = engine.committed.subscribe(on_event)  # before the replay: nothing falls between
    streams.add(follower)
    try:
        while frames := log.read():  # the replay
            yield "".join(frames)
        yield ": live\n\n"
        while not follower.closed:
            try:
                first = await asyncio.wait_for(follower.queue.get(), KEEPALIVE_S)
            except TimeoutError:
                yield ": keepalive\n\n"
                continue
            items = [first, *_drain(follower)]  # what came together is sent together
            if any(item is CLOSE for item in items):
                return
            shown, gap = _live_frames(log, follower, items)
            if shown:
                yield "".join(shown)
            if gap:  # a gap, a dropped event or the all-runs stream: read the log
                follower.behind = False
                while frames := log.read():
                    yield "".join(frames)
    finally:
        unsubscribe()
        streams.remove(follower)


def _drain(follower: Follower) -> list[Item]:
    items: list[Item] = []
    while not follower.queue.empty():
        items.append(follower.queue.get_nowait())
    return items


def _live_frames(
    log: _RunLog | _AllLog, follower: Follower, items: list[Item]
) -> tuple[list[str], bool]:
    """The frames of bus events in order, and whether the log must be read after them (a gap,
    dropped events, or events that carry no position for this stream)."""
    frames: list[str] = []
    if follower.behind:
        return frames, True
    for item in items:
        shown = log.live(item) if isinstance(item, RunEvent) else None
        if shown is None:
            return frames, True
        frames += shown
    return frames, False
