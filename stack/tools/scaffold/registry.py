"""The BUILD files that still list modules, and the exact edits that add a module to them or take
it out. Everything else that lists modules is derived from the manifests by `make sync`.

Adding then removing a module restores every file byte for byte: each edit inserts or deletes one
sorted entry and leaves everything else alone.
"""

import re
from pathlib import Path

from scaffold.errors import ScaffoldError

MACROS = Path("pants-plugins/macros.py")
REQUIREMENTS_BUILD = Path("3rdparty/python/BUILD")
IMAGES_BUILD = Path("stack/docker/BUILD")

_MODULE_RESOLVES = re.compile(r"^MODULE_RESOLVES = \(([^)]*)\)$", re.MULTILINE)
_MODULE_REQUIREMENTS = re.compile(r'^module_requirements\("(\w+)"\)$', re.MULTILINE)
_MODULE_IMAGE = re.compile(r'^module_image\("(\w+)", version="[^"]+"\)$', re.MULTILINE)


def requirements_file(name: str) -> Path:
    return Path(f"3rdparty/python/{name}-requirements.txt")


def lockfile(name: str) -> Path:
    return Path(f"3rdparty/python/{name}.lock")


def registered_in(root: Path, name: str) -> list[str]:
    """Which shared files list `name` (for check-module)."""
    texts = {path: (root / path).read_text() for path in (MACROS, REQUIREMENTS_BUILD, IMAGES_BUILD)}
    found = []
    if name in _names(_MODULE_RESOLVES, texts[MACROS]):
        found.append(str(MACROS))
    if name in _MODULE_REQUIREMENTS.findall(texts[REQUIREMENTS_BUILD]):
        found.append(str(REQUIREMENTS_BUILD))
    if name in _MODULE_IMAGE.findall(texts[IMAGES_BUILD]):
        found.append(str(IMAGES_BUILD))
    return found


def edits(root: Path, name: str, *, add: bool) -> dict[Path, str]:
    """New contents of each shared file with `name` added (add=True) or removed."""
    return {
        MACROS: _edit_tuple(
            root / MACROS, _MODULE_RESOLVES, name, "MODULE_RESOLVES = ({})", add, tuple_style=True
        ),
        REQUIREMENTS_BUILD: _edit_lines(
            root / REQUIREMENTS_BUILD, _MODULE_REQUIREMENTS, name, f'module_requirements("{name}")', add
        ),
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


def _edit_tuple(
    path: Path, pattern: re.Pattern[str], name: str, template: str, add: bool, tuple_style: bool = False
) -> str:
    text = path.read_text()
    match = pattern.search(text)
    if match is None:
        raise ScaffoldError(f"{path}: found no module list to edit; was the file restructured?")
    names = set(re.findall(r'"(\w+)"', match.group(1)))
    names = names | {name} if add else names - {name}
    items = ", ".join(f'"{n}"' for n in sorted(names))
    if tuple_style and len(names) == 1:
        items += ","
    return text[: match.start()] + template.format(items) + text[match.end() :]
