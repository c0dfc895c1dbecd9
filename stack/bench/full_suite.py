"""Cold and warm `make test` wall time in a scratch clone with its own, empty Pants caches.

Cold: an empty local store and named caches (PANTS_LOCAL_STORE_DIR, PANTS_NAMED_CACHES_DIR), so
every tool, lockfile resolve, PEX and test runs from scratch; warm: the same command again. Each run
records Pants' workunits, and the section says where the time went (bench.make_test_profile), beside
the checks `make test` runs before Pants.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import make_test_profile, report
from bench.pants_scaling import stop_pantsd

# What `make test` runs before Pants (the Makefile's test recipe): stdlib checks.
CHECKS = {
    "boundaries": ["python3", "stack/tools/boundaries.py"],
    "sync --check": ["python3", "stack/tools/sync.py", "--check"],
    "check-module": [
        "env",
        "PYTHONPATH=stack/tools",
        "python3",
        "-m",
        "scaffold.cli",
        "--root",
        ".",
        "check",
    ],
    "docs check": ["python3", "stack/tools/docs_check.py"],
}


def make_test_section(root: Path, limit: float) -> str:
    rows, profiles = [], []
    with tempfile.TemporaryDirectory(prefix="bench-make-test-") as tmp:
        scratch, caches = Path(tmp) / "repo", Path(tmp) / "caches"
        subprocess.run(["git", "clone", "--quiet", str(root), str(scratch)], check=True)
        env = {
            **os.environ,
            "PANTS_LOCAL_STORE_DIR": str(caches / "lmdb_store"),
            "PANTS_NAMED_CACHES_DIR": str(caches / "named_caches"),
        }
        try:
            for index, label in enumerate(("cold (empty Pants caches)", "warm (second run)")):
                print(f"bench: make test, {label}", file=sys.stderr, flush=True)
                logdir = Path(tmp) / f"workunits-{index}"
                logdir.mkdir()
                run_env = {**env, **make_test_profile.ENV, make_test_profile.LOGDIR_VARIABLE: str(logdir)}
                started = time.perf_counter()
                try:
                    done = subprocess.run(
                        ["make", "test"], cwd=scratch, env=run_env, timeout=limit, capture_output=True
                    )
                    outcome = "passed" if done.returncode == 0 else f"failed (exit {done.returncode})"
                except subprocess.TimeoutExpired:
                    outcome = f"stopped at the {limit:.0f} s limit"
                rows.append([label, report.seconds(time.perf_counter() - started), outcome])
                profile = make_test_profile.summarise(make_test_profile.load_runs(logdir))
                profiles.append(f"**{label}.** {make_test_profile.markdown(profile)}")
            checks = []
            for name, command in CHECKS.items():
                started = time.perf_counter()
                subprocess.run(command, cwd=scratch, env=env, capture_output=True, check=False)
                checks.append(f"{name} {report.seconds(time.perf_counter() - started)}")
        finally:
            stop_pantsd(scratch)
            shutil.rmtree(caches, ignore_errors=True)
    return "\n\n".join(
        [
            "`make test` in a fresh clone.",
            report.table(["run", "wall time", "outcome"], rows, 1),
            f"The checks before Pants, once each on the warm clone: {', '.join(checks)}.",
            *profiles,
        ]
    )
