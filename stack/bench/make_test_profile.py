"""Where `make test`'s time goes, from the workunits Pants records when asked to.

`make test` runs under `PANTS_WORKUNIT_LOGGER_ENABLED=true` (the workunit_logger backend in
pants.toml), so each Pants run writes every workunit it completed to a JSON file. This groups the
processes Pants ran (pytest per batch, mypy per resolve, venv and PEX builds, lint, tailor, ...) by
kind, with what they cost and what the caches saved, beside each goal's wall time.
"""

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import report

ENV = {"PANTS_WORKUNIT_LOGGER_ENABLED": "true"}
LOGDIR_VARIABLE = "PANTS_WORKUNIT_LOGGER_LOGDIR"

# Tests that start processes, browsers or containers, by where they live (the tags test-quick skips).
_SLOW_TESTS = re.compile(r"stack/(system|reliability)/|/tests/e2e/|/e2e/")
# The first pattern a process's description matches names its kind.
_KINDS = [
    (
        "pytest: system, reliability, e2e (PEXes, browsers, Docker)",
        re.compile(r"^Run Pytest for (.*)$"),
        True,
    ),
    ("pytest: unit, integration, contract", re.compile(r"^Run Pytest for "), False),
    ("mypy (one run per resolve)", re.compile(r"^Run MyPy "), False),
    ("venvs and PEXes from lockfiles", re.compile(r"^(Building|Extracting|Installing|Resolving) "), False),
    ("lint and format (black, ruff)", re.compile(r"^Run (Black|ruff)", re.IGNORECASE), False),
    ("dependency inference (parsing imports)", re.compile(r"^(Determine Python dependencies|Parse)"), False),
    ("interpreter and binary discovery", re.compile(r"^(Find interpreter|Searching for|Test binary)"), False),
]
OTHER = "other processes"


@dataclass
class Kind:
    ran: int = 0
    ran_seconds: float = 0.0
    cached: int = 0
    cached_seconds: float = 0.0  # what the cache hits took when they last ran


@dataclass
class Profile:
    goals: dict[str, float] = field(default_factory=dict)  # goal -> wall seconds
    kinds: dict[str, Kind] = field(default_factory=lambda: defaultdict(Kind))
    slowest: list[tuple[float, str]] = field(default_factory=list)


def _seconds(workunit: dict[str, Any]) -> float:
    return float(workunit.get("duration_secs", 0)) + float(workunit.get("duration_nanos", 0)) / 1e9


def short(description: str) -> str:
    """A process's description without the requirement list Pants appends to lockfile builds."""
    description = description.removeprefix("Scheduling: ")
    return re.sub(r"( resolve): .*$", r"\1", description, flags=re.DOTALL)


def kind_of(description: str) -> str:
    description = description.removeprefix("Scheduling: ")
    for name, pattern, slow_only in _KINDS:
        match = pattern.match(description)
        if match and (not slow_only or _SLOW_TESTS.search(match.group(1))):
            return name
    return OTHER


def summarise(runs: Iterable[list[dict[str, Any]]], slowest: int = 5) -> Profile:
    profile = Profile()
    processes = []
    for workunits in runs:
        for workunit in workunits:
            description = workunit.get("description") or ""
            goal = re.fullmatch(r"`([a-z-]+)` goal", description)
            if goal:
                profile.goals[goal.group(1)] = profile.goals.get(goal.group(1), 0.0) + _seconds(workunit)
            if workunit.get("name") != "process":
                continue
            metadata = workunit.get("metadata") or {}
            kind = profile.kinds[kind_of(description)]
            if metadata.get("source") == "Ran":
                kind.ran += 1
                kind.ran_seconds += _seconds(workunit)
                processes.append((_seconds(workunit), short(description)))
            else:
                kind.cached += 1
                kind.cached_seconds += float(metadata.get("total_elapsed_ms", 0)) / 1000
    profile.slowest = sorted(processes, reverse=True)[:slowest]
    return profile


def load_runs(logdir: Path) -> list[list[dict[str, Any]]]:
    return [json.loads(path.read_text()) for path in sorted(logdir.glob("*.json"))]


def markdown(profile: Profile) -> str:
    goals = ", ".join(f"`{goal}` {report.seconds(s)}" for goal, s in profile.goals.items()) or "none recorded"
    order = [name for name, _, _ in _KINDS] + [OTHER]
    rows = [
        [name, k.ran, report.seconds(k.ran_seconds), k.cached, report.seconds(k.cached_seconds)]
        for name in order
        if (k := profile.kinds.get(name)) and (k.ran or k.cached)
    ]
    table = report.table(
        ["processes", "ran", "time running (summed)", "from cache", "their time when they ran"], rows, 1
    )
    slow = "; ".join(f"{description} {report.seconds(s)}" for s, description in profile.slowest)
    return f"Goals' wall time: {goals}.\n\n{table}\n\nSlowest: {slow or 'none'}."
