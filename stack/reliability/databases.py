"""The database a module under test writes to, read directly: the checks count rows there instead
of trusting what the API says. SQLite (the module's default file) or a throwaway PostgreSQL."""

import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from common.testing.postgres import INSTALL_HINT, ephemeral_postgres, find_postgres_bin

ENGINES = ("sqlite", "postgresql")


@dataclass(frozen=True)
class Database:
    engine: str
    # What the module is given as <MODULE>_DATABASE_URL; empty: its SQLite file under its data dir.
    url: str
    sqlite_file: Path | None = None

    def env(self, module: str) -> dict[str, str]:
        return {f"{module.upper()}_DATABASE_URL": self.url} if self.url else {}

    def rows(self, sql: str) -> list[tuple[str, ...]]:
        """The rows of one query, every value as text (psql's unaligned output, SQLite's str)."""
        if self.sqlite_file is not None:
            with closing(sqlite3.connect(self.sqlite_file)) as connection:
                return [tuple(str(value) for value in row) for row in connection.execute(sql)]
        libpq_url = self.url.replace("postgresql+asyncpg://", "postgresql://", 1)
        result = subprocess.run(
            [
                _psql(),
                libpq_url,
                "--no-psqlrc",
                "--tuples-only",
                "--no-align",
                "--field-separator=\t",
                "-c",
                sql,
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if result.returncode != 0:
            raise RuntimeError(f"psql failed ({result.returncode}): {result.stderr.strip()}")
        return [tuple(line.split("\t")) for line in result.stdout.splitlines() if line]


@contextmanager
def module_database(engine: str, module: str, data_dir: Path) -> Iterator[Database]:
    """`module`'s database on `engine`: its SQLite file in `data_dir` (where <MODULE>_DATA_DIR points),
    or a fresh PostgreSQL server, stopped on the way out."""
    if engine == "sqlite":
        yield Database(engine, "", data_dir / f"{module}.db")
    elif engine == "postgresql":
        with ephemeral_postgres() as url:
            yield Database(engine, url)
    else:
        raise ValueError(f"unknown database engine {engine!r}: use one of {', '.join(ENGINES)}")


def _psql() -> str:
    """Debian's psql, next to initdb (in /usr/lib/postgresql/<v>/bin) or on PATH."""
    bin_dir = find_postgres_bin()
    if bin_dir is not None:
        # initdb on PATH may be a link into Debian's folder, which has psql.
        for folder in (bin_dir, (bin_dir / "initdb").resolve().parent):
            if (folder / "psql").is_file():
                return str(folder / "psql")
    found = shutil.which("psql")
    if found is None:
        raise FileNotFoundError(f"psql was not found: {INSTALL_HINT}")
    return found
