"""Run one program as a process tree Ren can always stop (for the command node).

The program starts in a process group of its own (a new session on POSIX,
CREATE_NEW_PROCESS_GROUP on Windows), so a timeout or a cancel stops it and everything it
started: the children found by psutil (recursively) and, on POSIX, every process left in its
group — a grandchild whose parent already exited is no longer anyone's child, but it is still
in the group. Output is read as it comes and kept up to a limit per stream (the rest is read and
dropped, so a chatty program never blocks on a full pipe).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import psutil

CHUNK = 64 * 1024
TAIL_BYTES = 4096  # the end of stderr, kept whole for error messages
POLL_S = 0.1  # how often to look whether the program exited while its output stays open
PIPE_GRACE_S = 2.0  # after the program exits, how long its leftovers may hold its output open


@dataclass
class Captured:
    """One output stream: its first `limit` bytes, its last few KB, and whether it was cut."""

    limit: int
    data: bytearray = field(default_factory=bytearray)
    tail: bytearray = field(default_factory=bytearray)
    truncated: bool = False

    def add(self, chunk: bytes) -> None:
        room = self.limit - len(self.data)
        if room > 0:
            self.data += chunk[:room]
        if len(chunk) > max(room, 0):
            self.truncated = True
        self.tail = (self.tail + chunk)[-TAIL_BYTES:]


@dataclass(frozen=True)
class Finished:
    exit_code: int
    stdout: Captured
    stderr: Captured
    duration_s: float


class ProcessTimedOut(TimeoutError):
    """The program ran past its time limit; it and its children were killed."""


async def run_process(
    argv: Sequence[str] | str,
    *,
    shell: bool,
    cwd: str | None,
    env: Mapping[str, str] | None,
    stdin: bytes | None,
    timeout_s: float | None,
    limit: int,
) -> Finished:
    """Run `argv` (a command line when `shell`) to its end; raises ProcessTimedOut, and kills
    the tree on a timeout or when the awaiting task is cancelled."""
    started = time.monotonic()
    process = await _spawn(argv, shell, cwd, env, stdin is not None)
    out, err = Captured(limit), Captured(limit)
    try:
        await asyncio.wait_for(_communicate(process, stdin, out, err), timeout_s)
    except TimeoutError:
        await asyncio.to_thread(kill_tree, process.pid)
        raise ProcessTimedOut(f"timed out after {timeout_s:g} s") from None
    finally:
        if process.returncode is None:  # cancelled (a run cancel, the step's timeout_s)
            # On a thread that runs to its end even if this task is cancelled once more.
            await asyncio.to_thread(kill_tree, process.pid)
    code = process.returncode
    assert code is not None
    return Finished(code, out, err, time.monotonic() - started)


async def _spawn(
    argv: Sequence[str] | str,
    shell: bool,
    cwd: str | None,
    env: Mapping[str, str] | None,
    pipe_in: bool,
) -> asyncio.subprocess.Process:
    options: dict[str, object] = {
        "stdin": subprocess.PIPE if pipe_in else subprocess.DEVNULL,
        "stdout": subprocess.PIPE,
        "stderr": subprocess.PIPE,
        "cwd": cwd,
        "env": dict(env) if env is not None else None,
    }
    if sys.platform == "win32":
        options["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP
    else:
        options["start_new_session"] = True  # its own group: killpg reaches all it starts
    if shell:
        assert isinstance(argv, str)
        return await asyncio.create_subprocess_shell(argv, **options)  # type: ignore[arg-type]
    return await asyncio.create_subprocess_exec(*argv, **options)  # type: ignore[arg-type]


async def _communicate(
    process: asyncio.subprocess.Process, stdin: bytes | None, out: Captured, err: Captured
) -> None:
    assert process.stdout is not None and process.stderr is not None
    readers = [
        asyncio.ensure_future(_drain(process.stdout, out)),
        asyncio.ensure_future(_drain(process.stderr, err)),
    ]
    try:
        if stdin is not None and process.stdin is not None:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                process.stdin.write(stdin)
                await process.stdin.drain()
            process.stdin.close()
        # asyncio's wait() ends only once the pipes close, and children the program left
        # running may hold them open: watch for its exit, then give them a grace period.
        while not all(r.done() for r in readers):
            await asyncio.wait(readers, timeout=POLL_S)
            if process.returncode is not None:
                _, pending = await asyncio.wait(readers, timeout=PIPE_GRACE_S)
                if pending:
                    await asyncio.to_thread(kill_tree, process.pid)
                break
        await process.wait()
    finally:
        for reader in readers:
            reader.cancel()


async def _drain(stream: asyncio.StreamReader, into: Captured) -> None:
    while chunk := await stream.read(CHUNK):
        into.add(chunk)


def kill_tree(pid: int) -> None:
    """Kill the process `pid`, every descendant psutil finds, and (POSIX) its whole group;
    returns once they are dead (blocking: call it on a thread)."""
    try:
        parent = psutil.Process(pid)
        family = [*parent.children(recursive=True), parent]
    except psutil.Error:
        family = []
    family += _group(pid)
    kill_group(pid)
    for member in family:
        with contextlib.suppress(psutil.Error):
            member.kill()
    _wait_dead(family)


def kill_group(pgid: int) -> None:
    """POSIX: SIGKILL every process in the group the program leads (it started a session)."""
    if sys.platform == "win32":
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _group(pgid: int) -> list[psutil.Process]:
    """The processes in group `pgid` (POSIX), children or not."""
    if sys.platform == "win32":
        return []
    members = []
    for process in psutil.process_iter():
        with contextlib.suppress(psutil.Error, OSError):
            if os.getpgid(process.pid) == pgid:
                members.append(process)
    return members


def _wait_dead(processes: list[psutil.Process], timeout_s: float = 5.0) -> None:
    """Until each is gone or a zombie (a killed orphan's parent may never reap it)."""
    deadline = time.monotonic() + timeout_s
    for process in processes:
        while time.monotonic() < deadline:
            try:
                if process.status() == psutil.STATUS_ZOMBIE:
                    break
            except psutil.Error:
                break
            time.sleep(0.005)
