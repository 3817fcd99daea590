"""The engine the app's pages talk to: one per process, started and stopped with the app.

Pages call `engine()` for the service facade and subscribe to `engine().bus` for live events;
they never touch SQL or run nodes themselves.
"""

from __future__ import annotations

from pathlib import Path

from app.engine.service import Engine

_engine: Engine | None = None


def engine() -> Engine:
    if _engine is None:
        raise RuntimeError("Ren's engine is not running (start it with start_engine)")
    return _engine


def running() -> bool:
    return _engine is not None


def adopt(engine: Engine | None) -> None:
    """Use an engine this process already started (`ren worker` serving the app); None: none."""
    global _engine
    _engine = engine


async def start_engine(home: str | Path | None = None) -> Engine:
    """Open the data folder and continue the runs left running there."""
    global _engine
    if _engine is None:
        _engine = Engine(home, watch_functions=True)
        await _engine.start(recover=True)
    return _engine


async def stop_engine() -> None:
    global _engine
    if _engine is not None:
        await _engine.stop()
        _engine = None
