"""The rules a new module's name must follow, each with the reason in its error."""

import keyword
import re
import sys
from pathlib import Path

from scaffold.errors import ScaffoldError

# Names the repo already uses for its own packages or that would read as something else.
RESERVED = frozenset(
    {
        *("stack", "common", "service_kit", "infra", "platform", "public", "test", "tests", "backend"),
        *(
            "modules",
            "api",
            "scaffold",
            "boundaries",
            "module_graph",
            "system",
            "tools",
            "libs",
            "dist",
            "docs",
        ),
    }
)
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")
MAX_LENGTH = 30


def validate_module_name(name: str, root: Path) -> None:
    """Raise ScaffoldError naming the broken rule; return if `name` can be a new module."""
    if not name:
        raise ScaffoldError("M= is empty: give the module a name, e.g. `make new-module M=payments`.")
    if not _IDENTIFIER.match(name):
        raise ScaffoldError(
            f"'{name}' is not a lowercase Python identifier: use a-z, 0-9 and _, starting with a letter "
            "(e.g. payments, order_history)."
        )
    if len(name) > MAX_LENGTH:
        raise ScaffoldError(
            f"'{name}' is longer than {MAX_LENGTH} characters; AWS resource names derive from it."
        )
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise ScaffoldError(
            f"'{name}' is a Python keyword; `import {name}` would not parse. Pick another name."
        )
    if name in sys.stdlib_module_names:
        raise ScaffoldError(
            f"'{name}' is a standard-library module; the module would shadow it. Pick another name."
        )
    if name in RESERVED:
        raise ScaffoldError(
            f"'{name}' is reserved by Pantstack ({', '.join(sorted(RESERVED))}). Pick another name."
        )
    if (root / "modules" / name).exists():
        raise ScaffoldError(
            f"modules/{name} already exists; remove it first with `make remove-module M={name}`."
        )
    if name in _third_party_modules(root):
        raise ScaffoldError(
            f"'{name}' is the import name of a third-party package this repo uses. Pick another name."
        )


def _third_party_modules(root: Path) -> set[str]:
    """Import names of every requirement in 3rdparty/python (normalised project names)."""
    names = set()
    for requirements in (root / "3rdparty" / "python").glob("*requirements.txt"):
        for line in requirements.read_text().splitlines():
            project = re.split(r"[\s\[<>=!~;]", line.strip(), maxsplit=1)[0]
            if project and not project.startswith("#"):
                names.add(project.lower().replace("-", "_"))
    return names
