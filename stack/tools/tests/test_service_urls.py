"""dependency_urls (manifest.py): one function gives docker-compose.yml, `make dev` and the Pulumi
stacks each module's <DEP>_URL, for exactly the modules its manifest `uses`; deploy_order follows it."""

import subprocess
import sys
from pathlib import Path

import pytest

import manifest
from compose import render
from manifest import dependency_urls, deploy_order, load_all


def add_module(root: Path, name: str, *uses: str) -> None:
    listed = ", ".join(f'"{used}"' for used in uses)
    (root / "modules" / name).mkdir(parents=True)
    (root / "modules" / name / "BUILD").write_text("")
    (root / "modules" / name / "module.toml").write_text(
        f'description = "{name}"\nowners = ["@acme/{name}"]\ntype = "http-api"\ndatabase = false\n'
        f'version = "0.1.0"\nuses = [{listed}]\n'
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """catalog <- billing <- shipping, and notes on its own; manifest.py at its place in the repo."""
    add_module(tmp_path, "billing", "catalog")
    add_module(tmp_path, "catalog")
    add_module(tmp_path, "notes")
    add_module(tmp_path, "shipping", "billing", "catalog")
    (tmp_path / "stack/tools").mkdir(parents=True)
    (tmp_path / "stack/tools/manifest.py").write_text(Path(manifest.__file__).read_text())
    return tmp_path


def dev_urls(repo: Path, module: str, base_port: int = 9001) -> dict[str, str]:
    """What dev.sh hands `module`'s process: `manifest.py dev-urls` (dev.sh runs exactly this)."""
    script = repo / "stack/tools/manifest.py"
    result = subprocess.run(
        [sys.executable, str(script), "dev-urls", module, str(base_port)],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(line.split("=", 1) for line in result.stdout.splitlines())


def compose_urls(repo: Path, module: str) -> dict[str, str]:
    block = render(repo).split(f"\n  {module}:\n", 1)[1].split("\n    ports:", 1)[0]
    return dict(
        line.strip().split(": ", 1)
        for line in block.splitlines()
        if line.strip().split(":")[0].endswith("_URL")
    )


def test_a_module_gets_a_url_for_each_module_it_uses_and_no_other(repo: Path) -> None:
    urls = dependency_urls(load_all(repo), lambda used: f"http://{used}.internal:8000")

    assert urls == {
        "billing": {"CATALOG_URL": "http://catalog.internal:8000"},
        "catalog": {},
        "notes": {},
        "shipping": {
            "BILLING_URL": "http://billing.internal:8000",
            "CATALOG_URL": "http://catalog.internal:8000",
        },
    }


def test_compose_and_make_dev_give_each_module_the_same_variables_from_the_function(repo: Path) -> None:
    manifests = load_all(repo)
    ports = {m.name: 9001 + index for index, m in enumerate(manifests)}

    for module in ("billing", "catalog", "notes", "shipping"):
        assert compose_urls(repo, module) == dependency_urls(manifests, lambda u: f"http://{u}:8000")[module]
        assert (
            dev_urls(repo, module)
            == dependency_urls(manifests, lambda u: f"http://127.0.0.1:{ports[u]}")[module]
        )
    # make dev numbers ports in the same sorted order as compose publishes them.
    assert dev_urls(repo, "shipping")["BILLING_URL"] == "http://127.0.0.1:9001"
    assert '"127.0.0.1:${BILLING_PUBLISHED_PORT:-8001}:8000"' in render(repo)


def test_producers_come_before_their_consumers_and_ties_go_by_name(repo: Path) -> None:
    assert deploy_order(load_all(repo)) == ["catalog", "notes", "billing", "shipping"]


def test_dev_urls_reports_a_bad_manifest_and_fails(repo: Path) -> None:
    (repo / "modules/notes/module.toml").write_text("uses = [\n")

    result = subprocess.run(
        [sys.executable, str(repo / "stack/tools/manifest.py"), "dev-urls", "notes", "9001"],
        capture_output=True,
        text=True,
    )

    assert result.returncode == 1
    assert "modules/notes/module.toml is not valid TOML" in result.stderr
