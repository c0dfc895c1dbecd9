"""The one rule for module names, checked by every scaffolder command before it touches a file.

A name is an exact, untrimmed lowercase Python identifier of at most 30 characters. `existing_module`
also requires modules/<name>/ to be a real directory of this repository (no symlink out of it);
`validate_module_name` requires that a new module can take the name.
"""

import keyword
import re
import sys
from pathlib import Path

from manifest import module_names
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
# ASCII only: str.isidentifier() would let "é" through, and re's `$` would accept a trailing newline.
_IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*", re.ASCII)
MAX_LENGTH = 30
RULE = (
    f"a module name is a lowercase identifier: a-z, 0-9 and _, starting with a letter, "
    f"at most {MAX_LENGTH} characters, nothing around it (e.g. M=payments)"
)


def check_name_shape(name: str) -> None:
    """Raise ScaffoldError unless `name` is, exactly, the shape of a module name."""
    if not name:
        raise ScaffoldError(f"M= is empty; {RULE}.")
    if len(name) > MAX_LENGTH:
        raise ScaffoldError(f"M={_shown(name)} is longer than {MAX_LENGTH} characters; {RULE}.")
    if not _IDENTIFIER.fullmatch(name):
        raise ScaffoldError(f"M={_shown(name)} is not a module name; {RULE}.")


def existing_module(root: Path, name: str) -> Path:
    """The directory of module `name`; ScaffoldError if the name is malformed or names no module."""
    check_name_shape(name)
    module_dir = root / "modules" / name
    if not (module_dir / "BUILD").is_file():
        raise ScaffoldError(
            f"no module '{name}' (no modules/{name}/BUILD); known modules: "
            f"{', '.join(module_names(root)) or '(none)'}."
        )
    if module_dir.is_symlink() or module_dir.resolve() != root.resolve() / "modules" / name:
        raise ScaffoldError(
            f"modules/{name} resolves outside modules/ (a symlink?); the scaffolder only changes "
            "real module directories."
        )
    return module_dir


def validate_module_name(name: str, root: Path) -> None:
    """Raise ScaffoldError naming the broken rule; return if `name` can be a new module."""
    check_name_shape(name)
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
    if _taken(root / "modules" / name):
        raise ScaffoldError(
            f"modules/{name} already exists; remove it first with `make remove-module M={name}`."
        )
    if name in _third_party_modules(root):
        raise ScaffoldError(
            f"'{name}' is the import name of a third-party package this repo uses. Pick another name."
        )


def _taken(path: Path) -> bool:
    """Exists, counting a dangling symlink (Path.exists follows links and would miss it)."""
    return path.exists() or path.is_symlink()


def _shown(name: str) -> str:
    """The name quoted on one line: control characters escaped, long names cut."""
    text = repr(name)
    return text if len(text) <= 60 else text[:57] + "...'"


def _third_party_modules(root: Path) -> set[str]:
    """Import names of every requirement in 3rdparty/python (normalised project names)."""
    names = set()
    for requirements in (root / "3rdparty" / "python").glob("*requirements.txt"):
        for line in requirements.read_text().splitlines():
            project = re.split(r"[\s\[<>=!~;]", line.strip(), maxsplit=1)[0]
            if project and not project.startswith("#"):
                names.add(project.lower().replace("-", "_"))
    return names
