"""new-module and remove-module: all-or-nothing changes to the repo."""

import ast
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import compose

from scaffold import provenance, registry
from scaffold.errors import ScaffoldError
from scaffold.names import validate_module_name

TEMPLATES = Path(__file__).parent / "templates"
# A worker is the http-api module (with its database, which holds the job queue) plus the overlay
# in templates/worker.
TYPES = ("http-api", "worker")
FEATURES = ("database",)
# Files that exist only with, or only without, FEATURES=database.
_DATABASE_ONLY = tuple(
    f"backend/repository/{part}" for part in ("migrations/", "tables.py", "repository.py", "unit_of_work.py")
)
_MEMORY_ONLY = ("backend/repository/memory.py",)


def parse_features(features: str) -> set[str]:
    chosen = {f.strip() for f in features.split(",") if f.strip()}
    unknown = chosen - set(FEATURES)
    if unknown:
        raise ScaffoldError(f"unknown FEATURES {sorted(unknown)}; available: {', '.join(FEATURES)}.")
    return chosen


def new_module(root: Path, name: str, module_type: str, features: set[str]) -> list[Path]:
    """Render the module into a temp dir, then move it in and edit the shared files; on any
    failure (or Ctrl-C) every change is undone. Returns the paths written."""
    validate_module_name(name, root)
    if module_type not in TYPES:
        raise ScaffoldError(f"unknown TYPE '{module_type}'; available: {', '.join(TYPES)}.")
    context: dict[str, Any] = {
        "name": name,
        "Name": "".join(part.capitalize() for part in name.split("_")),
        "NAME": name.upper(),
        "database": "database" in features or module_type == "worker",
        "listener_priority": _next_listener_priority(root),
    }
    shared = registry.edits(root, name, add=True)
    originals = {path: (root / path).read_text() for path in [*shared, compose.COMPOSE_FILE]}
    module_dir = root / "modules" / name
    requirements = root / registry.requirements_file(name)
    staging = Path(tempfile.mkdtemp(prefix=f".new-module-{name}-", dir=root / "modules"))
    try:
        rendered = render_module(module_type, context)
        for relative, text in rendered.items():
            (staging / relative).parent.mkdir(parents=True, exist_ok=True)
            (staging / relative).write_text(text)
        provenance.save(
            staging,
            {
                "type": module_type,
                "context": context,
                "files": {
                    relative: {"rendered": provenance.digest(text)} for relative, text in rendered.items()
                },
            },
        )
        requirements_text = _render_text(TEMPLATES / "requirements.txt.jinja", context)
        staging.rename(module_dir)
        requirements.write_text(requirements_text)
        for path, text in shared.items():
            _replace(root / path, text)
        # docker-compose.yml is generated from modules/, so it is rendered once the module is in place.
        _replace(root / compose.COMPOSE_FILE, compose.render(root))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(module_dir, ignore_errors=True)
        requirements.unlink(missing_ok=True)
        for path, text in originals.items():
            _replace(root / path, text)
        raise
    return [module_dir, requirements, *(root / p for p in shared), root / compose.COMPOSE_FILE]


def remove_module(root: Path, name: str) -> None:
    """Undo new_module exactly; refuse while another module imports this one's facade."""
    if not (root / "modules" / name / "BUILD").exists():
        raise ScaffoldError(f"no module '{name}' (no modules/{name}/BUILD).")
    users = facade_users(root, name)
    if users:
        raise ScaffoldError(
            f"modules still use the {name} facade: {', '.join(users)}. Remove those imports first."
        )
    shared = registry.edits(root, name, add=False)
    shutil.rmtree(root / "modules" / name)
    for path in (registry.requirements_file(name), registry.lockfile(name)):
        (root / path).unlink(missing_ok=True)
    for path, text in shared.items():
        _replace(root / path, text)
    _replace(root / compose.COMPOSE_FILE, compose.render(root))


def facade_users(root: Path, name: str) -> list[str]:
    """`file:line` of every import of `name` from another module or shared code."""
    found = []
    for path in sorted([*(root / "modules").glob("*/**/*.py"), *(root / "stack").glob("**/*.py")]):
        if path.is_relative_to(root / "modules" / name):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            modules = []
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            if any(m == name or m.startswith(f"{name}.") for m in modules):
                found.append(f"{path.relative_to(root)}:{node.lineno}")  # type: ignore[attr-defined]
    return found


def update_module(root: Path, name: str) -> list[str]:
    """Re-apply the current templates to a generated module, keeping local edits; returns a report."""
    module_dir = root / "modules" / name
    recorded = provenance.load(module_dir)
    if not recorded:
        raise ScaffoldError(
            f"modules/{name} has no {provenance.FILE}: it was not generated by make new-module, so there is "
            "no template version to update from."
        )
    report = []
    rendered = render_module(recorded["type"], recorded["context"])
    files = recorded.setdefault("files", {})
    for relative, text in sorted(rendered.items()):
        path, hashes, new_hash = module_dir / relative, files.get(relative), provenance.digest(text)
        if hashes is None:
            if path.exists():
                path.with_name(path.name + ".template-new").write_text(text)
                report.append(f"{relative}: new in the template but a local file exists; see .template-new")
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            files[relative] = {"rendered": new_hash}
            report.append(f"{relative}: added")
        elif hashes["rendered"] == new_hash:
            continue  # the template did not change this file
        elif not path.exists() or provenance.digest(path.read_text()) == hashes.get("formatted"):
            path.write_text(text)
            files[relative] = {"rendered": new_hash}
            report.append(f"{relative}: updated")
        else:
            path.with_name(path.name + ".template-new").write_text(text)
            report.append(
                f"{relative}: edited locally and changed in the template; merge {relative}.template-new"
            )
    report += [
        f"{relative}: no longer in the template (kept)" for relative in sorted(files.keys() - rendered.keys())
    ]
    provenance.save(module_dir, recorded)
    return report


def render_module(module_type: str, context: dict[str, Any]) -> dict[str, str]:
    """Every file of a module of this type, as relative path -> text (worker = http-api + overlay)."""
    rendered = _render(TEMPLATES / "http-api", context)
    if module_type == "worker":
        rendered |= _render(TEMPLATES / "worker", context)
    return rendered


def _render(template_dir: Path, context: dict[str, Any]) -> dict[str, str]:
    rendered = {}
    for template in sorted(template_dir.rglob("*.jinja")):
        relative = template.relative_to(template_dir).as_posix().removesuffix(".jinja")
        # Stored as build-file: Pants would read a template named BUILD.* as a BUILD file.
        relative = re.sub(r"(^|/)build-file$", r"\1BUILD", relative)
        if (context["database"] and relative.startswith(_MEMORY_ONLY)) or (
            not context["database"] and relative.startswith(_DATABASE_ONLY)
        ):
            continue
        rendered[relative] = _render_text(template, context)
    return rendered


def _render_text(template: Path, context: dict[str, Any]) -> str:
    import jinja2  # only `new` renders; check and remove run on the stdlib alone

    environment = jinja2.Environment(keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    return environment.from_string(template.read_text()).render(**context)


def _replace(path: Path, text: str) -> None:
    """Write via a temp file and rename, so a reader never sees half a file."""
    if path.exists() and path.read_text() == text:
        return
    temporary = path.with_name(f".{path.name}.new")
    temporary.write_text(text)
    temporary.replace(path)


def _next_listener_priority(root: Path) -> int:
    used = [
        int(match)
        for stack_file in (root / "modules").glob("*/infrastructure/Pulumi.*.yaml")
        for match in re.findall(r":listenerPriority: (\d+)", stack_file.read_text())
    ]
    return max(used, default=99) + 1
