"""Scaffolding N modules for the Pants benchmark: the repo's scaffolder, orders' lockfile copied."""

import os
import sys
from pathlib import Path

import pytest

import sync
from bench.pants_scaling import (
    attribute,
    consumers,
    group_of,
    module_names,
    module_target_count,
    renamed_snapshot,
    scaffold_modules,
    select,
    selection_rule,
)
from scaffold.tests.scratch_repo import write_scratch_repo

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
    registry = (repo / sync.REGISTRY).read_text()
    assert '("load02", ("load01",), False, "http-api", "0.1.0", (), ()),' in registry
    assert 'uses = ["load01"]' in (repo / "modules/load02/module.toml").read_text()
    assert (
        "from load01.backend.public import Load01Client"
        in (repo / "modules/load02/backend/api/main.py").read_text()
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


MODULES = frozenset({"orders", "shipping", "load050", "load051"})


@pytest.mark.parametrize(
    ("address", "group"),
    [
        ("modules/orders/backend/tests/unit/test_orders.py:../../tests", "orders"),
        ("modules/orders:tests", "orders"),
        ("stack/system/tests/test_local_system.py:tests", "stack/system"),
        ("stack/libs/common/tests/test_x.py:tests@resolve=tools", "stack/libs"),
    ],
)
def test_a_test_target_belongs_to_its_module_or_its_stack_folder(address: str, group: str) -> None:
    assert group_of(address) == group


def test_a_module_owns_its_folder_and_the_targets_named_for_it_but_not_shared_ones() -> None:
    addresses = [
        "modules/load050/backend/api/main.py:../../lib",
        "modules/load050:public@resolve=load051",  # its facade in a consumer's resolve
        "3rdparty/python#fastapi@resolve=load050",
        "stack/libs/common/log.py@resolve=load050",
        "stack/docker:load050",
        "stack/libs/common/log.py@resolve=tools",
        "modules/load051:lib",
    ]
    assert [attribute(address, MODULES) for address in addresses] == [
        "load050",
        "load050",
        "load050",
        "load050",
        "load050",
        None,
        "load051",
    ]
    assert module_target_count(addresses, "load050", MODULES) == 5


def test_a_selection_names_tests_outside_the_rule_and_groups_it_missed() -> None:
    selected = [
        "modules/orders/backend/tests/unit/test_orders.py:../../tests",
        "modules/orders/backend/tests/unit/test_stock.py:../../tests",
        "modules/load050/backend/tests/unit/test_x.py:../../tests",
        "",
    ]
    chosen = select(selected, ["orders", "stack/system"], ["orders", "stack/system"])
    assert (chosen.total, chosen.unexpected, chosen.missing) == (3, ["load050"], ["stack/system"])
    assert not chosen.follows_rule
    assert chosen.describe() == "load050 1, orders 2 (unexpected: load050; none from: stack/system)"
    assert select(selected[:2], ["orders"], ["orders", "stack/system"]).follows_rule


def test_a_facade_change_must_reach_the_declared_consumers(tmp_path: Path) -> None:
    for name, uses in {"orders": [], "shipping": ["orders"], "load01": ["shipping"]}.items():
        (tmp_path / "modules" / name).mkdir(parents=True)
        (tmp_path / "modules" / name / "module.toml").write_text(f"uses = {uses!r}\n".replace("'", '"'))
    for group in ("stack/system", "stack/reliability"):
        (tmp_path / group).mkdir(parents=True)
    (tmp_path / "stack/system/BUILD").write_text('_PEXES = ["modules/orders:orders"]\n')
    (tmp_path / "stack/reliability/BUILD").write_text('_PEXES = ["modules/inventory:inventory"]\n')

    assert consumers(tmp_path, "orders") == ["shipping"]
    assert selection_rule(tmp_path, "internal", "orders")[0] == ["orders", "stack/system"]
    assert selection_rule(tmp_path, "facade", "orders")[0] == ["orders", "shipping", "stack/system"]
