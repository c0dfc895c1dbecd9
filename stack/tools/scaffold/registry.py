"""Where a module's files outside modules/<name>/ live: its requirements and its lockfile.

Every file that lists modules is derived from the manifests by `make sync` (stack/tools/sync.py),
so the scaffolder edits none of them by hand.
"""

from pathlib import Path

import sync


def requirements_file(name: str) -> Path:
    return Path(f"3rdparty/python/{name}-requirements.txt")


def lockfile(name: str) -> Path:
    return Path(sync.lockfile(name))  # the path sync writes into [python].resolves
