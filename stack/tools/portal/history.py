"""A module's contract history from git: each commit that changed its openapi.json, classified."""

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common.openapi_diff import compare
from portal.errors import PortalError


@dataclass(frozen=True)
class ContractChange:
    commit: str
    date: str
    subject: str
    breaking: tuple[str, ...]
    additive: tuple[str, ...]
    # The commit that first wrote the snapshot: nothing to compare it with.
    created: bool = False


def is_git_checkout(root: Path) -> bool:
    result = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--is-inside-work-tree"], capture_output=True, text=True
    )
    return result.returncode == 0 and result.stdout.strip() == "true"


def contract_history(root: Path, snapshot: Path) -> list[ContractChange]:
    """Newest first: every commit that changed `snapshot` (a path relative to root), against the
    version before it, classified by common.openapi_diff as `make test`'s contract check does."""
    log = _git(root, "log", "--reverse", "--format=%H%x09%cs%x09%s", "--", str(snapshot))
    changes: list[ContractChange] = []
    previous: dict[str, Any] | None = None
    for line in log.splitlines():
        commit, date, subject = line.split("\t", 2)
        text = _git(root, "show", f"{commit}:{snapshot}", check=False)
        # A commit that deleted the snapshot: the next one that writes it starts afresh.
        current = json.loads(text) if text else None
        if current is None:
            changes.append(ContractChange(commit, date, subject, ("snapshot removed",), ()))
        elif previous is None:
            changes.append(ContractChange(commit, date, subject, (), (), created=True))
        else:
            breaking, additive = compare(previous, current)
            changes.append(ContractChange(commit, date, subject, tuple(breaking), tuple(additive)))
        previous = current
    return changes[::-1]


def _git(root: Path, *args: str, check: bool = True) -> str:
    result = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True)
    if result.returncode != 0:
        if check:
            raise PortalError(f"git {' '.join(args)} failed in {root}: {result.stderr.strip()}")
        return ""
    return result.stdout
