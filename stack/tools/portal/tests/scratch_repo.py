"""Scratch repositories of modules for the portal tests: manifests, READMEs, contracts, commits."""

import json
import subprocess
from pathlib import Path
from typing import Any


def write_module(
    root: Path, name: str, uses: tuple[str, ...] = (), readme: str | None = None, **fields: str
) -> None:
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


def contract(*paths: str) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "scratch", "version": "1"},
        "paths": {
            path: {"get": {"summary": f"Read {path}", "responses": {"200": {"description": "ok"}}}}
            for path in paths
        },
    }


def write_contract(root: Path, name: str, document: dict[str, Any]) -> None:
    (root / "modules" / name / "openapi.json").write_text(json.dumps(document, indent=2))


def commit(root: Path, message: str) -> None:
    git = ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "add", "--all"], check=True)
    subprocess.run([*git, "commit", "--quiet", "-m", message], check=True)
