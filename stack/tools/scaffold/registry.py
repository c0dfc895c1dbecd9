"""The shared files that list modules, and the exact edits that add a module to them or take it out.

Adding then removing a module restores every file byte for byte: each edit inserts or deletes one
sorted entry and leaves everything else alone.
"""

import re
from pathlib import Path

from scaffold.errors import ScaffoldError

PANTS_TOML = Path("pants.toml")
MODULE_REGISTRY = Path("pants-plugins/module_registry.py")
REQUIREMENTS_BUILD = Path("3rdparty/python/BUILD")
PYPROJECT = Path("pyproject.toml")
IMAGES_BUILD = Path("stack/docker/BUILD")

_RESOLVE_LINE = re.compile(r'^(\w+) = "3rdparty/python/\1\.lock"$', re.MULTILINE)
# One line per module in the MODULES dict; a new module uses no other module's facade yet.
_MODULE_ENTRY = re.compile(r'^    "(\w+)": \{"uses": \([^)]*\), "database": (?:True|False)\},$', re.MULTILINE)
_MODULES_OPEN = "MODULES = {\n"
_MODULE_REQUIREMENTS = re.compile(r'^module_requirements\("(\w+)"\)$', re.MULTILINE)
_MODULE_IMAGE = re.compile(r'^module_image\("(\w+)", version="[^"]+"\)$', re.MULTILINE)
_FIRST_PARTY = re.compile(r"^known-first-party = \[([^\]]*)\]$", re.MULTILINE)


def requirements_file(name: str) -> Path:
    return Path(f"3rdparty/python/{name}-requirements.txt")


def lockfile(name: str) -> Path:
    return Path(f"3rdparty/python/{name}.lock")


def registered_in(root: Path, name: str) -> list[str]:
    """Which shared files list `name` (for check-module)."""
    texts = {
        path: (root / path).read_text()
        for path in (PANTS_TOML, MODULE_REGISTRY, REQUIREMENTS_BUILD, PYPROJECT, IMAGES_BUILD)
    }
    found = []
    if name in _RESOLVE_LINE.findall(texts[PANTS_TOML]):
        found.append(str(PANTS_TOML))
    if name in _MODULE_ENTRY.findall(texts[MODULE_REGISTRY]):
        found.append(str(MODULE_REGISTRY))
    if name in _MODULE_REQUIREMENTS.findall(texts[REQUIREMENTS_BUILD]):
        found.append(str(REQUIREMENTS_BUILD))
    if name in _names(_FIRST_PARTY, texts[PYPROJECT]):
        found.append(str(PYPROJECT))
    if name in _MODULE_IMAGE.findall(texts[IMAGES_BUILD]):
        found.append(str(IMAGES_BUILD))
    return found


def edits(root: Path, name: str, *, add: bool, database: bool = False) -> dict[Path, str]:
    """New contents of each shared file with `name` added (add=True) or removed.

    database: the registry's flag for a new module (False: what `make new-module` makes by default).
    """
    return {
        PANTS_TOML: _edit_lines(
            root / PANTS_TOML, _RESOLVE_LINE, name, f'{name} = "3rdparty/python/{name}.lock"', add
        ),
        MODULE_REGISTRY: _edit_registry(root / MODULE_REGISTRY, name, database, add),
        REQUIREMENTS_BUILD: _edit_lines(
            root / REQUIREMENTS_BUILD, _MODULE_REQUIREMENTS, name, f'module_requirements("{name}")', add
        ),
        PYPROJECT: _edit_tuple(root / PYPROJECT, _FIRST_PARTY, name, "known-first-party = [{}]", add),
        IMAGES_BUILD: _edit_lines(
            root / IMAGES_BUILD, _MODULE_IMAGE, name, f'module_image("{name}", version="0.1.0")', add
        ),
    }


def _names(pattern: re.Pattern[str], text: str) -> list[str]:
    match = pattern.search(text)
    return re.findall(r'"(\w+)"', match.group(1)) if match else []


def _edit_lines(path: Path, pattern: re.Pattern[str], name: str, line: str, add: bool) -> str:
    """Insert `line` among the lines `pattern` matches, keeping them sorted; or delete it."""
    text = path.read_text()
    lines = text.splitlines(keepends=True)
    matching = [i for i, existing in enumerate(lines) if pattern.match(existing.rstrip("\n"))]
    if not matching:
        raise ScaffoldError(f"{path}: found no module entries to edit; was the file restructured?")
    names = [pattern.match(lines[i].rstrip("\n")).group(1) for i in matching]  # type: ignore[union-attr]
    if not add:
        if name not in names:
            return text
        del lines[matching[names.index(name)]]
        return "".join(lines)
    if name in names:
        return text
    after = [i for i, existing in zip(matching, names, strict=False) if existing < name]
    position = after[-1] + 1 if after else matching[0]
    lines.insert(position, line + "\n")
    return "".join(lines)


def _edit_registry(path: Path, name: str, database: bool, add: bool) -> str:
    """Insert or delete `name`'s line in the MODULES dict, as _edit_lines does; a first entry goes
    right after `MODULES = {`."""
    line = f'    "{name}": {{"uses": (), "database": {database}}},'
    text = path.read_text()
    if add and not _MODULE_ENTRY.search(text):
        if _MODULES_OPEN not in text:
            raise ScaffoldError(f"{path}: found no MODULES dict to edit; was the file restructured?")
        return text.replace(_MODULES_OPEN, _MODULES_OPEN + line + "\n", 1)
    if not add and not _MODULE_ENTRY.search(text):
        return text
    return _edit_lines(path, _MODULE_ENTRY, name, line, add)


def _edit_tuple(path: Path, pattern: re.Pattern[str], name: str, template: str, add: bool) -> str:
    text = path.read_text()
    match = pattern.search(text)
    if match is None:
        raise ScaffoldError(f"{path}: found no module list to edit; was the file restructured?")
    names = set(re.findall(r'"(\w+)"', match.group(1)))
    names = names | {name} if add else names - {name}
    items = ", ".join(f'"{n}"' for n in sorted(names))
    return text[: match.start()] + template.format(items) + text[match.end() :]
