"""Writing a file so that it is either all there or not changed at all.

The bytes go to a temporary file in the target's own folder (same disk, so the rename is
atomic), which is flushed and fsync'd, then renamed over the target with `os.replace`; the
folder is fsync'd too, so the rename survives a power cut on POSIX. A process killed at any
moment leaves the target with its old content or its new content, never a mix; at worst a
hidden `.<name>.*.part` file stays behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1024 * 1024

# What can be written: bytes, a file to copy, or chunks of bytes (a download, a generator).
Data = bytes | bytearray | memoryview | Path | Iterable[bytes]


@dataclass(frozen=True)
class Written:
    path: Path
    size: int
    sha256: str


def chunks_of(data: Data) -> Iterable[bytes]:
    """The data as chunks of bytes; a Path is read in chunks, never whole."""
    if isinstance(data, bytes | bytearray | memoryview):
        yield bytes(data)
    elif isinstance(data, Path):
        with data.open("rb") as source:
            while chunk := source.read(CHUNK):
                yield chunk
    elif isinstance(data, str):
        raise TypeError("text must be encoded to bytes before it is written")
    else:
        for chunk in data:
            if not isinstance(chunk, bytes | bytearray | memoryview):
                raise TypeError(f"expected chunks of bytes, got {type(chunk).__name__}")
            yield bytes(chunk)


def write_atomically(target: Path, data: Data, mode: int | None = None) -> Written:
    """Write `data` to `target` atomically; returns its size and SHA-256.

    `mode`: the new file's permissions; None keeps an existing target's mode, or gives what a
    plain `open(target, "w")` would (0666 minus the umask).
    """
    folder = target.parent
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    temp = Path(temp_name)
    digest = hashlib.sha256()
    size = 0
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks_of(data):
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, _mode_for(target, mode))
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    sync_folder(folder)
    return Written(target, size, digest.hexdigest())


def sync_folder(folder: Path) -> None:
    """fsync a folder so a rename in it is durable (POSIX; a no-op on Windows)."""
    if sys.platform == "win32":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot fsync a folder; the rename is still atomic
    finally:
        os.close(fd)


def _mode_for(target: Path, mode: int | None) -> int:
    if mode is not None:
        return mode
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        return 0o666 & ~current_umask()


def current_umask() -> int:
    """The process's umask; read from /proc where it can be (setting it to read it back is
    not thread-safe)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    umask = os.umask(0o022)
    os.umask(umask)
    return umask
