"""stack.py (`make stack-*`): refuses unknown names and a missing Pulumi CLI before doing anything;
with a CLI, exports the infra virtualenv and runs Pulumi on each stack in order."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import manifest
import stack

FAKE_PANTS = """#!/bin/sh
echo "pants $*" >> "$STACK_TEST_LOG"
mkdir -p dist/export/python/virtualenvs/infra/3.11.7/bin
touch dist/export/python/virtualenvs/infra/3.11.7/bin/python
"""
# Fails `up` of the stack named in STACK_TEST_FAIL, to show that later stacks do not run.
FAKE_PULUMI = """#!/bin/sh
echo "pulumi $* | python=$PULUMI_PYTHON_CMD | pythonpath=$PYTHONPATH" >> "$STACK_TEST_LOG"
case "$*" in "up --stack $STACK_TEST_FAIL "*) exit 3 ;; esac
"""


def write(path: Path, text: str, *, executable: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if executable:
        path.chmod(0o755)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repo with stack.py, a platform, the deployable module `orders` and a module without infra."""
    root = tmp_path / "repo"
    write(root / "stack/tools/stack.py", Path(stack.__file__).read_text())
    write(root / "stack/tools/manifest.py", Path(manifest.__file__).read_text())
    write(root / "pants", FAKE_PANTS, executable=True)
    write_project(root / "stack/platform/infrastructure")
    add_module(root, "orders", infrastructure=True)
    add_module(root, "billing", infrastructure=False)
    return root


def write_project(project_dir: Path) -> None:
    write(project_dir / "Pulumi.yaml", "runtime: python\n")
    for env in ("test", "prod"):
        write(project_dir / f"Pulumi.{env}.yaml", "config:\n  pantstack:org: acme\n")


def add_module(root: Path, name: str, *, infrastructure: bool, uses: tuple[str, ...] = ()) -> None:
    listed = ", ".join(f'"{used}"' for used in uses)
    write(root / f"modules/{name}/BUILD", "")
    write(
        root / f"modules/{name}/module.toml",
        f'description = "{name}"\nowners = ["@acme/{name}"]\ntype = "http-api"\ndatabase = true\n'
        f'version = "0.1.0"\nuses = [{listed}]\n',
    )
    if infrastructure:
        write_project(root / f"modules/{name}/infrastructure")


def run_stack(repo: Path, *args: str, pulumi: bool, fail: str = "") -> subprocess.CompletedProcess[str]:
    bin_dir = repo.parent / "bin"
    bin_dir.mkdir(exist_ok=True)
    if pulumi:
        write(bin_dir / "pulumi", FAKE_PULUMI, executable=True)
    env = {
        # Without the fake, PATH holds no pulumi at all; the fake pants needs mkdir and touch.
        "PATH": f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin" if pulumi else str(bin_dir),
        "STACK_TEST_LOG": str(repo.parent / "calls.log"),
        "STACK_TEST_FAIL": fail,
        # Python's own cache of manifest.py is not something stack.py did to the repo.
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    return subprocess.run(
        [sys.executable, str(repo / "stack/tools/stack.py"), *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def calls(repo: Path) -> list[str]:
    log = repo.parent / "calls.log"
    return log.read_text().splitlines() if log.exists() else []


def files_in(root: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in root.rglob("*") if path.is_file()}


def test_without_the_pulumi_cli_it_says_what_to_install_and_touches_nothing(repo: Path) -> None:
    before = files_in(repo)

    result = run_stack(repo, "up", "--module", "orders", "--env", "prod", pulumi=False)

    assert result.returncode != 0
    assert "Pulumi CLI is not installed" in result.stderr
    assert "https://www.pulumi.com/docs/install/" in result.stderr
    assert "curl -fsSL https://get.pulumi.com | sh" in result.stderr
    assert calls(repo) == []
    assert files_in(repo) == before


def test_an_unknown_module_is_refused_naming_the_deployable_ones(repo: Path) -> None:
    result = run_stack(repo, "preview", "--module", "shipping", "--env", "test", pulumi=True)

    assert result.returncode != 0
    assert "unknown module 'shipping'" in result.stderr
    assert "infrastructure/Pulumi.yaml: orders" in result.stderr
    assert calls(repo) == []


@pytest.mark.parametrize("env", ["staging", ""])
def test_an_unknown_or_missing_env_is_refused_naming_the_valid_ones(repo: Path, env: str) -> None:
    result = run_stack(repo, "up", "--env", env, pulumi=True)

    assert result.returncode != 0
    assert "use ENV= one of: prod, test" in result.stderr
    assert calls(repo) == []


def test_up_without_a_module_deploys_the_platform_first_then_every_module(repo: Path) -> None:
    result = run_stack(repo, "up", "--env", "prod", "--", "--yes", pulumi=True)

    assert result.returncode == 0, result.stderr
    python = repo / "dist/export/python/virtualenvs/infra/3.11.7/bin/python"
    platform_dir, orders_dir = repo / "stack/platform/infrastructure", repo / "modules/orders/infrastructure"
    pythonpath = f"{repo / 'stack'}{os.pathsep}{repo / 'stack/tools'}"
    assert calls(repo) == [
        "pants export --resolve=infra",
        f"pulumi stack select --create --stack acme/platform/prod --cwd {platform_dir} "
        f"| python={python} | pythonpath={pythonpath}",
        f"pulumi up --stack acme/platform/prod --cwd {platform_dir} --yes "
        f"| python={python} | pythonpath={pythonpath}",
        f"pulumi stack select --create --stack acme/orders/prod --cwd {orders_dir} "
        f"| python={python} | pythonpath={pythonpath}",
        f"pulumi up --stack acme/orders/prod --cwd {orders_dir} --yes "
        f"| python={python} | pythonpath={pythonpath}",
    ]


def test_preview_of_one_module_runs_only_that_module(repo: Path) -> None:
    result = run_stack(repo, "preview", "--module", "orders", "--env", "test", pulumi=True)

    assert result.returncode == 0, result.stderr
    pulumi_calls = [call.split(" | ")[0] for call in calls(repo) if call.startswith("pulumi ")]
    assert [call.split(" --cwd")[0] for call in pulumi_calls] == [
        "pulumi stack select --create --stack acme/orders/test",
        "pulumi preview --stack acme/orders/test",
    ]


def test_the_platform_alone_is_module_platform(repo: Path) -> None:
    result = run_stack(repo, "up", "--module", "platform", "--env", "test", "--", "--yes", pulumi=True)

    assert result.returncode == 0, result.stderr
    stacks = [call.split(" --cwd")[0] for call in calls(repo) if call.startswith("pulumi ")]
    assert stacks == [
        "pulumi stack select --create --stack acme/platform/test",
        "pulumi up --stack acme/platform/test",
    ]


def test_destroy_without_a_module_takes_the_modules_down_before_the_platform(repo: Path) -> None:
    result = run_stack(repo, "destroy", "--env", "test", pulumi=True)

    assert result.returncode == 0, result.stderr
    stacks = [call.split(" --cwd")[0] for call in calls(repo) if call.startswith("pulumi ")]
    assert stacks == ["pulumi destroy --stack acme/orders/test", "pulumi destroy --stack acme/platform/test"]


def test_a_failing_stack_stops_the_run_and_its_exit_status_is_kept(repo: Path) -> None:
    result = run_stack(repo, "up", "--env", "test", pulumi=True, fail="acme/platform/test")

    assert result.returncode == 3
    assert "acme/platform/test failed" in result.stderr
    assert not any("acme/orders/test" in call for call in calls(repo))


def test_the_script_runs_on_the_stdlib_alone() -> None:
    # It must work before Pants has installed anything: no third-party imports.
    source = Path(stack.__file__).read_text()
    imports = {
        line.split()[1].split(".")[0] for line in source.splitlines() if line.startswith(("import ", "from "))
    }
    # manifest.py, beside it, is held to the same rule by its own imports.
    assert imports <= set(sys.stdlib_module_names) | {"__future__", "manifest"}
    manifest_source = Path(manifest.__file__).read_text()
    manifest_imports = {
        line.split()[1].split(".")[0]
        for line in manifest_source.splitlines()
        if line.startswith(("import ", "from "))
    }
    assert manifest_imports <= set(sys.stdlib_module_names)


def test_up_deploys_producers_before_consumers_and_prints_the_order(repo: Path) -> None:
    add_module(repo, "shipping", infrastructure=True, uses=("orders",))
    add_module(repo, "orders", infrastructure=True, uses=("payments",))
    add_module(repo, "payments", infrastructure=True)

    result = run_stack(repo, "up", "--env", "prod", pulumi=True)

    assert result.returncode == 0, result.stderr
    assert "make stack-up: order: platform, payments, orders, shipping" in result.stdout
    ups = [call.split(" --cwd")[0] for call in calls(repo) if call.startswith("pulumi up")]
    assert ups == [f"pulumi up --stack acme/{p}/prod" for p in ("platform", "payments", "orders", "shipping")]


def test_without_the_cli_it_still_prints_the_order_before_saying_what_to_install(repo: Path) -> None:
    result = run_stack(repo, "up", "--env", "prod", pulumi=False)

    assert "make stack-up: order: platform, orders" in result.stdout
    assert "Pulumi CLI is not installed" in result.stderr and result.returncode != 0


def test_a_use_of_a_module_without_a_stack_is_refused_before_anything_runs(repo: Path) -> None:
    add_module(repo, "orders", infrastructure=True, uses=("billing",))

    result = run_stack(repo, "up", "--env", "prod", pulumi=True)

    assert result.returncode != 0
    assert "modules/orders/module.toml uses 'billing', which has no stack" in result.stderr
    assert "modules/billing/infrastructure/Pulumi.yaml" in result.stderr
    assert calls(repo) == []


def test_make_stack_up_env_prod_prints_the_order_then_without_the_cli_says_what_to_install(
    repo: Path,
) -> None:
    # The real Makefile (a dependency of this test, at the sandbox root), with no pulumi on PATH.
    make = shutil.which("make")
    assert make, "make is not installed: `apt-get install make`"
    shutil.copy(Path.cwd() / "Makefile", repo / "Makefile")
    add_module(repo, "shipping", infrastructure=True, uses=("orders",))
    bin_dir = repo.parent / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(sys.executable)

    result = subprocess.run(
        [make, "stack-up", "ENV=prod"],
        cwd=repo,
        env={"PATH": str(bin_dir), "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert "make stack-up: order: platform, orders, shipping" in result.stdout
    assert "Pulumi CLI is not installed" in result.stderr and result.returncode != 0
    assert calls(repo) == []
