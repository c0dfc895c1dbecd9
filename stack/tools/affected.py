#!/usr/bin/env python3
"""Which modules a change affects, as `./pants --changed-since=<ref> --changed-dependents=transitive` sees it.

    affected.py demo [--module inventory]          # `make affected-demo`
    affected.py deploy-plan --since <ref>|""        # the deploy workflow: stacks to update

`demo` proves affected-only selection on a scratch copy of the repo (the work tree's files that git
tracks or does not ignore, committed as the baseline): an edit inside one module selects only that
module's targets; an edit of its facade (backend/public) selects the modules that import it too.
It prints what Pants selects and exits 1 if a module outside the expected set is selected or an
expected one is missing.

`deploy-plan` prints (and with --github-output appends) `platform=true|false` and
`modules=<JSON list>`: the modules whose PEX, image or Pulumi program changed since <ref>, and
whether the platform's program did. An empty <ref> (nothing deployed yet) means everything.
Pants 2.17 does not map lockfile edits to targets, so a changed `<module>.lock` counts for its
module and a changed `infra.lock` for the platform and every module.

Stdlib only; it runs Pants through the repo's ./pants.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

from manifest import deploy_order, load_all

ROOT = Path(__file__).resolve().parents[2]
CHANGED = ["--changed-dependents=transitive"]
OTHERS = "(outside modules/)"
FACADE_DIRS = ("backend/public", "backend/schemas")


class DemoFailure(Exception):
    """Pants selected a module it should not have, or missed one it should have."""


def module_of(address: str) -> str | None:
    """`orders` for any target under modules/orders/, None for everything else."""
    parts = address.split(":")[0].split("/")
    return parts[1] if parts[0] == "modules" and len(parts) > 1 and parts[1] else None


def group_by_module(addresses: Iterable[str]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for address in sorted(set(addresses)):
        groups[module_of(address) or OTHERS].append(address)
    return dict(groups)


def facade_importers(root: Path, module: str) -> set[str]:
    """Modules whose code imports `module`'s facade, and, through facades that re-export it, theirs.

    Read from the import statements, independently of Pants, so that the demo checks Pants against
    something it did not compute itself.
    """
    facade_import = re.compile(
        rf"^\s*(?:from|import)\s+{re.escape(module)}\.backend\.(?:public|schemas)\b", re.MULTILINE
    )
    affected: set[str] = set()
    for candidate in sorted(path.name for path in (root / "modules").iterdir() if (path / "BUILD").is_file()):
        if candidate == module:
            continue
        sources = list((root / "modules" / candidate).rglob("*.py"))
        if not any(facade_import.search(path.read_text()) for path in sources):
            continue
        affected.add(candidate)
        facade_sources = [p for d in FACADE_DIRS for p in (root / "modules" / candidate / d).rglob("*.py")]
        if any(facade_import.search(path.read_text()) for path in facade_sources):
            affected |= facade_importers(root, candidate) - {module}
    return affected


def pants_changed(root: Path, since: str, *extra: str) -> list[str]:
    """Addresses `./pants --changed-since=<since> --changed-dependents=transitive list` selects."""
    command = [str(root / "pants"), *extra, f"--changed-since={since}", *CHANGED, "list"]
    result = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        # Pants prints a traceback before the message that says what is wrong.
        message = result.stderr.split("Exception message:")[-1].strip()[-3000:]
        raise RuntimeError(f"./pants {' '.join(command[1:])} failed (exit {result.returncode}):\n{message}")
    return result.stdout.split()


# --- demo ---------------------------------------------------------------------------------------


def _git(directory: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "affected-demo",
        "GIT_AUTHOR_EMAIL": "affected-demo@localhost",
        "GIT_COMMITTER_NAME": "affected-demo",
        "GIT_COMMITTER_EMAIL": "affected-demo@localhost",
    }
    return subprocess.run(
        ["git", *args], cwd=directory, env=env, check=True, capture_output=True, text=True
    ).stdout


def scratch_copy(root: Path, scratch: Path) -> int:
    """Copy the repo's files as they are in the work tree (tracked, and new ones git does not ignore)
    and commit them; return the count."""
    listed = _git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    files = sorted({name for name in listed.split("\0") if name})
    copied = 0
    for name in files:
        source = root / name
        if not source.is_file():  # deleted in the work tree, or a submodule
            continue
        target = scratch / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
        copied += 1
    _git(scratch, "init", "--quiet")
    _git(scratch, "add", "--all")
    _git(scratch, "commit", "--quiet", "--no-gpg-sign", "-m", "affected-demo baseline")
    return copied


def touch(path: Path, why: str) -> None:
    with path.open("a") as handle:
        handle.write(f"\n# affected-demo: {why}\n")


def report(title: str, changed: str, since: str, addresses: Sequence[str]) -> dict[str, list[str]]:
    groups = group_by_module(addresses)
    print(f"\n{title}: edited {changed}")
    print(
        f"  ./pants --changed-since={since} {' '.join(CHANGED)} list  selects {len(set(addresses))} targets:"
    )
    for owner in sorted(groups, key=lambda name: (name == OTHERS, name)):
        label = owner if owner == OTHERS else f"modules/{owner}"
        print(f"    {label} ({len(groups[owner])}):")
        for address in groups[owner]:
            print(f"      {address}")
    if OTHERS in groups:
        print(f"    (targets {OTHERS} are no module; e.g. stack/system packages every module's PEX)")
    return groups


def expect_modules(groups: dict[str, list[str]], expected: set[str], case: str) -> None:
    selected = set(groups) - {OTHERS}
    if selected != expected:
        leaked, missing = sorted(selected - expected), sorted(expected - selected)
        raise DemoFailure(
            f"{case}: expected the targets of modules {sorted(expected)} only; "
            f"leaked in: {leaked or 'none'}; missing: {missing or 'none'}"
        )
    print(f"  OK: modules selected = {sorted(selected)}, as expected")


def internal_file(root: Path, module: str) -> Path:
    candidates = sorted((root / "modules" / module / "backend" / "service").glob("*.py"))
    candidates = [path for path in candidates if path.name != "__init__.py"]
    if not candidates:
        raise DemoFailure(f"modules/{module}/backend/service/ has no source file to edit")
    return candidates[0]


def demo(root: Path, module: str, keep: bool = False) -> int:
    if not (root / "modules" / module / "BUILD").is_file():
        known = sorted(p.name for p in (root / "modules").iterdir() if (p / "BUILD").is_file())
        print(f"affected-demo: no module '{module}'; known modules: {', '.join(known)}", file=sys.stderr)
        return 2
    started = time.monotonic()
    scratch = Path(tempfile.mkdtemp(prefix="pantstack-affected-"))
    try:
        count = scratch_copy(root, scratch)
        print(f"affected-demo: {count} files copied to {scratch}, committed as the baseline (HEAD)")
        # No pantsd: a daemon would outlive the scratch copy it serves.
        no_daemon = "--no-pantsd"

        internal = internal_file(scratch, module)
        touch(internal, "an internal change")
        groups = report(
            "1. internal change",
            str(internal.relative_to(scratch)),
            "HEAD",
            pants_changed(scratch, "HEAD", no_daemon),
        )
        expect_modules(groups, {module}, "internal change")

        _git(scratch, "checkout", "--quiet", "--", ".")
        facade = scratch / "modules" / module / "backend" / "public" / "__init__.py"
        touch(facade, "a facade change")
        importers = facade_importers(scratch, module)
        named = ", ".join(sorted(importers)) or "none"
        print(f"\n(modules importing {module}'s facade, by their import statements: {named})")
        groups = report(
            "2. facade change",
            str(facade.relative_to(scratch)),
            "HEAD",
            pants_changed(scratch, "HEAD", no_daemon),
        )
        expect_modules(groups, {module} | importers, "facade change")
    except DemoFailure as failure:
        print(f"\naffected-demo: FAILED: {failure}", file=sys.stderr)
        return 1
    except (RuntimeError, subprocess.CalledProcessError) as error:
        print(f"\naffected-demo: could not run: {error}", file=sys.stderr)
        return 2
    finally:
        if keep:
            print(f"(scratch copy kept: {scratch})")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    print(f"\naffected-demo: passed in {time.monotonic() - started:.0f} s")
    return 0


# --- deploy plan --------------------------------------------------------------------------------


def deployable_modules(root: Path) -> list[str]:
    """Modules with a Pulumi program (the rule of stack/tools/stack.py), producers before consumers:
    the order a deploy updates them in."""
    with_stack = {path.parents[1].name for path in root.glob("modules/*/infrastructure/Pulumi.yaml")}
    return [name for name in deploy_order(load_all(root)) if name in with_stack]


def plan_deploy(
    addresses: Iterable[str], changed_files: Iterable[str], deployable: Sequence[str]
) -> tuple[bool, list[str]]:
    """(platform changed, modules to deploy): modules whose PEX, image or (non-test) Pulumi program is
    selected, or whose lockfile changed; the platform if its program is selected, infra.lock changed
    or a module manifest changed (the platform wires discovery and security groups from `uses`).
    A platform change updates every module too, since they read its outputs."""
    platform = False
    modules: set[str] = set()
    for address in addresses:
        path, _, name = address.partition(":")
        name = name.split("@")[0]
        is_test = "/tests/" in f"/{path}/" or name in ("tests", "test_utils")
        if path.startswith("stack/platform/infrastructure") and not is_test:
            platform = True
        if path == "stack/docker" and name in deployable:  # the module's image (stack/docker/BUILD)
            modules.add(name)
            continue
        module = module_of(address)
        if module is None:
            continue
        if (
            path == f"modules/{module}"
            and name == module
            or path.startswith(f"modules/{module}/infrastructure")
            and not is_test
        ):
            modules.add(module)
    for changed in changed_files:
        if Path(changed).name == "module.toml":
            platform = True
            continue
        resolve = Path(changed).name.removesuffix(".lock")
        if resolve == "infra":
            platform = True
        elif resolve in deployable:
            modules.add(resolve)
    if platform:
        modules = set(deployable)
    return platform, [name for name in deployable if name in modules]


def deploy_plan(root: Path, since: str, github_output: Path | None) -> int:
    deployable = deployable_modules(root)
    if since:
        addresses = pants_changed(root, since)
        diff = subprocess.run(
            ["git", "diff", "--name-only", since, "--", "3rdparty/python/*.lock", "modules/*/module.toml"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        platform, modules = plan_deploy(addresses, diff, deployable)
    else:
        platform, modules = True, deployable
    lines = [f"platform={'true' if platform else 'false'}", f"modules={json.dumps(modules)}"]
    print("\n".join(lines))
    if github_output:
        with github_output.open("a") as handle:
            handle.write("\n".join(lines) + "\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    commands = parser.add_subparsers(dest="command", required=True)
    demo_parser = commands.add_parser("demo", help="prove affected-only selection on a scratch copy")
    demo_parser.add_argument("--module", default="inventory", help="the module to edit (default: inventory)")
    demo_parser.add_argument("--keep", action="store_true", help="keep the scratch copy for a look")
    plan_parser = commands.add_parser("deploy-plan", help="stacks a deploy must update")
    plan_parser.add_argument("--since", required=True, help='git ref last deployed; "" for everything')
    plan_parser.add_argument("--github-output", type=Path, help="append the result to this file too")
    args = parser.parse_args(argv)
    if args.command == "demo":
        return demo(ROOT, args.module, args.keep)
    try:
        return deploy_plan(ROOT, args.since, args.github_output)
    except (RuntimeError, subprocess.CalledProcessError) as error:
        print(f"affected.py deploy-plan: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
