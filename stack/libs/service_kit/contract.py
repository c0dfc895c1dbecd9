"""The committed snapshot of a service's public HTTP contract (its OpenAPI document).

Each module's snapshot test compares its app against `modules/<m>/openapi.json`;
`make contract-accept M=<m>` rewrites the snapshot after an intended change.
"""

import json
import sys
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from common.openapi_diff import compare


def render(app: FastAPI) -> str:
    return json.dumps(app.openapi(), indent=2, sort_keys=True) + "\n"


def check_against_snapshot(app: FastAPI, snapshot: Path, module: str) -> None:
    """Raise AssertionError listing breaking and additive changes if the app's contract drifted."""
    current: dict[str, Any] = json.loads(render(app))
    recorded: dict[str, Any] = json.loads(snapshot.read_text())
    breaking, additive = compare(recorded, current)
    if not breaking and not additive:
        return
    lines = [f"The public HTTP contract of {module} differs from {snapshot.name}:"]
    lines += [f"  BREAKING  {change}" for change in breaking]
    lines += [f"  additive  {change}" for change in additive]
    lines.append(f"If this change is intended, accept it with: make contract-accept M={module}")
    raise AssertionError("\n".join(lines))


def write_snapshot(app: FastAPI, destination: str) -> None:
    Path(destination).write_text(render(app))
    print(f"wrote {destination}", file=sys.stderr)
