"""Hostile make variables, run through the real Makefile on a scratch clone: every command refuses
with one line naming the rule, no injected command runs, and the tree (.git included) is unchanged."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scaffold.cli import main
from scaffold.create import new_module
from scaffold.tests.scratch_repo import tree_state, write_scratch_repo

# The build root of the test sandbox holds the Makefile and the scaffolder's own files.
SOURCES = Path.cwd()
# A stand-in for ./pants that leaves a mark: a refused command must never get as far as Pants.
PANTS_SENTINEL = '#!/bin/sh\ntouch "$(dirname "$0")/PANTS-WAS-RUN"\nexit 1\n'


def hostile_names(marker: Path) -> list[str]:
    touch = f"touch {marker}"
    return [
        "..",
        "../stack/docker",
        "/etc",
        "modules/../stack",
        'x"y',
        f'x";{touch};"',
        f"x';{touch};'",
        f"x;{touch}",
        f"$({touch})",
        f"$(shell {touch})",
        f"`{touch}`",
        "orders\nshipping",
        "orders\n",
        " orders",
        "orders ",
        "a" * 200,
        "ordérs",
        "-rf",
        "--help",
    ]


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scratch repository under git with the real Makefile and scaffolder, committed."""
    root = write_scratch_repo(tmp_path_factory.mktemp("origin"))
    shutil.copy(SOURCES / "Makefile", root / "Makefile")
    shutil.copytree(
        SOURCES / "stack/tools", root / "stack/tools", ignore=shutil.ignore_patterns("__pycache__")
    )
    (root / "pants").write_text(PANTS_SENTINEL)
    (root / "pants").chmod(0o755)
    for command in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "scratch"]):
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *command], cwd=root, check=True
        )
    return root


@pytest.fixture
def clone(origin: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "clone"
    shutil.copytree(origin, copy, symlinks=True)
    return copy


def make(root: Path, target: str, **variables: str) -> subprocess.CompletedProcess[str]:
    env = {
        # The scaffolder runs on the interpreter running these tests; make and git from the system.
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(root.parent),
        # Byte-identical means no __pycache__ either (git ignores it in a real checkout).
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    arguments = [f"{name}={value}" for name, value in variables.items()]
    return subprocess.run(
        ["make", "--no-print-directory", target, *arguments],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize("target", ["new-module", "remove-module", "update-module", "check-module"])
@pytest.mark.parametrize("case", range(len(hostile_names(Path("/marker")))))
def test_a_hostile_name_is_refused_with_the_rule_and_changes_nothing(
    clone: Path, tmp_path: Path, target: str, case: int
) -> None:
    marker = tmp_path / "injected"
    name = hostile_names(marker)[case]
    before = tree_state(clone)

    result = make(clone, target, M=name)

    assert result.returncode != 0
    refusal = [line for line in result.stderr.splitlines() if line.startswith(f"make {target}: ")]
    assert len(refusal) == 1 and "e.g. M=payments" in refusal[0], result.stderr
    assert "Traceback" not in result.stderr
    assert not marker.exists()
    assert tree_state(clone) == before


@pytest.mark.parametrize(
    ("target", "variables"),
    [
        ("locks", {"M": "../stack"}),
        ("images", {"M": "$(shell touch {marker})"}),
        ("logs", {"M": 'x";touch {marker};"'}),
        ("contract-accept", {"M": "`touch {marker}`"}),
        ("contract-accept", {"M": ""}),
        ("gh-new-module-pr", {"M": "x;touch {marker}"}),
        ("new-module", {"M": "payments", "TYPE": '";touch {marker};"'}),
        ("new-module", {"M": "payments", "FEATURES": "$(touch {marker})"}),
        ("new-module", {"M": "payments", "FEATURES": "database", "SUBSCRIBES": "$(shell touch {marker})"}),
        ("new-module", {"M": "payments", "FEATURES": "database", "SUBSCRIBES": 'o.X";touch {marker};"'}),
        ("remove-module", {"M": "orders", "FORCE": "1;touch {marker}"}),
        ("down", {"ARGS": "; touch {marker}"}),
        ("stack-preview", {"ENV": '";touch {marker};"', "ARGS": "$(touch {marker})"}),
        ("bench", {"BENCH_ARGS": "`touch {marker}`"}),
    ],
)
def test_every_target_taking_a_variable_keeps_it_inert(
    clone: Path, tmp_path: Path, target: str, variables: dict[str, str]
) -> None:
    marker = tmp_path / "injected"
    before = tree_state(clone)

    result = make(clone, target, **{name: value.format(marker=marker) for name, value in variables.items()})

    # `down` hands ARGS to docker-compose as plain words, which may answer them with its usage and 0.
    assert result.returncode != 0 or target == "down"
    assert "Traceback" not in result.stderr
    assert not marker.exists()
    assert tree_state(clone) == before


def test_removing_a_generated_module_restores_the_tree_exactly(clone: Path) -> None:
    before = tree_state(clone)
    new_module(clone, "payments", "http-api", set())

    result = make(clone, "remove-module", M="payments")

    assert result.returncode == 0, result.stderr
    assert "remove-module: deleting modules/payments/backend/public/client.py" in result.stdout
    assert tree_state(clone) == before


def test_remove_refuses_untracked_and_edited_files_unless_forced(clone: Path) -> None:
    (clone / "modules/orders/notes.txt").write_text("mine\n")
    (clone / "modules/orders/BUILD").write_text('pantstack_module("orders")\n# edited\n')
    before = tree_state(clone)

    refused = make(clone, "remove-module", M="orders")

    assert refused.returncode != 0
    assert (
        "2 file(s) of orders are untracked or edited and would be lost: modules/orders/BUILD, "
        in refused.stderr
    )
    assert "FORCE=1" in refused.stderr
    assert tree_state(clone) == before

    forced = make(clone, "remove-module", M="orders", FORCE="1")

    assert forced.returncode == 0, forced.stderr
    assert not (clone / "modules/orders").exists()
    assert "orders" not in (clone / "pants-plugins/module_registry.py").read_text()


@pytest.mark.parametrize(
    ("module", "link", "target", "message"),
    [
        ("docker", "modules/docker", "../stack/docker", "resolves outside modules/"),
        ("orders", "modules/orders/backend/elsewhere", "../../../stack/docker/BUILD", "outside"),
        ("orders", "3rdparty/python/orders.lock", "../../stack/docker/BUILD", "is a symlink"),
    ],
)
def test_remove_refuses_a_symlink_leaving_the_module(
    clone: Path, module: str, link: str, target: str, message: str
) -> None:
    (clone / link).symlink_to(target)
    before = tree_state(clone)

    result = make(clone, "remove-module", M=module)

    assert result.returncode != 0
    assert message in result.stderr
    assert tree_state(clone) == before


def test_update_refuses_to_write_through_a_symlinked_directory(clone: Path) -> None:
    new_module(clone, "payments", "http-api", set())
    shutil.rmtree(clone / "modules/payments/backend/api")
    os.symlink("../../../stack/docker", clone / "modules/payments/backend/api")
    before = tree_state(clone)

    assert main(["--root", str(clone), "update", "--", "payments"]) == 2

    assert tree_state(clone) == before


# A stand-in for ./pants that logs each command, runs the scaffolder's `new` as `./pants run` would
# (on the interpreter and sys.path of these tests, which hold jinja2) and succeeds at the rest.
PANTS_LOGGING = """#!/bin/sh
echo "$*" >>"$(dirname "$0")/pants.log"
if [ "$1 $2 $3" = "run stack/tools/scaffold:cli --" ]; then
  shift 3
  PYTHONPATH="$SCAFFOLD_SYS_PATH" exec "$SCAFFOLD_PYTHON" -m scaffold.cli "$@"
fi
"""


@pytest.mark.parametrize("orders_locked_alike", [True, False])
def test_new_module_resolves_a_lockfile_only_when_no_module_was_locked_from_its_requirements(
    clone: Path, orders_locked_alike: bool
) -> None:
    from scaffold.check import requirement_lines
    from scaffold.create import TEMPLATES, _render_text

    wanted = requirement_lines(_render_text(TEMPLATES / "requirements.txt.jinja", {"name": "any"}))
    locked = wanted if orders_locked_alike else [*wanted, "rich==13.9.4"]
    metadata = "\n".join(
        f"// {line}" for line in json.dumps({"generated_with_requirements": locked}).split("\n")
    )
    (clone / "3rdparty/python/orders.lock").write_text(
        "//    pants generate-lockfiles --resolve=orders\n"
        f"// --- BEGIN PANTS LOCKFILE METADATA: DO NOT EDIT OR REMOVE ---\n{metadata}\n"
        "// --- END PANTS LOCKFILE METADATA ---\n{}\n"
    )
    (clone / "pants").write_text(PANTS_LOGGING)
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(clone.parent),
        "PYTHONDONTWRITEBYTECODE": "1",
        "SCAFFOLD_PYTHON": sys.executable,
        "SCAFFOLD_SYS_PATH": os.pathsep.join(sys.path),
    }

    result = subprocess.run(
        ["make", "--no-print-directory", "new-module", "M=payments", "OWNERS=@acme/payments"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stderr
    pants_commands = (clone / "pants.log").read_text().splitlines()
    assert ("generate-lockfiles --resolve=payments" in pants_commands) != orders_locked_alike
    assert len(pants_commands) == (3 if orders_locked_alike else 4), pants_commands
    copied = (clone / "3rdparty/python/payments.lock").exists()
    assert copied == orders_locked_alike
    assert ("a copy of 3rdparty/python/orders.lock" in result.stdout) == orders_locked_alike
