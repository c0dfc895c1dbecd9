"""A module's contract history: each commit that changed its openapi.json, classified as make test does."""

import subprocess
from pathlib import Path

from portal.history import contract_history, is_git_checkout
from portal.site import build
from portal.tests.scratch_repo import commit, contract, write_contract

SNAPSHOT = Path("modules/orders/openapi.json")


def test_each_commit_to_the_snapshot_is_classified_against_the_one_before_newest_first(repo: Path) -> None:
    subprocess.run(["git", "init", "--quiet", str(repo)], check=True)
    commit(repo, "orders: first contract")
    write_contract(repo, "orders", contract("/api/v1/orders", "/health", "/ready"))
    commit(repo, "orders: add /ready")
    (repo / "modules/orders/README.md").write_text("# orders\n\nUnrelated.\n")
    commit(repo, "orders: docs only")
    write_contract(repo, "orders", contract("/api/v1/orders", "/ready"))
    commit(repo, "orders: drop /health")

    history = contract_history(repo, SNAPSHOT)

    assert [change.subject for change in history] == [
        "orders: drop /health",
        "orders: add /ready",
        "orders: first contract",
    ]
    assert history[0].breaking == ("GET /health: operation removed",) and history[0].additive == ()
    assert history[1].breaking == () and history[1].additive == ("GET /ready: operation added",)
    assert history[2].created and history[2].breaking == history[2].additive == ()


def test_the_module_page_lists_the_history_and_marks_breaking_changes(repo: Path, tmp_path: Path) -> None:
    subprocess.run(["git", "init", "--quiet", str(repo)], check=True)
    commit(repo, "orders: first contract")
    write_contract(repo, "orders", contract("/api/v1/orders"))
    commit(repo, "orders: drop /health")
    build(repo, tmp_path / "portal")
    html = (tmp_path / "portal/modules/orders.html").read_text()

    assert '<ol class="history" id="history">' in html
    assert (
        "orders: drop /health" in html and '<li class="breaking">GET /health: operation removed</li>' in html
    )
    assert "snapshot created" in html


def test_outside_a_git_checkout_the_page_says_there_is_no_history(repo: Path, tmp_path: Path) -> None:
    assert not is_git_checkout(repo)
    build(repo, tmp_path / "portal")

    assert "Not built from a git checkout" in (tmp_path / "portal/modules/orders.html").read_text()
