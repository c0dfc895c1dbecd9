"""A throwaway PostgreSQL server for tests, started from the machine's Debian packages."""

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from common.testing.processes import free_port

INSTALL_HINT = "install PostgreSQL (Debian: 'apt-get install -y postgresql'); .ci/run does this in CI"


def find_postgres_bin() -> Path | None:
    """The bin folder holding initdb and pg_ctl: on PATH or in Debian's /usr/lib/postgresql/<v>/bin."""
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(candidates[-1]).parent if candidates else None


@contextmanager
def ephemeral_postgres() -> Iterator[str]:
    """Start PostgreSQL in a fresh temp folder on a free loopback port; yield a postgresql+asyncpg URL."""
    bin_dir = find_postgres_bin()
    if bin_dir is None:
        raise FileNotFoundError(f"PostgreSQL's initdb was not found: {INSTALL_HINT}")
    # PostgreSQL refuses to run as root; run it as the postgres user the Debian package creates.
    as_user: list[str] = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    # Its own top-level temp folder: the postgres user can't enter root's pytest folders.
    workdir = Path(tempfile.mkdtemp(prefix="pantstack-postgres-"))
    if as_user:
        shutil.chown(workdir, user="postgres")
    data, port = workdir / "data", free_port()

    def run(*argv: str) -> None:
        result = subprocess.run([*as_user, *argv], capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(argv[:1])} failed ({result.returncode}): {result.stderr.strip()}")

    run(str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "--no-sync")
    options = f"-p {port} -c listen_addresses=127.0.0.1 -k {workdir} -c fsync=off"
    run(str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(workdir / "log"), "-w", "start")
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}/postgres"
    finally:
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(workdir, ignore_errors=True)
