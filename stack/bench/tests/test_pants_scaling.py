"""Scaffolding N modules for the Pants benchmark: the repo's scaffolder, orders' lockfile copied."""

import os
import sys
from pathlib import Path

import pytest
import sync
from scaffold.tests.scratch_repo import write_scratch_repo

from bench.pants_scaling import module_names, renamed_snapshot, scaffold_modules

LOCKFILE = "//    pants generate-lockfiles --resolve=orders\n// metadata\n{}\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The scaffolder's scratch repository, with a lockfile for orders to copy."""
    write_scratch_repo(tmp_path)
    (tmp_path / "3rdparty/python/orders.lock").write_text(LOCKFILE)
    return tmp_path


def test_module_names_sort_in_creation_order() -> None:
    assert module_names(3) == ["load01", "load02", "load03"]
    assert module_names(100)[-1] == "load100" and module_names(100)[0] == "load001"


def test_two_modules_are_scaffolded_registered_and_locked(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(sys.path))

    scaffold_modules(repo, ["load01", "load02"], [sys.executable, "-m", "scaffold.cli"])

    for name in ("load01", "load02"):
        assert (repo / f"modules/{name}/BUILD").read_text().count(f'pantstack_module("{name}"') == 1
        assert (repo / f"modules/{name}/backend/api/main.py").exists()
        lock = (repo / f"3rdparty/python/{name}.lock").read_text()
        assert lock == LOCKFILE.replace("--resolve=orders", f"--resolve={name}")
        assert f"{name}: 3rdparty/python/{name}.lock" in (repo / "3rdparty/python/resolves.yaml").read_text()
    assert '("load02", ("load01",), False, "http-api", "0.1.0"),' in (repo / sync.REGISTRY).read_text()
    assert 'uses = ["load01"]' in (repo / "modules/load02/module.toml").read_text()
    assert (
        "from load01.backend.public import Load01Client"
        in (repo / "modules/load02/backend/api/peers.py").read_text()
    )


def test_a_failing_scaffold_names_the_module(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(sys.path))
    with pytest.raises(RuntimeError, match="scaffolding orders failed: .*already exists"):
        scaffold_modules(repo, ["orders"], [sys.executable, "-m", "scaffold.cli"])


def test_snapshots_are_renamed_in_every_case_but_not_inside_longer_names() -> None:
    snapshot = '{"title": "load01", "schema": "Load01Public", "env": "LOAD01_URL", "other": "load010"}'
    assert renamed_snapshot(snapshot, "load01", "load07") == (
        '{"title": "load07", "schema": "Load07Public", "env": "LOAD07_URL", "other": "load010"}'
    )
