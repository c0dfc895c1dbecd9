"""The boundary check catches a planted forbidden import and explains it: file, line, name, rule, fix."""

from pathlib import Path

import pytest
from boundaries import main


def write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A scratch copy of the layout: orders with a facade, shipping using it properly."""
    for module in ("orders", "shipping"):
        write(tmp_path, f"modules/{module}/BUILD", f'pantstack_module("{module}")\n')
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
    assert "every cross-module import goes through a facade" in capsys.readouterr().out


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
