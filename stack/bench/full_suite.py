"""Cold and warm `make test` wall time in a scratch clone with its own, empty Pants caches.

Cold: an empty local store and named caches (PANTS_LOCAL_STORE_DIR, PANTS_NAMED_CACHES_DIR), so
every tool, lockfile resolve, PEX and test runs from scratch; warm: the same command again.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import report
from bench.pants_scaling import stop_pantsd


def make_test_section(root: Path, limit: float) -> str:
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-make-test-") as tmp:
        scratch, caches = Path(tmp) / "repo", Path(tmp) / "caches"
        subprocess.run(["git", "clone", "--quiet", str(root), str(scratch)], check=True)
        env = {
            **os.environ,
            "PANTS_LOCAL_STORE_DIR": str(caches / "lmdb_store"),
            "PANTS_NAMED_CACHES_DIR": str(caches / "named_caches"),
        }
        try:
            for label in ("cold (empty Pants caches)", "warm (second run)"):
                print(f"bench: make test, {label}", file=sys.stderr, flush=True)
                started = time.perf_counter()
                try:
                    done = subprocess.run(
                        ["make", "test"], cwd=scratch, env=env, timeout=limit, capture_output=True
                    )
                    outcome = "passed" if done.returncode == 0 else f"failed (exit {done.returncode})"
                except subprocess.TimeoutExpired:
                    outcome = f"stopped at the {limit:.0f} s limit"
                rows.append([label, report.seconds(time.perf_counter() - started), outcome])
        finally:
            stop_pantsd(scratch)
            shutil.rmtree(caches, ignore_errors=True)
    return "`make test` in a fresh clone.\n\n" + report.table(["run", "wall time", "outcome"], rows, 1)
