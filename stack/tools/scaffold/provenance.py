"""What the scaffolder generated for a module, kept in modules/<m>/.scaffold.json.

"context" holds the answers the module was rendered from and "template_commit" the commit of the
templates, which `make update-module` re-renders as the base of its 3-way merge (update.py). Per
generated file, "files" records two hashes: of the raw template output ("rendered") and of the
file as formatted by `fmt fix` ("formatted"), so remove-module knows which files nobody edited;
"outputs" holds the digests of the other files it generated (requirements, lockfile,
openapi.json, events.json), keyed by repo-relative path.
"""

import hashlib
import json
from pathlib import Path
from typing import Any

from scaffold.confinement import inside
from scaffold.registry import lockfile, requirements_file

FILE = ".scaffold.json"


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def load(module_dir: Path) -> dict[str, Any]:
    path = module_dir / FILE
    return dict(json.loads(path.read_text())) if path.exists() else {}


def save(module_dir: Path, provenance: dict[str, Any]) -> None:
    (module_dir / FILE).write_text(json.dumps(provenance, indent=2, sort_keys=True) + "\n")


def record_formatted(module_dir: Path) -> None:
    """After `fmt fix`, the lockfile and the contract snapshot: remember each generated file as
    committed, so that remove-module knows it may delete them."""
    inside(module_dir / FILE, module_dir)
    provenance = load(module_dir)
    for relative, hashes in provenance.get("files", {}).items():
        path = module_dir / relative
        if path.exists():
            hashes["formatted"] = digest(path.read_text())
    root, name = module_dir.parents[1], module_dir.name
    outputs = provenance.setdefault("outputs", {})
    snapshots = (Path(f"modules/{name}/openapi.json"), Path(f"modules/{name}/events.json"))
    for relative in (*snapshots, requirements_file(name), lockfile(name)):
        path = root / relative
        if path.is_file() and not path.is_symlink():
            outputs[str(relative)] = digest(path.read_text())
    save(module_dir, provenance)
