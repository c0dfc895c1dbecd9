"""remove-module: delete exactly what new-module made, and nothing a user could lose.

A file is deleted only if git can give it back (it is in HEAD, unchanged) or the scaffolder made
it and it is unchanged since (its digest is in modules/<name>/.scaffold.json). Anything else —
an untracked file, a local edit, a symlink out of the module — stops the removal before the
first delete, unless `force` (FORCE=1) is given for the untracked and edited files.
"""

import ast
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sync
from boundaries import imported_names
from manifest import load_all
from scaffold import provenance, registry
from scaffold.confinement import inside, registration_file
from scaffold.create import refuse_if_out_of_sync
from scaffold.errors import ScaffoldError
from scaffold.names import existing_module


@dataclass(frozen=True)
class Removal:
    files: list[Path]  # repo-relative, every one checked
    derived: list[Path]  # the files `make sync` rewrites without the module


def plan_removal(root: Path, name: str, *, force: bool) -> Removal:
    """What removing `name` deletes and rewrites; ScaffoldError if any of it isn't safe."""
    module_dir = existing_module(root, name)
    refuse_if_out_of_sync(root)
    declaring = [str(m.path) for m in load_all(root) if name in m.uses]
    if declaring:
        raise ScaffoldError(
            f"{', '.join(declaring)} declare(s) uses \"{name}\"; remove {name} from their uses "
            "(and the imports of its facade) first."
        )
    users = facade_users(root, name)
    if users:
        raise ScaffoldError(
            f"modules still use the {name} facade: {', '.join(users)}. Remove those imports first."
        )
    owned = [path.relative_to(root) for path in _files_under(module_dir)]
    for relative in (registry.requirements_file(name), registry.lockfile(name)):
        if (root / relative).exists() or (root / relative).is_symlink():
            registration_file(root, relative)
            owned.append(relative)
    for relative in owned:
        if (root / relative).is_symlink() and relative.is_relative_to(module_dir.relative_to(root)):
            inside(root / relative, module_dir)
    recoverable = _unchanged_in_git(root, owned) | _unchanged_since_generated(root, module_dir)
    at_risk = [str(relative) for relative in sorted(owned) if relative not in recoverable]
    if at_risk and not force:
        more = f" and {len(at_risk) - 5} more" if len(at_risk) > 5 else ""
        raise ScaffoldError(
            f"{len(at_risk)} file(s) of {name} are untracked or edited and would be lost: "
            f"{', '.join(at_risk[:5])}{more}. Commit or move them, or delete them anyway with FORCE=1."
        )
    derived = list(sync.outputs(root))
    for relative in derived:
        registration_file(root, relative)
    return Removal(files=sorted(owned), derived=derived)


def remove_module(root: Path, name: str, *, force: bool = False, show: Callable[[str], None] = print) -> None:
    """Undo new_module exactly: check everything, show what goes, then delete and unregister."""
    removal = plan_removal(root, name, force=force)
    for relative in removal.files:
        show(f"deleting {relative}")
    delete(root, name, removal)
    for relative in sync.write(root):
        show(f"regenerated {relative} without {name}")


def facade_users(root: Path, name: str) -> list[str]:
    """`file:line` of every import of `name` from another module or shared code."""
    found = []
    for path in sorted([*(root / "modules").glob("*/**/*.py"), *(root / "stack").glob("**/*.py")]):
        if path.is_relative_to(root / "modules" / name):
            continue
        try:
            tree = ast.parse(path.read_text())
        except SyntaxError as error:
            raise ScaffoldError(
                f"{path.relative_to(root)}:{error.lineno} does not parse, so its imports can't be "
                "checked; fix it first."
            ) from None
        # The boundary check's reading of imports, dynamic ones with a literal name included.
        lines = [line for line, imported, _ in imported_names(tree) if imported.split(".")[0] == name]
        found += [f"{path.relative_to(root)}:{line}" for line in dict.fromkeys(lines)]
    return found


def delete(root: Path, name: str, removal: Removal) -> None:
    for relative in removal.files:
        (root / relative).unlink()
    # Directories go bottom-up once empty; a directory with anything left in it is kept.
    module_dir = root / "modules" / name
    for directory, _, _ in sorted(os.walk(module_dir), key=lambda entry: -len(entry[0])):
        Path(directory).rmdir()


def _files_under(directory: Path) -> list[Path]:
    """Every file and symlink below `directory`, without following links."""
    found = []
    for current, dirs, files in os.walk(directory):
        found += [Path(current) / f for f in files]
        found += [Path(current) / d for d in dirs if (Path(current) / d).is_symlink()]
    return found


def _unchanged_in_git(root: Path, paths: list[Path]) -> set[Path]:
    """The paths whose work-tree content is what HEAD holds, so git can give them back.

    Compared by blob id (`git hash-object`), not `git diff`: diff refreshes and rewrites the index,
    and a refused command must leave .git byte for byte as it was.
    """

    def git(*args: str, stdin: str | None = None) -> str | None:
        result = subprocess.run(["git", *args], cwd=root, input=stdin, capture_output=True, text=True)
        return result.stdout if result.returncode == 0 else None

    toplevel = git("rev-parse", "--show-toplevel")
    if not toplevel or Path(toplevel.strip()).resolve() != root.resolve() or not paths:
        return set()
    listing = git("ls-tree", "-r", "-z", "HEAD", "--", *(str(p) for p in paths)) or ""
    in_head = {}
    for entry in filter(None, listing.split("\0")):
        meta, name = entry.split("\t", 1)
        mode, _, blob = meta.split()
        in_head[Path(name)] = (mode, blob)
    files = [p for p, (mode, _) in in_head.items() if mode != "120000" and (root / p).is_file()]
    blobs = dict(zip(files, (git("hash-object", "--", *map(str, files)) or "").split(), strict=False))
    for link in (p for p, (mode, _) in in_head.items() if mode == "120000" and (root / p).is_symlink()):
        blobs[link] = (git("hash-object", "--stdin", stdin=os.readlink(root / link)) or "").strip()
    return {p for p, (_, blob) in in_head.items() if blobs.get(p) == blob}


def _unchanged_since_generated(root: Path, module_dir: Path) -> set[Path]:
    """The files the scaffolder wrote whose content is still what it recorded."""
    recorded = provenance.load(module_dir)
    unchanged = {(module_dir / provenance.FILE).relative_to(root)} if recorded else set()
    digests = {
        (module_dir / relative).relative_to(root): {hashes.get("rendered"), hashes.get("formatted")}
        for relative, hashes in recorded.get("files", {}).items()
    }
    for relative, digest in recorded.get("outputs", {}).items():
        digests.setdefault(Path(relative), set()).add(digest)
    for relative, accepted in digests.items():
        path = root / relative
        if path.is_file() and not path.is_symlink() and provenance.digest(path.read_text()) in accepted:
            unchanged.add(relative)
    return unchanged
