#!/usr/bin/env python3
"""`make stack-preview|stack-up|stack-destroy`: Pulumi for the platform and the modules' stacks.

    stack.py up --env prod [--module orders|platform] [-- <pulumi flags, e.g. --yes>]

Projects: the platform (stack/platform/infrastructure) and every module with
modules/<name>/infrastructure/Pulumi.yaml. Without --module, `preview` and `up` run the platform and
then each module in dependency order from the manifests' `uses` (producers before consumers, so a
consumer's stack never points at a service that is not there yet), and print that order; `destroy`
runs them the other way round. A module that uses a module without a stack is refused up front.
`--module platform` is the platform alone (no module may be called `platform`: the scaffolder
reserves the name). Environments are the platform's
Pulumi.<env>.yaml files. A stack is <org>/<project>/<env>, <org> being `pantstack:org` in the
project's Pulumi.<env>.yaml.

How a program gets its Python: `./pants export --resolve=infra` builds a virtualenv from the
infra lockfile (pulumi, pulumi-aws) in dist/export/python/virtualenvs/infra/<python version>/.
Pulumi's Python host runs the program with that interpreter (PULUMI_PYTHON_CMD, and its bin/ first
on PATH), and PYTHONPATH=stack:stack/tools makes the shared component importable as `infra` and
the manifests' reader as `manifest` (the platform program wires the modules from the manifests).

Stdlib only (manifest.py is too), so that it runs before anything is installed.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from manifest import ManifestError, check_deployable, deploy_order, load_all

ROOT = Path(__file__).resolve().parents[2]
PLATFORM = "platform"
PLATFORM_DIR = Path("stack/platform/infrastructure")
EXPORT_DIR = Path("dist/export/python/virtualenvs/infra")
INSTALL_HINT = (
    "the Pulumi CLI is not installed (no `pulumi` on PATH). Install it "
    "(https://www.pulumi.com/docs/install/ , e.g. `curl -fsSL https://get.pulumi.com | sh`), "
    "log in (`pulumi login`), then run this again. Nothing was done."
)
ORG_KEY = re.compile(r"^\s*pantstack:org:\s*[\"']?([^\"'\s#]+)", flags=re.MULTILINE)


class StackError(Exception):
    """A request that cannot run; the message says why and what would work."""


@dataclass(frozen=True)
class Stack:
    project: str
    directory: Path
    name: str  # <org>/<project>/<env>


def modules(root: Path) -> list[str]:
    """Modules with a Pulumi project: modules/<name>/infrastructure/Pulumi.yaml."""
    return sorted(path.parents[1].name for path in root.glob("modules/*/infrastructure/Pulumi.yaml"))


def environments(root: Path) -> list[str]:
    """Environments the platform has a stack config for: its Pulumi.<env>.yaml files."""
    return sorted(
        path.name[len("Pulumi.") : -len(".yaml")] for path in (root / PLATFORM_DIR).glob("Pulumi.*.yaml")
    )


def plan(root: Path, action: str, env: str, module: str | None) -> list[Stack]:
    """The stacks to run `action` on, in order; StackError for an unknown module or env."""
    known_envs = environments(root)
    if env not in known_envs:
        given = f"unknown environment '{env}'" if env else "no environment given"
        raise StackError(f"{given}; use ENV= one of: {', '.join(known_envs) or '(none)'}")
    known_modules = modules(root)
    if module == PLATFORM:
        return [_stack(root, PLATFORM, PLATFORM_DIR, env)]
    if module is not None and module not in known_modules:
        raise StackError(
            f"unknown module '{module}'; modules with infrastructure/Pulumi.yaml: "
            f"{', '.join(known_modules) or '(none)'} (or M={PLATFORM}: the platform stack alone)"
        )
    projects = [(module, Path("modules") / module / "infrastructure")] if module else []
    if not module:
        projects = [(PLATFORM, PLATFORM_DIR)] + [
            (name, Path("modules") / name / "infrastructure") for name in dependency_order(root)
        ]
        if action == "destroy":
            projects.reverse()
    return [_stack(root, project, directory, env) for project, directory in projects]


def dependency_order(root: Path) -> list[str]:
    """The modules with a stack, producers before consumers; StackError if one uses a module without one."""
    deployable = set(modules(root))
    try:
        manifests = load_all(root)
        check_deployable(manifests, deployable)
    except ManifestError as error:
        raise StackError(str(error)) from None
    return [name for name in deploy_order(manifests) if name in deployable]


def _stack(root: Path, project: str, directory: Path, env: str) -> Stack:
    config = root / directory / f"Pulumi.{env}.yaml"
    if not config.is_file():
        raise StackError(f"{directory} has no stack config for '{env}': create {config.relative_to(root)}")
    found = ORG_KEY.search(config.read_text())
    if not found:
        raise StackError(f"{config.relative_to(root)} does not set pantstack:org (the Pulumi organization)")
    return Stack(project, root / directory, f"{found.group(1)}/{project}/{env}")


def export_interpreter(root: Path) -> Path:
    """Build the infra resolve's virtualenv with Pants; return its python."""
    subprocess.run([str(root / "pants"), "export", "--resolve=infra"], cwd=root, check=True)
    pythons = sorted((root / EXPORT_DIR).glob("*/bin/python"), key=lambda path: path.stat().st_mtime)
    if not pythons:
        raise StackError(f"`./pants export --resolve=infra` made no virtualenv under {EXPORT_DIR}")
    return pythons[-1]


def pulumi_environment(root: Path, python: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PULUMI_PYTHON_CMD"] = str(python)
    env["PATH"] = f"{python.parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(root / "stack"), str(root / "stack/tools"), env.get("PYTHONPATH")])
    )
    return env


def run(action: str, stacks: list[Stack], pulumi: str, env: dict[str, str], extra: list[str]) -> int:
    for stack in stacks:
        print(f"make stack-{action}: {stack.name} ({stack.directory})", flush=True)
        if action != "destroy":
            # A stack that does not exist yet is created; its config file is already in the repo.
            select = [
                pulumi,
                "stack",
                "select",
                "--create",
                "--stack",
                stack.name,
                "--cwd",
                str(stack.directory),
            ]
            if subprocess.call(select, env=env) != 0:
                return 1
        status = subprocess.call(
            [pulumi, action, "--stack", stack.name, "--cwd", str(stack.directory), *extra], env=env
        )
        if status != 0:
            print(
                f"make stack-{action}: {stack.name} failed (exit {status}); stopping here.", file=sys.stderr
            )
            return status
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["preview", "up", "destroy"])
    parser.add_argument("--env", default="", help="environment: a Pulumi.<env>.yaml of the platform")
    parser.add_argument("--module", default=None, help="one module; default: the platform and every module")
    parser.epilog = "Arguments after -- go to pulumi, e.g. -- --yes"
    argv = sys.argv[1:] if argv is None else argv
    split = argv.index("--") if "--" in argv else len(argv)
    args, pulumi_args = parser.parse_args(argv[:split]), argv[split + 1 :]
    prefix = f"make stack-{args.action}"
    try:
        stacks = plan(ROOT, args.action, args.env, args.module or None)
        print(f"{prefix}: order: {', '.join(stack.project for stack in stacks)}", flush=True)
        pulumi = shutil.which("pulumi")
        if pulumi is None:
            raise StackError(INSTALL_HINT)
        env = pulumi_environment(ROOT, export_interpreter(ROOT))
    except StackError as error:
        print(f"{prefix}: {error}", file=sys.stderr)
        return 2
    except subprocess.CalledProcessError as error:
        print(f"{prefix}: {' '.join(map(str, error.cmd))} failed (exit {error.returncode})", file=sys.stderr)
        return 1
    return run(args.action, stacks, pulumi, env, pulumi_args)


if __name__ == "__main__":
    sys.exit(main())
