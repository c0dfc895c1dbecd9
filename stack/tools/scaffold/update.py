"""update-module: bring a module up to today's templates with a 3-way merge, per file.

The base is what the templates rendered at the commit recorded in the module's .scaffold.json,
the other side what they render today, both with the module's recorded answers and formatted as
`make fmt` formats. `git merge-file` merges their difference into the module's file: a template
change reaches a file the user did not touch, meets a local edit elsewhere in it, and becomes
inline conflict markers where both changed the same lines. Files the user deleted stay deleted;
files the template added appear. Every result is computed before the first write.
"""

import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from manifest import load
from scaffold import provenance
from scaffold.confinement import inside
from scaffold.create import TYPES, module_context, render_module
from scaffold.errors import ScaffoldError
from scaffold.formatting import format_file
from scaffold.names import existing_module
from scaffold.template_versions import TEMPLATES, require_current_version, templates_at


@dataclass
class Update:
    module: str
    lines: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)  # module-relative paths with markers
    changed: bool = False
    skipped: str = ""  # why the module was not updated at all

    @property
    def summary(self) -> str:
        if self.skipped:
            return f"{self.module}: {self.skipped}"
        if self.conflicts:
            return f"{self.module}: conflicts in {', '.join(self.conflicts)}"
        return f"{self.module}: updated" if self.changed else f"{self.module}: already current"


def update_module(root: Path, name: str) -> Update:
    module_dir = existing_module(root, name)
    inside(module_dir / provenance.FILE, module_dir)
    recorded = _recorded(module_dir, name)
    result = Update(name)
    context, module_type = recorded["context"], recorded["type"]
    new = render_module(module_type, context, root / TEMPLATES)
    for relative in new:  # a link out of the module is refused before anything else
        inside(module_dir / relative, module_dir)
    base_commit, new_commit = recorded["template_commit"], require_current_version(root)
    if base_commit == new_commit:
        return result
    with templates_at(root, base_commit) as old_templates:
        base = render_module(module_type, context, old_templates)
    if base == new:
        return result  # the templates changed, but nothing this module renders
    writes: dict[str, str | None] = {}  # module-relative path -> new text, None: delete
    files = recorded.setdefault("files", {})
    for relative in sorted(base.keys() | new.keys()):
        path = inside(module_dir / relative, module_dir)
        ours = path.read_text() if path.is_file() else None
        old = format_file(root, f"modules/{name}/{relative}", base[relative]) if relative in base else None
        theirs = format_file(root, f"modules/{name}/{relative}", new[relative]) if relative in new else None
        if old == theirs or ours == theirs:
            continue
        if theirs is None:  # the template dropped the file
            if ours is not None and ours == old:
                writes[relative] = None
                result.lines.append(f"{relative}: removed, as the template no longer has it")
            elif ours is not None:
                result.lines.append(f"{relative}: no longer in the template; kept (edited locally)")
            continue
        if ours is None:
            if old is None:
                writes[relative] = theirs
                result.lines.append(f"{relative}: added by the template")
            else:
                result.lines.append(f"{relative}: deleted locally; stays deleted")
            continue
        if ours == old:
            writes[relative] = theirs
            result.lines.append(f"{relative}: updated")
            continue
        merged, conflicts = merge_file(ours, old or "", theirs, name=f"modules/{name}/{relative}")
        writes[relative] = merged
        if conflicts:
            result.conflicts.append(relative)
            result.lines.append(f"{relative}: CONFLICT ({conflicts} hunk(s)): resolve the markers")
        else:
            result.lines.append(f"{relative}: merged with local edits")
    for relative, text in writes.items():
        path = module_dir / relative
        if text is None:
            path.unlink()
            files.pop(relative, None)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        files[relative] = {"rendered": provenance.digest(new[relative])}
        if relative not in result.conflicts and text == format_file(
            root, f"modules/{name}/{relative}", new[relative]
        ):
            files[relative]["formatted"] = provenance.digest(text)
    recorded["template_commit"] = new_commit
    provenance.save(module_dir, recorded)
    result.changed = True
    return result


def merge_file(ours: str, base: str, theirs: str, *, name: str) -> tuple[str, int]:
    """git merge-file's 3-way merge: the merged text and its number of conflicting hunks."""
    with tempfile.TemporaryDirectory(prefix="merge-") as tmp:
        paths = []
        for label, text in (("ours", ours), ("base", base), ("theirs", theirs)):
            paths.append(Path(tmp) / label)
            paths[-1].write_text(text)
        done = subprocess.run(
            [
                "git",
                "merge-file",
                "-p",
                "-L",
                f"{name} (yours)",
                "-L",
                "template (base)",
                "-L",
                "template (new)",
            ]
            + [str(p) for p in paths],
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode < 0 or done.returncode > 127:
        raise ScaffoldError(f"git merge-file failed on {name}: {done.stderr.strip()}")
    return done.stdout, done.returncode


def update_modules(root: Path) -> list[Update]:
    """Every module with a .scaffold.json; the others are reported, not touched."""
    results = []
    for module_dir in sorted(p for p in (root / "modules").iterdir() if (p / "module.toml").is_file()):
        if not (module_dir / provenance.FILE).is_file():
            reason = f"not updatable (no {provenance.FILE}: `make adopt-module M={module_dir.name}`)"
            results.append(Update(module_dir.name, skipped=reason))
            continue
        results.append(update_module(root, module_dir.name))
    return results


def adopt_module(root: Path, name: str) -> None:
    """Record a hand-written module's answers and today's templates as its base, so template changes
    reach it by update-module; where it differs from the templates, that is its local edit."""
    module_dir = existing_module(root, name)
    if (module_dir / provenance.FILE).exists():
        raise ScaffoldError(f"modules/{name} already has {provenance.FILE}; update-module keeps it current.")
    manifest = load(root, name)
    database = manifest.database or manifest.type == "worker"
    context = module_context(
        root,
        name,
        module_type=manifest.type,
        database=database,
        uses=manifest.uses,
        owners=manifest.owners,
        description=manifest.description,
        listener_priority=_listener_priority(module_dir),
        publishes=manifest.publishes,
        subscribes=manifest.subscribes,
    )
    provenance.save(
        module_dir,
        {"type": manifest.type, "context": context, "template_commit": require_current_version(root)},
    )


def _listener_priority(module_dir: Path) -> int:
    for stack_file in sorted((module_dir / "infrastructure").glob("Pulumi.*.yaml")):
        found = re.search(r":listenerPriority: (\d+)", stack_file.read_text())
        if found:
            return int(found.group(1))
    raise ScaffoldError(
        f"modules/{module_dir.name}/infrastructure has no listenerPriority in its stack files."
    )


def _recorded(module_dir: Path, name: str) -> dict[str, Any]:
    recorded = provenance.load(module_dir)
    if not recorded:
        raise ScaffoldError(
            f"modules/{name} has no {provenance.FILE}: it was neither generated by make new-module nor "
            f"adopted; `make adopt-module M={name}` records its answers and today's templates as its base."
        )
    if recorded.get("type") not in TYPES or recorded.get("context", {}).get("name") != name:
        raise ScaffoldError(
            f"modules/{name}/{provenance.FILE} does not describe a {' or '.join(TYPES)} module named "
            f"{name}; restore it from git before updating."
        )
    if not recorded.get("template_commit"):
        raise ScaffoldError(
            f"modules/{name}/{provenance.FILE} records no template version (it was generated from "
            'uncommitted templates): set "template_commit" to the commit of the templates it came from.'
        )
    return recorded
