"""Check or write modules/<m>/events.json, the committed snapshot of a module's events.

`make test` runs the check for every module that publishes (one test target per such module, in its
resolve: stack/tools/event_contract/BUILD); `make contract-accept M=<m>` runs `write`:

    pants run stack/tools/event_contract:write_<m> -- --root DIR
"""

import argparse
import json
import sys
import tomllib
from pathlib import Path

from event_contract.asyncapi import Document, document, published_events
from event_contract.compatibility import compare

SNAPSHOT = "events.json"


def snapshot_path(root: Path, module: str) -> Path:
    return root / "modules" / module / SNAPSHOT


def render(root: Path, module: str) -> str:
    """The module's events document as committed: its manifest's version, sorted keys, 2-space indent."""
    version = tomllib.loads((root / "modules" / module / "module.toml").read_text())["version"]
    return json.dumps(document(module, version, published_events(module)), indent=2, sort_keys=True) + "\n"


def check(root: Path, module: str) -> None:
    """Raise AssertionError listing breaking and additive changes if the events drifted from the snapshot."""
    accept = f"make contract-accept M={module}"
    path = snapshot_path(root, module)
    if not path.is_file():
        raise AssertionError(
            f"modules/{module}/{SNAPSHOT} is missing: {module} publishes events; write it with: {accept}"
        )
    current: Document = json.loads(render(root, module))
    recorded: Document = json.loads(path.read_text())
    breaking, additive = compare(recorded, current)
    if not breaking and not additive:
        return
    lines = [f"The events {module} publishes differ from modules/{module}/{SNAPSHOT}:"]
    lines += [f"  BREAKING  {change}" for change in breaking]
    lines += [f"  additive  {change}" for change in additive]
    if breaking:
        lines.append(
            "A breaking change to an event is a new version: raise its `version` (a new channel) and keep "
            "publishing the old one until its subscribers move."
        )
    lines.append(f"If this change is intended, accept it with: {accept}")
    raise AssertionError("\n".join(lines))


def write(root: Path, module: str) -> Path:
    path = snapshot_path(root, module)
    path.write_text(render(root, module))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write modules/<module>/events.json from the module's events."
    )
    parser.add_argument("--root", type=Path, required=True, help="the repository root")
    parser.add_argument("--module", required=True)
    args = parser.parse_args(argv)
    print(f"wrote {write(args.root, args.module)}", file=sys.stderr)
    return 0
