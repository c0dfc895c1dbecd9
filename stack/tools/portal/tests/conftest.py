"""The portal tests' scratch repository and the Graphviz `dot` they need."""

import os
import shutil
from pathlib import Path

import pytest

from portal.tests.scratch_repo import contract, write_contract, write_module


@pytest.fixture(autouse=True)
def dot() -> str:
    found = shutil.which("dot")
    if found:
        return found
    reason = "no Graphviz dot on PATH (apt-get install graphviz)"
    if os.environ.get("CI", "").lower() in ("true", "1"):
        pytest.fail(f"{reason}; CI must build the portal (.ci/run installs graphviz)")
    pytest.skip(reason)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """inventory ← orders ← shipping, as in the real repo; orders has a README and a contract."""
    root = tmp_path / "repo"
    write_module(root, "inventory")
    write_module(root, "orders", uses=("inventory",), database="true", readme="# orders\n\nPlaces orders.\n")
    write_module(root, "shipping", uses=("orders",))
    write_contract(root, "orders", contract("/api/v1/orders", "/health"))
    return root
