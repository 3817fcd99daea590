"""The desktop app's entry point (the script `nicegui-pack` packages, see README).

Started without arguments (a double click) it opens Ren in its own window, like `ren --native`;
with arguments it is the `ren` command line, e.g. `Ren serve --port 9000 --no-browser`.
"""

from __future__ import annotations

import multiprocessing
import sys


def main() -> int:
    from app.cli import main as ren

    return ren(sys.argv[1:] or ["--native"])


if __name__ == "__main__":
    multiprocessing.freeze_support()  # the window runs in a spawned process
    sys.exit(main())
