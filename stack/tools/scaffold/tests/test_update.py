"""update-module merges template changes 3-way: a change reaches an untouched file, meets a local edit
elsewhere in a file, and becomes conflict markers (and exit 1) where both changed the same lines;
nothing else in the tree changes."""

import shutil
import subprocess
from pathlib import Path

import pytest

from scaffold import create
from scaffold.cli import main
from scaffold.create import new_module
from scaffold.formatting import format_file
from scaffold.provenance import record_formatted
from scaffold.tests.scratch_repo import snapshot, write_scratch_repo
from scaffold.update import update_module, update_modules

TEMPLATES = Path("stack/tools/scaffold/templates")
CONFIG = "http-api/backend/config.py.jinja"
README = "http-api/README.md.jinja"
PYPROJECT = (
    '[tool.black]\nline-length = 110\n\n[tool.ruff]\nline-length = 110\n\n[tool.ruff.lint]\nselect = ["I"]\n'
)


def git(root: Path, *args: str) -> str:
    command = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args]
    return subprocess.run(command, cwd=root, check=True, capture_output=True, text=True).stdout


def make_fmt(module: Path) -> None:
    """What `make fmt` does to a freshly generated module (the same black and ruff, in process)."""
    root = module.parents[1]
    for path in module.rglob("*.py"):
        relative = str(path.relative_to(root))
        path.write_text(format_file(root, relative, path.read_text()))


def edit_template(root: Path, template: str, old: str, new: str) -> None:
    path = root / TEMPLATES / template
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new, 1))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A scratch repo under git, its templates committed, with two generated modules committed."""
    root = write_scratch_repo(tmp_path / "repo")
    (root / "pyproject.toml").write_text((root / "pyproject.toml").read_text() + PYPROJECT)
    shutil.copytree(create.TEMPLATES, root / TEMPLATES)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "templates v1")
    for name in ("payments", "refunds"):
        new_module(root, name, "http-api", set(), owners=("@acme/money",))
        make_fmt(root / "modules" / name)
        record_formatted(root / "modules" / name)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "two modules")
    return root


def test_new_module_records_the_template_commit(repo: Path) -> None:
    recorded = (repo / "modules/payments/.scaffold.json").read_text()
    assert git(repo, "log", "-1", "--format=%H", "--", str(TEMPLATES)).strip() in recorded


def test_a_template_change_merges_into_untouched_and_edited_files(repo: Path) -> None:
    readme = repo / "modules/payments/README.md"
    readme.write_text(readme.read_text() + "\n## Runbook\n\nPage @acme/money.\n")  # a local edit, at the end
    (repo / "modules/payments/backend/tests/unit/test_public_facade.py").unlink()  # deleted locally
    git(repo, "commit", "-q", "-am", "local edits")
    edit_template(
        repo,
        CONFIG,
        '    service_name: str = "{{ name }}"',
        '    service_name: str = "{{ name }}"\n    page_size: int = 50',
    )
    edit_template(
        repo,
        README,
        "Replace the items\nresource with the module's own.",
        "Replace the items\nresource with the module's own (template v2).",
    )
    (repo / TEMPLATES / "http-api/backend/tests/unit/test_public_facade.py.jinja").write_text(
        (repo / TEMPLATES / "http-api/backend/tests/unit/test_public_facade.py.jinja").read_text()
        + "\n# v2\n"
    )
    (repo / TEMPLATES / "http-api/CHANGELOG.md.jinja").write_text("# {{ name }} changelog\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "templates v2")
    before = snapshot(repo)

    update = update_module(repo, "payments")

    assert update.conflicts == [] and update.changed
    config = (repo / "modules/payments/backend/config.py").read_text()
    assert config.endswith('    service_name: str = "payments"\n    page_size: int = 50\n')
    text = readme.read_text()
    assert "module's own (template v2)." in text and text.endswith("Page @acme/money.\n")
    assert not (repo / "modules/payments/backend/tests/unit/test_public_facade.py").exists()
    assert (repo / "modules/payments/CHANGELOG.md").read_text() == "# payments changelog\n"
    assert "backend/tests/unit/test_public_facade.py: deleted locally; stays deleted" in update.lines
    changed = {path for path, digest in snapshot(repo).items() if before.get(path) != digest}
    assert changed == {
        "modules/payments/.scaffold.json",
        "modules/payments/README.md",
        "modules/payments/backend/config.py",
        "modules/payments/CHANGELOG.md",
    }
    assert update_module(repo, "payments").summary == "payments: already current"


def test_the_same_lines_changed_on_both_sides_become_conflict_markers_and_exit_1(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    readme = repo / "modules/refunds/README.md"
    readme.write_text(readme.read_text().replace("resource with the module's own.", "resource with refunds."))
    git(repo, "commit", "-q", "-am", "local edit")
    edit_template(repo, README, "resource with the module's own.", "resource with the module's own (v2).")
    git(repo, "commit", "-q", "-am", "templates v2")

    assert main(["--root", str(repo), "update", "--", "refunds"]) == 1

    text = readme.read_text()
    assert "<<<<<<< modules/refunds/README.md (yours)\nresource with refunds.\n" in text
    assert "=======\nresource with the module's own (v2).\n>>>>>>> template (new)\n" in text
    out = capsys.readouterr().out
    assert "update-module: README.md: CONFLICT (1 hunk(s)): resolve the markers" in out
    assert "update-module: refunds: conflicts in README.md" in out


def test_update_modules_summarises_each_module(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit_template(
        repo,
        CONFIG,
        '    service_name: str = "{{ name }}"',
        '    service_name: str = "{{ name }}"\n    page_size: int = 50',
    )
    git(repo, "commit", "-q", "-am", "templates v2")
    config = repo / "modules/refunds/backend/config.py"
    config.write_text(
        config.read_text().replace('service_name: str = "refunds"', 'service_name: str = "refund"')
    )

    assert main(["--root", str(repo), "update-all"]) == 1

    assert capsys.readouterr().out.splitlines()[-3:] == [
        "update-modules: orders: not updatable (no .scaffold.json: `make adopt-module M=orders`)",
        "update-modules: payments: updated",
        "update-modules: refunds: conflicts in backend/config.py",
    ]
    assert [u.summary for u in update_modules(repo)] == [
        "orders: not updatable (no .scaffold.json: `make adopt-module M=orders`)",
        "payments: already current",
        "refunds: already current",
    ]


def test_uncommitted_template_changes_are_refused_and_nothing_is_written(repo: Path) -> None:
    edit_template(repo, CONFIG, "populate_by_name=True", "populate_by_name=False")
    before = snapshot(repo)

    assert main(["--root", str(repo), "update", "--", "payments"]) == 2

    assert snapshot(repo) == before


def test_adopted_hand_written_module_is_current_and_its_differences_are_local_edits(repo: Path) -> None:
    assert main(["--root", str(repo), "adopt", "--", "payments"]) == 2  # already has one
    (repo / "modules/payments/.scaffold.json").unlink()
    (repo / "modules/payments/backend/config.py").write_text('"""Hand-written."""\n')
    git(repo, "commit", "-q", "-am", "hand-written payments")

    assert main(["--root", str(repo), "adopt", "--", "payments"]) == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "adopted")
    assert update_module(repo, "payments").summary == "payments: already current"
    edit_template(
        repo,
        CONFIG,
        '    service_name: str = "{{ name }}"',
        '    service_name: str = "{{ name }}"\n    page_size: int = 50',
    )
    git(repo, "commit", "-q", "-am", "templates v2")

    update = update_module(repo, "payments")

    assert update.conflicts == ["backend/config.py"]
    assert (repo / "modules/payments/backend/config.py").read_text().startswith("<<<<<<< ")


def test_a_module_with_events_takes_a_change_of_its_event_template(repo: Path) -> None:
    new_module(repo, "ledger", "http-api", {"database", "events"}, owners=("@acme/money",))
    make_fmt(repo / "modules/ledger")
    record_formatted(repo / "modules/ledger")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "ledger")
    edit_template(
        repo,
        "http-api/backend/public/events.py.jinja",
        "    name: str\n",
        "    name: str\n    size: int = 0\n",
    )
    git(repo, "commit", "-q", "-am", "templates v2")

    update = update_module(repo, "ledger")

    assert update.lines == ["backend/public/events.py: updated"] and not update.conflicts
    assert "    size: int = 0\n" in (repo / "modules/ledger/backend/public/events.py").read_text()
    # payments has no events: the change is nothing of its own.
    assert update_module(repo, "payments").summary == "payments: already current"
