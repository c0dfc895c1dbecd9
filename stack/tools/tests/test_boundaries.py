"""The boundary check catches every planted way of reaching into another module, and every
mismatch between a manifest's `uses` and the imports, and explains it: file, line, name, rule, fix."""

from pathlib import Path

import pytest

from boundaries import main


def write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def manifest(uses: str) -> str:
    return (
        'description = "A module."\nowners = ["@acme/team"]\ntype = "http-api"\ndatabase = true\n'
        f'version = "0.1.0"\nuses = [{uses}]\n'
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A scratch copy of the layout: orders with a facade, shipping using it properly."""
    for module, uses in (("orders", ""), ("shipping", '"orders"')):
        write(tmp_path, f"modules/{module}/BUILD", f'pantstack_module("{module}")\n')
        write(tmp_path, f"modules/{module}/module.toml", manifest(uses))
    write(
        tmp_path, "modules/orders/backend/public/__init__.py", '__all__ = ["OrderPublic", "OrdersClient"]\n'
    )
    write(tmp_path, "modules/orders/backend/service/orders.py", "def place_order() -> None: ...\n")
    write(
        tmp_path,
        "modules/shipping/backend/service/shipments.py",
        "from orders.backend.public import OrdersClient\n",
    )
    write(tmp_path, "stack/libs/common/database.py", "import sqlalchemy\n")
    return tmp_path


def test_facade_imports_pass(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(repo)]) == 0
    assert "every cross-module import goes through a declared facade" in capsys.readouterr().out


def test_an_import_of_another_modules_internals_is_explained(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        repo,
        "modules/shipping/backend/service/shipments.py",
        "from orders.backend.public import OrdersClient\n"
        "from orders.backend.service.orders import place_order\n",
    )

    assert main(["--root", str(repo)]) == 1

    error = capsys.readouterr().err
    where = "modules/shipping/backend/service/shipments.py:2"
    assert f"{where}: imports `from orders.backend.service.orders import place_order`" in error
    assert "rule: only modules/orders/** may use the internals of orders" in error
    assert (
        "fix:  use the facade instead: `from orders.backend.public import "
        "OrderPublic, OrdersClient`" in error
    )


def test_tests_follow_the_same_rules(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(repo, "modules/shipping/backend/tests/test_x.py", "import orders.backend.repository.tables\n")

    assert main(["--root", str(repo)]) == 1
    assert "test_x.py:1: imports `import orders.backend.repository.tables`" in capsys.readouterr().err


def test_shared_libraries_may_not_import_any_module(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(repo, "stack/libs/common/database.py", "from orders.backend.public import OrdersClient\n")

    assert main(["--root", str(repo)]) == 1
    assert "stack/libs/** may not depend on any module" in capsys.readouterr().err


def test_an_undeclared_facade_import_names_the_manifest_line_to_add(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        repo,
        "modules/orders/backend/service/orders.py",
        "from shipping.backend.public import ShippingClient\n",
    )
    write(repo, "modules/shipping/backend/public/__init__.py", '__all__ = ["ShippingClient"]\n')

    assert main(["--root", str(repo)]) == 1

    error = capsys.readouterr().err
    assert "modules/orders/backend/service/orders.py:1: imports `from shipping.backend.public import" in error
    assert "orders does not declare shipping" in error
    assert 'fix:  add "shipping" to uses in modules/orders/module.toml, then run `make sync`' in error


def test_pants_no_infer_dep_does_not_hide_an_undeclared_import(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        repo,
        "modules/orders/backend/service/orders.py",
        "from shipping.backend.public import ShippingClient  # pants: no-infer-dep\n",
    )

    assert main(["--root", str(repo)]) == 1
    assert 'add "shipping" to uses in modules/orders/module.toml' in capsys.readouterr().err


def test_a_declared_use_that_nothing_imports_fails(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(repo, "modules/shipping/backend/service/shipments.py", "import json\n")

    assert main(["--root", str(repo)]) == 1

    error = capsys.readouterr().err
    assert 'modules/shipping/module.toml:1: declares uses "orders"' in error
    assert 'fix:  remove "orders" from uses in modules/shipping/module.toml' in error


@pytest.mark.parametrize(
    "code",
    [
        'import importlib\nimportlib.import_module("orders.backend.service.orders")\n',
        'from importlib import import_module\nimport_module("orders.backend.repository")\n',
        '__import__("orders.backend.service")\n',
    ],
)
def test_a_dynamic_import_with_a_literal_name_is_an_import(
    repo: Path, code: str, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repo, "modules/shipping/backend/service/loader.py", code)

    assert main(["--root", str(repo)]) == 1
    assert "rule: only modules/orders/** may use the internals of orders" in capsys.readouterr().err


def test_a_facade_may_not_import_another_module(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(
        repo, "modules/shipping/backend/public/client.py", "from orders.backend.public import OrdersClient\n"
    )

    assert main(["--root", str(repo)]) == 1
    assert "a facade may not import another module" in capsys.readouterr().err


def test_a_facade_may_not_reexport_its_own_internals(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(
        repo,
        "modules/orders/backend/public/__init__.py",
        'from orders.backend.service.orders import place_order\n__all__ = ["place_order"]\n',
    )

    assert main(["--root", str(repo)]) == 1

    error = capsys.readouterr().err
    assert "modules/orders/backend/public/__init__.py:1" in error
    assert "hands the internals of orders to every consumer" in error


def test_a_missing_manifest_says_what_to_write(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "modules/orders/module.toml").unlink()

    assert main(["--root", str(repo)]) == 1
    assert (
        "modules/orders/module.toml is missing; every module declares itself there" in capsys.readouterr().err
    )
