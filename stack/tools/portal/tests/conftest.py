"""A scratch repository of modules for the portal tests, and the `dot` they need."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest


def write_module(root: Path, name: str, uses: tuple[str, ...] = (), readme: str | None = None, **fields: str) -> None:
    values = {
        "description": f'"{name.title()} does one thing well."',
        "owners": f'["@acme/{name}"]',
        "type": '"http-api"',
        "database": "false",
        "version": '"1.2.0"',
        "uses": json.dumps(list(uses)),
        **fields,
    }
    directory = root / "modules" / name
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "BUILD").write_text(f'pantstack_module("{name}")\n')
    (directory / "module.toml").write_text("".join(f"{k} = {v}\n" for k, v in values.items()))
    if readme is not None:
        (directory / "README.md").write_text(readme)


def contract(*paths: str) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "scratch", "version": "1"},
        "paths": {path: {"get": {"summary": f"Read {path}", "responses": {"200": {"description": "ok"}}}} for path in paths},
    }


def write_contract(root: Path, name: str, document: dict) -> None:
    (root / "modules" / name / "openapi.json").write_text(json.dumps(document, indent=2))


def commit(root: Path, message: str) -> None:
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "add", "--all"], check=True)
    subprocess.run([*git, "commit", "--quiet", "-m", message], check=True)


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
