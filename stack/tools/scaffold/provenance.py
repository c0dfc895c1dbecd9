"""What the scaffolder generated for a module, kept in modules/<m>/.scaffold.json so that
`make update-module` can tell template changes from local edits.

Per file it records two hashes: of the raw template output ("rendered") and of the file as
committed after `fmt fix` ("formatted"). On update a file is replaced only if the template's
output changed and the file was not edited locally; if both changed, the new template output is
written beside it as <file>.template-new for a manual merge.
"""

import hashlib
import json
from pathlib import Path
from typing import Any

FILE = ".scaffold.json"


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def load(module_dir: Path) -> dict[str, Any]:
    path = module_dir / FILE
    return dict(json.loads(path.read_text())) if path.exists() else {}


def save(module_dir: Path, provenance: dict[str, Any]) -> None:
    (module_dir / FILE).write_text(json.dumps(provenance, indent=2, sort_keys=True) + "\n")


def record_formatted(module_dir: Path) -> None:
    """After `fmt fix`: remember each generated file as committed."""
    provenance = load(module_dir)
    for relative, hashes in provenance.get("files", {}).items():
        path = module_dir / relative
        if path.exists():
            hashes["formatted"] = digest(path.read_text())
    save(module_dir, provenance)
