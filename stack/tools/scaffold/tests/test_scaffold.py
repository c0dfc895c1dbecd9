"""The scaffolder on a scratch repo: bad input changes nothing, remove undoes new byte for byte,
a used facade can't be removed, and check-module names what a module lacks."""

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import boundaries
from scaffold import provenance
from scaffold.check import check_module, requirement_lines
from scaffold.cli import main
from scaffold.create import TEMPLATES, _render_text, new_module
from scaffold.errors import ScaffoldError
from scaffold.pull_request import open_module_pr
from scaffold.removal import remove_module
from scaffold.tests.scratch_repo import snapshot


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("", "M= is empty"),
        ("Payments", "is not a module name"),
        ("9lives", "is not a module name"),
        ("pay-ments", "is not a module name"),
        ("payments\n", "is not a module name"),
        ("p" * 31, "longer than 30 characters"),
        ("class", "Python keyword"),
        ("json", "standard-library module"),
        ("common", "reserved by Pantstack"),
        ("public", "reserved by Pantstack"),
        ("test", "reserved by Pantstack"),
        ("fastapi", "third-party package"),
        ("orders", "modules/orders already exists"),
    ],
)
def test_bad_names_are_refused_naming_the_rule_and_nothing_is_written(
    repo: Path, name: str, rule: str
) -> None:
    before = snapshot(repo)

    with pytest.raises(ScaffoldError, match=rule):
        new_module(repo, name, "http-api", set())

    assert snapshot(repo) == before


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["new", "payments", "--type", "cron"], "unknown TYPE 'cron'; available: http-api, worker"),
        (
            ["new", "payments", "--features", "database,cache"],
            "unknown FEATURES ['cache']; available: database, events",
        ),
    ],
)
def test_unknown_type_or_feature_exits_2_and_writes_nothing(
    repo: Path, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(repo)

    assert main(["--root", str(repo), *argv]) == 2

    assert message in capsys.readouterr().err
    assert snapshot(repo) == before


@pytest.mark.parametrize("features", [set(), {"database"}])
def test_new_registers_the_module_and_remove_restores_the_tree_exactly(
    repo: Path, features: set[str]
) -> None:
    before = snapshot(repo)

    new_module(repo, "payments", "http-api", features)

    assert (repo / "modules/payments/backend/public/client.py").exists()
    assert (repo / "modules/payments/backend/repository/migrations/env.py").exists() == bool(features)
    assert (repo / "modules/payments/backend/repository/memory.py").exists() != bool(features)
    assert "payments: 3rdparty/python/payments.lock" in (repo / "3rdparty/python/resolves.yaml").read_text()
    registry = (repo / "pants-plugins/module_registry.py").read_text()
    assert f'("payments", (), {bool(features)}, "http-api", "0.1.0", (), ()),' in registry
    assert "/modules/payments/ @pantstack/platform" in (repo / ".github/CODEOWNERS").read_text()
    assert 'owners = ["@pantstack/platform"]' in (repo / "modules/payments/module.toml").read_text()
    compose_file = (repo / "docker-compose.yml").read_text()
    assert (
        "  payments:\n    image: pantstack/payments:payments-${PANTSTACK_IMAGE_VERSION:-latest}"
        in compose_file
    )
    assert ("PAYMENTS_DATABASE_URL" in compose_file) == bool(features)
    assert (
        "payments:listenerPriority: 101"
        in (repo / "modules/payments/infrastructure/Pulumi.test.yaml").read_text()
    )

    remove_module(repo, "payments")

    assert snapshot(repo) == before


def test_uses_wires_each_used_facade_into_the_app_and_the_manifest(repo: Path) -> None:
    new_module(repo, "payments", "http-api", set(), uses=("orders",))

    module = repo / "modules/payments"
    main = (module / "backend/api/main.py").read_text()
    assert "from orders.backend.public import OrdersClient" in main
    # The kit's Peers: the client on app.state.orders, its /health in /ready, and ORDERS_URL checked
    # as the app is created, so a deployed module without it stops at start.
    assert "peers = Peers(settings.service_name, orders=Peer(OrdersClient))" in main
    assert "lifespan=peers.around(in_memory_store)," in main
    assert "readiness_checks=peers.readiness_checks," in main
    assert 'uses = ["orders"]' in (module / "module.toml").read_text()
    assert boundaries.main(["--root", str(repo)]) == 0


def test_without_uses_there_are_no_peers(repo: Path) -> None:
    new_module(repo, "payments", "worker", set())

    assert (repo / "modules/payments/__init__.py").exists()
    assert "Peers" not in (repo / "modules/payments/backend/api/main.py").read_text()


def test_a_worker_adds_the_job_queue_consumer_and_schedule_on_a_database(repo: Path) -> None:
    new_module(repo, "payments", "worker", set())

    module = repo / "modules/payments"
    assert (module / "backend/worker/queue.py").exists() and (module / "backend/worker/runner.py").exists()
    assert (module / "backend/repository/migrations/versions/v0002_create_jobs.py").exists()
    assert "consume(queue, stop" in (module / "backend/api/main.py").read_text()


def test_a_failure_midway_rolls_everything_back(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(repo)

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("sync.write", interrupted)  # the last step: the module is in place by then
    with pytest.raises(KeyboardInterrupt):
        new_module(repo, "payments", "http-api", set())

    assert snapshot(repo) == before


def test_a_module_another_manifest_uses_is_not_removed(repo: Path) -> None:
    new_module(repo, "payments", "http-api", set())
    new_module(repo, "billing", "http-api", set(), owners=("@acme/billing",), uses=("payments",))

    with pytest.raises(ScaffoldError, match='modules/billing/module.toml declare.s. uses "payments"'):
        remove_module(repo, "payments")

    assert (repo / "modules/payments/BUILD").exists()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--uses", "nosuch", "--owners", "@acme/x"], "USES: no module 'nosuch'"),
        (["--uses", "../stack", "--owners", "@acme/x"], "USES: M='../stack' is not a module name"),
        (["--owners", "acme"], "OWNERS: 'acme' is not a handle like @user or @org/team"),
        ([], "OWNERS= is empty"),
        (["--owners", "@acme/x", "--description", "two\nlines"], "DESCRIPTION= must be one line"),
    ],
)
def test_new_module_refuses_bad_uses_owners_and_description(
    repo: Path, options: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(repo)

    assert main(["--root", str(repo), "new", *options, "--", "payments"]) == 2

    assert message in capsys.readouterr().err
    assert snapshot(repo) == before


def test_a_dynamic_import_of_the_facade_also_blocks_removal(repo: Path) -> None:
    new_module(repo, "payments", "http-api", set())
    consumer = repo / "stack/bench/probe.py"
    consumer.parent.mkdir(parents=True)
    consumer.write_text('import importlib\n\nimportlib.import_module("payments.backend.public")\n')

    with pytest.raises(ScaffoldError, match="stack/bench/probe.py:3"):
        remove_module(repo, "payments")


def test_a_module_whose_facade_is_used_is_not_removed(repo: Path) -> None:
    new_module(repo, "payments", "http-api", set())
    consumer = repo / "modules/orders/backend/service/billing.py"
    consumer.parent.mkdir(parents=True)
    consumer.write_text("from payments.backend.public import PaymentsClient\n")

    with pytest.raises(ScaffoldError, match="modules/orders/backend/service/billing.py:1"):
        remove_module(repo, "payments")

    assert (repo / "modules/payments/BUILD").exists()


def test_check_module_names_missing_files_a_leaky_facade_and_a_missing_lockfile(repo: Path) -> None:
    new_module(repo, "payments", "http-api", set())
    (repo / "modules/payments/README.md").unlink()
    init = repo / "modules/payments/backend/public/__init__.py"
    init.write_text(init.read_text().replace('__all__ = ["', '__all__ = ["ItemsRepository", "'))
    init.write_text("from payments.backend.repository.memory import ItemsRepository\n" + init.read_text())

    problems = check_module(repo, "payments")

    assert "modules/payments/README.md is missing" in problems
    assert any("exports ItemsRepository from payments.backend.repository.memory" in p for p in problems)
    assert "3rdparty/python/payments.lock is missing: run `make locks M=payments`" in problems


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def cloned(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The scratch repo under git, with a local bare repository as its `origin`."""
    remote = tmp_path_factory.mktemp("remote") / "remote.git"
    git(remote.parent, "init", "-q", "--bare", str(remote))
    for command in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "seed"]):
        git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", *command)
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "-u", "origin", "main")
    git(repo, "config", "user.name", "t")
    git(repo, "config", "user.email", "t@example.com")
    return repo, remote


def test_gh_new_module_pr_pushes_a_branch_and_names_the_gh_call(
    cloned: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, remote = cloned
    monkeypatch.setenv("GH_DRY_RUN", "1")
    scaffold = [sys.executable, "-c", "import pathlib; pathlib.Path('modules/payments').mkdir(); "
                "pathlib.Path('modules/payments/BUILD').write_text('x')"]  # fmt: skip

    gh = open_module_pr(repo, "payments", scaffold)

    assert gh[:5] == ["gh", "pr", "create", "--head", "module/payments"]
    assert "would run: gh pr create --head module/payments" in capsys.readouterr().out
    assert "module/payments" in git(remote, "branch", "--list")
    assert git(repo, "log", "-1", "--format=%s", "module/payments").strip() == "Add module payments"


def test_gh_new_module_pr_rolls_back_when_scaffolding_fails(
    cloned: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, remote = cloned
    monkeypatch.setenv("GH_DRY_RUN", "1")
    before = snapshot(repo)
    failing = [
        sys.executable,
        "-c",
        "import pathlib, sys; pathlib.Path('half-made').write_text('x'); sys.exit(3)",
    ]

    with pytest.raises(subprocess.CalledProcessError):
        open_module_pr(repo, "payments", failing)

    assert git(repo, "rev-parse", "--abbrev-ref", "HEAD").strip() == "main"
    assert not git(repo, "branch", "--list", "module/payments").strip()
    assert not git(remote, "branch", "--list", "module/payments").strip()
    assert snapshot(repo) == before


def test_gh_new_module_pr_without_gh_fails_before_changing_anything(
    cloned: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo, _ = cloned
    monkeypatch.delenv("GH_DRY_RUN", raising=False)
    monkeypatch.setenv("PATH", str(Path(shutil.which("git") or "git").parent))  # git, but no gh
    before = snapshot(repo)

    with pytest.raises(ScaffoldError, match="GitHub CLI `gh` is not installed"):
        open_module_pr(repo, "payments", ["true"])

    assert snapshot(repo) == before
    assert not git(repo, "branch", "--list", "module/payments").strip()


def pants_lockfile(resolve: str, requirements: list[str], body: str) -> str:
    """A lockfile laid out as Pants 2.17 writes one: the regenerate command, the metadata, the lock."""
    metadata = {
        "version": 3,
        "valid_for_interpreter_constraints": ["CPython==3.11.*"],
        "generated_with_requirements": sorted(requirements),
        "manylinux": "manylinux2014",
        "requirement_constraints": [],
        "only_binary": [],
        "no_binary": [],
    }
    header = json.dumps(metadata, indent=2).splitlines()
    return "\n".join(
        [
            "// This lockfile was autogenerated by Pants. To regenerate, run:",
            "//",
            f"//    pants generate-lockfiles --resolve={resolve}",
            "//",
            "// --- BEGIN PANTS LOCKFILE METADATA: DO NOT EDIT OR REMOVE ---",
            *(f"// {line}" for line in header),
            "// --- END PANTS LOCKFILE METADATA ---",
            "",
            body,
        ]
    )


def template_requirements() -> list[str]:
    return requirement_lines(_render_text(TEMPLATES / "requirements.txt.jinja", {"name": "any"}))


def lock_orders(repo: Path, requirements: list[str]) -> str:
    """orders' requirements file and lockfile, as `make locks` leaves them; returns the lock's body."""
    body = '{"locked_resolves": [{"locked_requirements": ["every pin of orders"]}]}\n'
    (repo / "3rdparty/python/orders-requirements.txt").write_text(
        "# orders\n" + "\n".join(requirements) + "\n"
    )
    (repo / "3rdparty/python/orders.lock").write_text(pants_lockfile("orders", requirements, body))
    return body


def test_a_new_module_with_the_requirements_of_a_locked_module_gets_its_lockfile_without_a_resolve(
    repo: Path,
) -> None:
    body = lock_orders(repo, template_requirements())
    before = snapshot(repo)
    shown: list[str] = []

    written = new_module(repo, "payments", "http-api", set(), show=shown.append)

    lockfile = repo / "3rdparty/python/payments.lock"
    assert lockfile in written
    # What `./pants generate-lockfiles --resolve=payments` writes for the same requirements.
    assert lockfile.read_text() == pants_lockfile("payments", template_requirements(), body)
    assert shown == [
        "3rdparty/python/payments.lock: a copy of 3rdparty/python/orders.lock, locked from the same "
        "requirements (no resolve; `make locks M=payments` resolves afresh)"
    ]
    assert not [problem for problem in check_module(repo, "payments") if ".lock" in problem]
    provenance.record_formatted(repo / "modules/payments")  # as new_module.sh's last step does
    remove_module(repo, "payments")
    assert snapshot(repo) == before


@pytest.mark.parametrize(
    "locked",
    [
        pytest.param(lambda wanted: wanted[:-1], id="orders locks fewer requirements"),
        pytest.param(lambda wanted: [*wanted, "rich==13.9.4"], id="orders locks a superset"),
        pytest.param(
            lambda wanted: [r.replace("fastapi==0.163.2", "fastapi==0.163.1") for r in wanted],
            id="orders pins another version",
        ),
    ],
)
def test_a_lockfile_of_other_requirements_is_not_copied(
    repo: Path, locked: Callable[[list[str]], list[str]]
) -> None:
    assert "fastapi==0.163.2" in template_requirements()
    lock_orders(repo, locked(template_requirements()))

    written = new_module(repo, "payments", "http-api", set())

    # new_module.sh then resolves the new module's requirements from PyPI.
    assert not (repo / "3rdparty/python/payments.lock").exists()
    assert repo / "3rdparty/python/payments.lock" not in written


def test_no_lockfile_is_copied_when_pants_toml_sets_options_per_resolve(repo: Path) -> None:
    lock_orders(repo, template_requirements())
    (repo / "pants.toml").write_text(
        '[python]\nresolves_to_interpreter_constraints = { orders = ["==3.12.*"] }\n'
    )

    new_module(repo, "payments", "http-api", set())

    assert not (repo / "3rdparty/python/payments.lock").exists()


def test_a_copied_lockfile_is_removed_with_the_rest_when_new_module_fails(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lock_orders(repo, template_requirements())
    before = snapshot(repo)

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("sync.write", interrupted)  # after the lockfile is copied
    with pytest.raises(KeyboardInterrupt):
        new_module(repo, "payments", "http-api", set())

    assert snapshot(repo) == before
