"""check-module: a module has the structure the platform relies on."""

import ast
import json
import re
from pathlib import Path
from typing import Any

from manifest import ManifestError, load
from scaffold import registry

REQUIRED_FILES = (
    "BUILD",
    "module.toml",
    "README.md",
    "openapi.json",
    "backend/config.py",
    "backend/api/main.py",
    "backend/service/__init__.py",
    "backend/schemas/__init__.py",
    "backend/public/__init__.py",
    "backend/public/client.py",
    "backend/public/testing.py",
    "backend/tests/conftest.py",
    "infrastructure/Pulumi.yaml",
    "infrastructure/__main__.py",
)


def check_module(root: Path, name: str) -> list[str]:
    """Every way `name` falls short, as sentences; empty when it complies."""
    module = root / "modules" / name
    problems = [f"modules/{name}/{f} is missing" for f in REQUIRED_FILES if not (module / f).exists()]
    if (module / "BUILD").exists() and f'pantstack_module("{name}"' not in (module / "BUILD").read_text():
        problems.append(f'modules/{name}/BUILD does not call pantstack_module("{name}")')
    if (module / "backend/public/__init__.py").exists():
        problems += _facade_problems(module / "backend/public/__init__.py", name)
    try:
        load(root, name)
    except ManifestError as error:
        problems.append(str(error))
    problems += _lockfile_problems(root, name)
    return problems


def _facade_problems(init: Path, name: str) -> list[str]:
    tree = ast.parse(init.read_text())
    origin = {
        alias.asname or alias.name: node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
    }
    exported: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            exported = list(ast.literal_eval(node.value))
    if not exported:
        return [f"modules/{name}/backend/public/__init__.py has no __all__"]
    problems = []
    if exported != sorted(exported):
        problems.append(f"modules/{name}/backend/public/__init__.py: __all__ is not sorted")
    for export in exported:
        source = origin.get(export, "")
        is_client = source == f"{name}.backend.public.client" and export.endswith("Client")
        is_model = source.startswith(f"{name}.backend.schemas")
        if not (is_client or is_model):
            problems.append(
                f"modules/{name}/backend/public exports {export} from {source or 'nowhere'}: a facade "
                "exports only its client (public/client.py) and public models (backend/schemas)"
            )
    return problems


def _lockfile_problems(root: Path, name: str) -> list[str]:
    requirements, lockfile = root / registry.requirements_file(name), root / registry.lockfile(name)
    if not requirements.exists():
        return [f"{registry.requirements_file(name)} is missing"]
    if not lockfile.exists():
        return [f"{registry.lockfile(name)} is missing: run `make locks M={name}`"]
    if locked_requirements(lockfile.read_text()) != requirement_lines(requirements.read_text()):
        return [f"{registry.lockfile(name)} is stale (requirements changed): run `make locks M={name}`"]
    return []


def lockfile_metadata(lockfile_text: str) -> dict[str, Any]:
    """The JSON metadata block Pants writes, commented out, at the top of a lockfile ({} if none)."""
    block = re.search(r"BEGIN PANTS LOCKFILE METADATA.*?\n(.*?)\n// --- END", lockfile_text, re.DOTALL)
    if not block:
        return {}
    metadata = json.loads("\n".join(line[2:] for line in block.group(1).splitlines()))
    return metadata if isinstance(metadata, dict) else {}


def locked_requirements(lockfile_text: str) -> list[str]:
    """The requirements a lockfile was generated from, sorted (its header's list)."""
    return sorted(lockfile_metadata(lockfile_text).get("generated_with_requirements", []))


def requirement_lines(requirements_text: str) -> list[str]:
    """A requirements file's requirements, sorted, as Pants lists them in a lockfile's header."""
    return sorted(
        line.strip()
        for line in requirements_text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )
