"""affected.py: targets group by module; a facade's importers are read from import statements; the demo
fails when a module leaks in; the deploy plan picks the stacks whose deployables changed."""

import subprocess
from pathlib import Path

import pytest

from affected import (
    OTHERS,
    DemoFailure,
    expect_modules,
    facade_importers,
    group_by_module,
    plan_deploy,
    scratch_copy,
)

DEPLOYABLE = ["inventory", "orders", "shipping"]


def write(root: Path, relative: str, text: str = "") -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """inventory; orders imports inventory's facade in its service; shipping imports orders' facade."""
    for module in DEPLOYABLE:
        write(tmp_path, f"modules/{module}/BUILD", f'pantstack_module("{module}")\n')
        write(tmp_path, f"modules/{module}/backend/public/__init__.py", "")
    write(tmp_path, "modules/orders/backend/service/orders.py", "from inventory.backend.public import X\n")
    write(tmp_path, "modules/shipping/backend/service/ship.py", "import orders.backend.public\n")
    write(tmp_path, "modules/shipping/backend/notes.py", "# from inventory.backend.public import X\n")
    return tmp_path


def test_targets_group_by_their_module_and_the_rest_apart() -> None:
    groups = group_by_module(
        [
            "modules/orders:orders",
            "modules/orders/backend/api/main.py:../../lib",
            "modules/inventory/backend/public/client.py:../../public@resolve=orders",
            "stack/system:tests",
            "modules/orders:orders",
        ]
    )

    assert groups == {
        "orders": ["modules/orders/backend/api/main.py:../../lib", "modules/orders:orders"],
        "inventory": ["modules/inventory/backend/public/client.py:../../public@resolve=orders"],
        OTHERS: ["stack/system:tests"],
    }


def test_a_facade_is_imported_only_by_the_modules_whose_code_imports_it(repo: Path) -> None:
    # shipping's commented-out import does not count; shipping uses orders' facade, not orders' internals.
    assert facade_importers(repo, "inventory") == {"orders"}
    assert facade_importers(repo, "orders") == {"shipping"}
    assert facade_importers(repo, "shipping") == set()


def test_a_facade_that_re_exports_another_passes_its_importers_on(repo: Path) -> None:
    write(repo, "modules/orders/backend/public/__init__.py", "from inventory.backend.schemas import Item\n")

    assert facade_importers(repo, "inventory") == {"orders", "shipping"}


def test_the_demo_fails_naming_a_module_that_leaked_in() -> None:
    groups = {"inventory": ["modules/inventory:lib"], "shipping": ["modules/shipping:lib"], OTHERS: ["x:y"]}

    with pytest.raises(DemoFailure, match=r"leaked in: \['shipping'\]; missing: none"):
        expect_modules(groups, {"inventory"}, "internal change")


def test_the_demo_fails_naming_an_expected_module_that_is_missing() -> None:
    with pytest.raises(DemoFailure, match=r"leaked in: none; missing: \['orders'\]"):
        expect_modules({"inventory": ["modules/inventory:lib"]}, {"inventory", "orders"}, "facade change")


def test_targets_outside_modules_do_not_count_as_a_module(capsys: pytest.CaptureFixture[str]) -> None:
    expect_modules(
        {"inventory": ["modules/inventory:lib"], OTHERS: ["stack/system:tests"]}, {"inventory"}, "x"
    )

    assert "modules selected = ['inventory']" in capsys.readouterr().out


def test_the_scratch_copy_holds_tracked_and_new_files_committed_but_not_ignored_ones(tmp_path: Path) -> None:
    source, scratch = tmp_path / "source", tmp_path / "scratch"
    write(source, ".gitignore", "/dist/\n")
    write(source, "tracked.txt", "committed\n")
    subprocess.run(["git", "init", "--quiet"], cwd=source, check=True)
    subprocess.run(["git", "add", "--all"], cwd=source, check=True)
    write(source, "tracked.txt", "edited in the work tree\n")
    write(source, "new.txt", "not added yet\n")
    write(source, "dist/out.pex", "build output\n")
    scratch.mkdir()

    assert scratch_copy(source, scratch) == 3

    assert (scratch / "tracked.txt").read_text() == "edited in the work tree\n"
    assert (scratch / "new.txt").exists()
    assert not (scratch / "dist").exists()
    status = subprocess.run(["git", "status", "--porcelain"], cwd=scratch, capture_output=True, text=True)
    assert status.stdout == ""  # all of it is the committed baseline


def test_a_change_only_to_tests_deploys_nothing() -> None:
    addresses = [
        "modules/orders/backend/tests/unit/test_order_service.py:../../../tests",
        "modules/orders:tests",
        "modules/orders/infrastructure/tests/test_orders_program.py:tests",
        "stack/system:tests",
    ]

    assert plan_deploy(addresses, [], DEPLOYABLE) == (False, [])


def test_a_module_deploys_when_its_pex_image_or_pulumi_program_is_selected() -> None:
    addresses = [
        "modules/orders:orders",
        "stack/docker:inventory",
        "modules/shipping/infrastructure/__main__.py:infrastructure",
        "modules/billing:billing",  # no Pulumi program: not deployable
    ]

    assert plan_deploy(addresses, [], DEPLOYABLE) == (False, ["inventory", "orders", "shipping"])


def test_a_platform_change_updates_the_platform_and_then_every_module() -> None:
    addresses = ["stack/platform/infrastructure/__main__.py:infrastructure"]

    assert plan_deploy(addresses, [], DEPLOYABLE) == (True, DEPLOYABLE)


def test_lockfile_changes_count_for_their_module_and_infra_lock_for_everything() -> None:
    assert plan_deploy([], ["3rdparty/python/orders.lock", "3rdparty/python/tools.lock"], DEPLOYABLE) == (
        False,
        ["orders"],
    )
    assert plan_deploy([], ["3rdparty/python/infra.lock"], DEPLOYABLE) == (True, DEPLOYABLE)


def test_a_changed_manifest_redeploys_the_platform_that_wires_uses() -> None:
    assert plan_deploy([], ["modules/shipping/module.toml"], DEPLOYABLE) == (True, DEPLOYABLE)
