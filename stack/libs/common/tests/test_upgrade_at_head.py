"""upgrade_to_head: a database already at head is left alone without importing Alembic; one behind
(or new, or at a revision these files don't know) goes through Alembic as before."""

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from common.database import create_engine, head_revisions, upgrade_to_head

ENV_PY = """from alembic import context

context.configure(connection=context.config.attributes["connection"])
with context.begin_transaction():
    context.run_migrations()
"""
WIDGETS = """revision = "0001"
down_revision = None
from alembic import op

def upgrade():
    op.execute("CREATE TABLE widgets (id integer PRIMARY KEY)")
"""
GADGETS = """revision = "0002"
down_revision = "0001"
from alembic import op

def upgrade():
    op.execute("CREATE TABLE gadgets (id integer PRIMARY KEY)")
"""
# Run in a fresh interpreter, so whether Alembic got imported is this call's doing alone.
UPGRADE_AND_REPORT_ALEMBIC = """
import asyncio, sys
from pathlib import Path
from common.database import create_engine, upgrade_to_head

async def main():
    engine = create_engine(sys.argv[1])
    try:
        await upgrade_to_head(engine, Path(sys.argv[2]))
    finally:
        await engine.dispose()

asyncio.run(main())
print("alembic imported" if "alembic" in sys.modules else "alembic not imported")
"""


@pytest.fixture
def migrations_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "migrations"
    (directory / "versions").mkdir(parents=True)
    (directory / "env.py").write_text(ENV_PY)
    (directory / "versions" / "__init__.py").write_text("")
    (directory / "versions" / "v0001_widgets.py").write_text(WIDGETS)
    return directory


def upgrade(database: Path, migrations_dir: Path) -> str:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            UPGRADE_AND_REPORT_ALEMBIC,
            f"sqlite+aiosqlite:///{database}",
            str(migrations_dir),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def tables(database: Path) -> set[str]:
    with sqlite3.connect(database) as connection:
        return {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_a_new_database_is_migrated_through_alembic(tmp_path: Path, migrations_dir: Path) -> None:
    assert upgrade(tmp_path / "app.db", migrations_dir) == "alembic imported"
    assert {"widgets", "alembic_version"} <= tables(tmp_path / "app.db")


def test_a_database_at_head_is_left_alone_without_importing_alembic(
    tmp_path: Path, migrations_dir: Path
) -> None:
    upgrade(tmp_path / "app.db", migrations_dir)

    assert upgrade(tmp_path / "app.db", migrations_dir) == "alembic not imported"


def test_a_database_behind_head_is_migrated_to_it(tmp_path: Path, migrations_dir: Path) -> None:
    upgrade(tmp_path / "app.db", migrations_dir)
    (migrations_dir / "versions" / "v0002_gadgets.py").write_text(GADGETS)

    assert upgrade(tmp_path / "app.db", migrations_dir) == "alembic imported"
    assert "gadgets" in tables(tmp_path / "app.db")
    with sqlite3.connect(tmp_path / "app.db") as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [("0002",)]


def test_a_database_at_a_revision_these_files_do_not_know_is_left_to_alembic_to_refuse(
    tmp_path: Path, migrations_dir: Path
) -> None:
    upgrade(tmp_path / "app.db", migrations_dir)
    with sqlite3.connect(tmp_path / "app.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099'")

    async def upgrade_in_process() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'app.db'}")
        try:
            await upgrade_to_head(engine, migrations_dir)
        finally:
            await engine.dispose()

    with pytest.raises(Exception, match="0099"):
        asyncio.run(upgrade_in_process())


def test_the_heads_are_the_revisions_nothing_builds_on(migrations_dir: Path) -> None:
    versions = migrations_dir / "versions"
    (versions / "v0002_gadgets.py").write_text(GADGETS)
    (versions / "v0003_merge.py").write_text('revision = "0003"\ndown_revision = ("0002", "0004")\n')
    (versions / "v0004_branch.py").write_text('revision = "0004"\ndown_revision = "0001"\n')
    (versions / "v0005_other_head.py").write_text('revision = "0005"\ndown_revision = "0002"\n')

    assert head_revisions(migrations_dir) == frozenset({"0003", "0005"})


# How this repo's migrations (and the scaffolder's templates) name their revisions: one tuple
# assignment; Alembic's own template annotates them.
TUPLE_FORM = """revision, down_revision = "0002", "0001"
from alembic import op

def upgrade():
    op.execute("CREATE TABLE gadgets (id integer PRIMARY KEY)")
"""
ANNOTATED_FORM = """from typing import Union
revision: str = "0003"
down_revision: Union[str, None] = "0002"
from alembic import op

def upgrade():
    op.execute("CREATE TABLE doodads (id integer PRIMARY KEY)")
"""


def test_revisions_assigned_as_a_tuple_or_annotated_are_read(migrations_dir: Path) -> None:
    versions = migrations_dir / "versions"
    (versions / "v0002_gadgets.py").write_text(TUPLE_FORM)
    assert head_revisions(migrations_dir) == frozenset({"0002"})
    (versions / "v0003_doodads.py").write_text(ANNOTATED_FORM)
    assert head_revisions(migrations_dir) == frozenset({"0003"})


def test_a_database_at_head_with_tuple_assigned_revisions_is_left_alone_without_importing_alembic(
    tmp_path: Path, migrations_dir: Path
) -> None:
    (migrations_dir / "versions" / "v0001_widgets.py").write_text(
        WIDGETS.replace('revision = "0001"\ndown_revision = None', 'revision, down_revision = "0001", None')
    )
    (migrations_dir / "versions" / "v0002_gadgets.py").write_text(TUPLE_FORM)
    assert upgrade(tmp_path / "app.db", migrations_dir) == "alembic imported"

    assert upgrade(tmp_path / "app.db", migrations_dir) == "alembic not imported"
    assert "gadgets" in tables(tmp_path / "app.db")


@pytest.mark.parametrize(
    "assignment",
    [
        "revision, down_revision = ids()",
        'revision, *rest = "0002", "0001"',
        '(revision, down_revision) = "0002", "00" + "01"',
    ],
)
def test_revisions_unpacked_from_what_only_running_the_file_tells_mean_the_heads_are_unknown(
    migrations_dir: Path, assignment: str
) -> None:
    (migrations_dir / "versions" / "v0002_unpacked.py").write_text(assignment + "\n")

    assert head_revisions(migrations_dir) is None


def test_a_computed_revision_id_means_the_heads_are_unknown(migrations_dir: Path) -> None:
    (migrations_dir / "versions" / "v0002_computed.py").write_text(
        'revision = "00" + "02"\ndown_revision = "0001"\n'
    )

    assert head_revisions(migrations_dir) is None
