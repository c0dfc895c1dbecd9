#!/usr/bin/env python3
"""`make test`'s checks before Pants, in one Python process: boundaries, sync --check, check-module, docs.

Each is the very check its own command runs, with the same messages and exit status:

    python3 stack/tools/boundaries.py
    python3 stack/tools/sync.py --check
    PYTHONPATH=stack/tools python3 -m scaffold.cli --root . check
    python3 stack/tools/docs_check.py --no-pants

Run together they start one interpreter instead of four (through a pyenv shim each start costs
0.3-0.6 s on the 2-core CI machine, docs/benchmarks.md), and every check runs even when an earlier
one fails, so one `make test` names every problem. The docs check's Pants specs are checked after
this, against the `./pants list ::` that `make test`'s own Pants run writes (`--pants-list`), so
make test starts Pants once. Exit 0 if all passed, else the first failing check's status.

    python3 stack/tools/prechecks.py [--root DIR]

Stdlib only, so that it runs before Pants has installed anything.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import boundaries
import docs_check
import sync
from scaffold import cli as scaffold_cli

ROOT = Path(__file__).resolve().parents[2]


def checks(root: Path) -> list[tuple[str, Callable[[], int]]]:
    """Each check by name, in the order `make test` has always run them."""
    where = str(root)
    return [
        ("boundaries", lambda: boundaries.main(["--root", where])),
        ("sync --check", lambda: sync.main(["--root", where, "--check"])),
        ("check-module", lambda: scaffold_cli.main(["--root", where, "check"])),
        ("docs check", lambda: docs_check.main(["--root", where, "--no-pants"])),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--root", type=Path, default=ROOT)
    args = parser.parse_args(argv)
    root = args.root.resolve()
    failed: list[tuple[str, int]] = []
    for name, run in checks(root):
        status = run()
        sys.stdout.flush()
        if status:
            failed.append((name, status))
    if failed:
        names = ", ".join(name for name, _ in failed)
        print(
            f"prechecks: failed: {names} (each says what is wrong and how to fix it above)", file=sys.stderr
        )
        return failed[0][1]
    return 0


if __name__ == "__main__":
    sys.exit(main())
