"""A process that writes a big file through write_file's atomic writer and can be killed with
SIGKILL at any moment (tests/nodes/test_files_atomic.py). Usage:
    python -m tests.nodes.files_writer chunks TARGET MB   (slow chunks; says "started")
    python -m tests.nodes.files_writer node TARGET MB     (WriteFileNode.write, as a run does)
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

from app.core.atomic_write import write_atomically
from app.nodes.files import WriteFileConfig, WriteFileNode

MB = 1024 * 1024


def slow_chunks(megabytes: int) -> Iterator[bytes]:
    for i in range(megabytes):
        yield b"N" * MB
        if i == 0:
            print("started", flush=True)  # the temporary file now holds part of the content
        time.sleep(0.02)


def main() -> None:
    how, target, megabytes = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    if how == "chunks":
        write_atomically(target, slow_chunks(megabytes))
    else:
        config = WriteFileConfig(path=str(target), content="")
        print("started", flush=True)
        WriteFileNode().write(target, "N" * (megabytes * MB), config)
    print("done", flush=True)


if __name__ == "__main__":
    main()
