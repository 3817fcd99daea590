"""PEP 723 blocks in library files: parsed, checked against the installed packages, and a
function whose file lacks packages is a validation problem naming them."""

from __future__ import annotations

import pytest

from app.engine.service import Engine
from app.nodes.library_deps import MetadataError, missing_requirements, read_requirements
from tests.conftest import chain_workflow

BLOCK = """import os
# /// script
# requires-python = ">=3.11"
# dependencies = [
#   "packaging>=20",
#   "no-such-package-for-ren>=1",
#   "pytest<1",
#   "pywin32; sys_platform == 'nonesuch'",
# ]
# ///
"""
HINT = "install them from the Functions page or with `ren functions install`"
SHOWN_HINT = HINT.replace("`", "'")  # validation problems carry no markup


def test_a_script_block_is_read_and_what_is_missing_listed() -> None:
    requirements = read_requirements(BLOCK)
    assert requirements == [
        "packaging>=20",
        "no-such-package-for-ren>=1",
        "pytest<1",
        "pywin32; sys_platform == 'nonesuch'",
    ]
    # absent, or installed at a version outside the range; other platforms' needs are skipped
    assert missing_requirements(requirements) == ["no-such-package-for-ren>=1", "pytest<1"]
    assert read_requirements("import os\n# /// other\n# x = 1\n# ///\n") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (BLOCK.replace('"pytest<1",', '"pytest<1" "x"'), "line 7: invalid metadata: "),
        (BLOCK.replace("# ///\n", "", 1).replace("# ///\n", ""), "line 2: the `# /// script`"),
        (BLOCK + BLOCK, "line 12: more than one `# /// script` block"),
        (BLOCK.replace('"pytest<1"', '"py test<<1"'), "line 2: invalid requirement 'py test<<1'"),
        ("# /// script\n# dependencies = 'x'\n# ///\n", "line 1: `dependencies` must be a list"),
    ],
)
def test_a_malformed_block_names_its_line(text: str, message: str) -> None:
    with pytest.raises(MetadataError, match="^" + message.replace("(", r"\(")[:40]):
        read_requirements(text)


LAZY = f"""{BLOCK}
from app import register_function


@register_function("deps.lazy")
def lazy(state):
    import no_such_package_for_ren  # imported when called: the file loads

    return {{}}
"""
EAGER = """# /// script
# dependencies = ["no-such-package-for-ren>=1"]
# ///
import no_such_package_for_ren

from app import register_function


@register_function("deps.eager")
def eager(state):
    return {}
"""


async def test_a_function_whose_file_lacks_packages_is_a_validation_problem(
    engine: Engine,
) -> None:
    folder = engine.folder.root / "functions"
    folder.mkdir(exist_ok=True)
    (folder / "lazy.py").write_text(LAZY)
    (folder / "eager.py").write_text(EAGER)
    engine.functions.reload()
    flow = chain_workflow(
        {"type": "function", "config": {"function": "deps.lazy"}},
        {"type": "function", "config": {"function": "deps.eager"}},
    )
    problems = engine.validate(engine.workflows.import_document(flow))
    assert [(p.node_id, p.message) for p in problems] == [
        (
            "n1",
            "function 'deps.lazy' needs packages not installed: no-such-package-for-ren>=1, "
            f"pytest<1; {SHOWN_HINT}",
        ),
        (
            "n2",
            "function 'deps.eager' is not registered; eager.py needs packages not installed: "
            f"no-such-package-for-ren>=1; {SHOWN_HINT}",
        ),
    ]
