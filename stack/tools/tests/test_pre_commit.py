"""The pre-commit hooks are local, valid, and stop a commit whose derived files are stale."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import boundaries  # noqa: F401  (the hooks run these files; importing them puts them in the sandbox)
import docs_check  # noqa: F401
import sync
from scaffold.tests.scratch_repo import write_scratch_repo

CONFIG = Path(".pre-commit-config.yaml")


def pre_commit(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(root.parent),
        "PRE_COMMIT_HOME": str(root.parent / "pre-commit-home"),
    }
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args], cwd=root, env=env, capture_output=True, text=True
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = write_scratch_repo(tmp_path / "repo")
    shutil.copy(CONFIG, root / CONFIG)
    shutil.copytree(
        "stack/tools", root / "stack/tools", ignore=shutil.ignore_patterns("__pycache__", "tests")
    )
    for command in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "scratch"]):
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *command], cwd=root, check=True
        )
    return root


def test_the_config_is_valid_and_every_hook_is_local() -> None:
    assert pre_commit(Path.cwd(), "validate-config", str(CONFIG)).returncode == 0
    text = CONFIG.read_text()
    assert "  - repo: local\n" in text and text.count("- repo:") == 1


def test_a_stale_derived_file_fails_the_manifest_hook_naming_the_command(repo: Path) -> None:
    assert pre_commit(repo, "run", "manifests", "--all-files").returncode == 0
    manifest = repo / "modules/orders/module.toml"
    manifest.write_text(manifest.read_text().replace("@acme/orders", "@acme/sales"))

    done = pre_commit(repo, "run", "manifests", "--all-files")

    assert done.returncode == 1
    assert f"sync: {sync.CODEOWNERS} is stale" in done.stdout and "run `make sync`" in done.stdout
