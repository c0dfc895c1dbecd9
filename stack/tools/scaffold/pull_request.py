"""`make gh-new-module-pr M=name`: branch module/<name>, scaffold, commit, push, open a PR with gh.

Everything that can be checked is checked before anything changes (name, a clean work tree, an
`origin` remote, gh installed and logged in); if a later step fails, the branch, its commit, the
pushed branch and the generated files are rolled back. GH_DRY_RUN=1 prints the gh command
instead of running it (and skips the gh checks).
"""

import os
import shlex
import shutil
import subprocess
from pathlib import Path

from scaffold.errors import ScaffoldError
from scaffold.names import validate_module_name


def open_module_pr(root: Path, name: str, scaffold_command: list[str]) -> list[str]:
    """Returns the gh command that was run (or, dry, would be run)."""
    validate_module_name(name, root)
    dry_run = os.environ.get("GH_DRY_RUN") == "1"
    branch = f"module/{name}"
    if _git(root, "status", "--porcelain").strip():
        raise ScaffoldError("the work tree has uncommitted changes; commit or stash them first.")
    if not _git(root, "remote").split().count("origin"):
        raise ScaffoldError("no `origin` remote to push to; add one with `git remote add origin <url>`.")
    if _git(root, "branch", "--list", branch).strip():
        raise ScaffoldError(f"branch {branch} already exists; delete it or pick another module name.")
    if not dry_run:
        if shutil.which("gh") is None:
            raise ScaffoldError(
                "the GitHub CLI `gh` is not installed: see https://cli.github.com/ (or GH_DRY_RUN=1)."
            )
        if subprocess.run(["gh", "auth", "status"], cwd=root, capture_output=True).returncode != 0:
            raise ScaffoldError("`gh` is not logged in: run `gh auth login` first.")

    original = _git(root, "rev-parse", "--abbrev-ref", "HEAD").strip()
    gh_command = ["gh", "pr", "create", "--head", branch, "--title", f"Add module {name}",
                  "--body", f"Generated with `make new-module M={name}`."]  # fmt: skip
    pushed = False
    _git(root, "checkout", "-q", "-b", branch)
    try:
        subprocess.run(scaffold_command, cwd=root, check=True)
        _git(root, "add", "-A")
        _git(root, "commit", "-q", "-m", f"Add module {name}")
        _git(root, "push", "-q", "-u", "origin", branch)
        pushed = True
        if dry_run:
            print("GH_DRY_RUN=1, would run:", shlex.join(gh_command))
        else:
            subprocess.run(gh_command, cwd=root, check=True)
    except BaseException:
        if pushed:
            subprocess.run(["git", "push", "-q", "origin", "--delete", branch], cwd=root)
        # The tree was clean before, so anything here now is the scaffold's and goes.
        _git(root, "reset", "-q", "--hard", "HEAD")
        _git(root, "clean", "-q", "-fd")
        _git(root, "checkout", "-q", original)
        _git(root, "branch", "-q", "-D", branch)
        raise
    return gh_command


def _git(root: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    if result.returncode != 0:
        raise ScaffoldError(f"git {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout
