"""Template versions: the git commit of stack/tools/scaffold/templates a module was rendered from.

`make new-module` records it in modules/<m>/.scaffold.json; `make update-module` re-renders that
commit's templates (the merge base) beside today's and merges the difference into the module.
"""

import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from scaffold.errors import ScaffoldError

TEMPLATES = "stack/tools/scaffold/templates"


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, check=False)


def current_version(root: Path) -> str | None:
    """The last commit that changed the templates, if they are committed as they are; else None."""
    last = _git(root, "log", "-1", "--format=%H", "--", TEMPLATES)
    if last.returncode != 0 or not last.stdout.strip():
        return None  # not a git checkout, or templates never committed
    # --no-optional-locks: a plain `git status` refreshes .git/index, and a check must write nothing.
    dirty = _git(root, "--no-optional-locks", "status", "--porcelain", "--", TEMPLATES)
    if dirty.returncode != 0 or dirty.stdout.strip():
        return None
    return last.stdout.decode().strip()


def require_current_version(root: Path) -> str:
    version = current_version(root)
    if version is None:
        raise ScaffoldError(
            f"{TEMPLATES} has uncommitted changes (or this is not a git checkout): a template version "
            "is a commit, so commit the template change first, then update."
        )
    return version


@contextmanager
def templates_at(root: Path, commit: str) -> Iterator[Path]:
    """The templates directory as it was at `commit`, extracted into a temporary directory."""
    with tempfile.TemporaryDirectory(prefix="templates-") as tmp:
        archive = _git(root, "archive", "--format=tar", commit, "--", TEMPLATES)
        if archive.returncode != 0:
            raise ScaffoldError(
                f"template version {commit[:12]} is not in this repository's history "
                f"({archive.stderr.decode().strip()}); fetch it, or restore .scaffold.json from git."
            )
        tar_path = Path(tmp) / "templates.tar"
        tar_path.write_bytes(archive.stdout)
        with tarfile.open(tar_path) as tar:
            tar.extractall(tmp, filter="data")
        yield Path(tmp) / TEMPLATES
