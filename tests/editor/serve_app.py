"""Ren's app with the editor mounted, for the editor's browser tests and screenshots.

    REN_HOME=/tmp/ren python -m tests.editor.serve_app PORT [FUNCTIONS ...]

FUNCTIONS are `.py` files or modules that register functions (like `ren --functions`). Once
the app's own start command mounts the editor, this is the same as `ren --no-browser`.
"""

from __future__ import annotations

import os
import sys

from nicegui import ui

from app.nodes.functions import load_functions
from app.ui import editor, main

if __name__ in {"__main__", "__mp_main__"}:
    port = int(sys.argv[1])
    for ref in sys.argv[2:]:
        load_functions(ref)
    folder = main.use_data_folder(os.environ.get("REN_HOME"))
    main.build(folder.root)
    if editor not in main.PAGE_MODULES:
        editor.register()
    ui.run(
        port=port,
        reload=False,
        show=False,
        title="Ren",
        dark=None,
        show_welcome_message=False,
        timeout_graceful_shutdown=2,
    )
