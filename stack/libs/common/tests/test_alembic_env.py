"""common.alembic_env: a module's one-line env.py migrates the connection upgrade_to_head hands over."""

from pathlib import Path

import pytest
from sqlalchemy import inspect

from common import alembic_env
from common.database import create_engine, upgrade_to_head

pytestmark = pytest.mark.anyio

REVISION = """revision = "0001"
down_revision = None
from alembic import op
import sqlalchemy as sa

def upgrade():
    op.create_table("widgets", sa.Column("id", sa.Integer, primary_key=True))
"""


async def test_the_one_line_env_py_applies_the_migrations_on_the_given_connection(tmp_path: Path) -> None:
    migrations = tmp_path / "migrations"
    (migrations / "versions").mkdir(parents=True)
    # What every module's env.py says (named through the import, so Pants sees the dependency).
    (migrations / "env.py").write_text(
        f"from {alembic_env.__name__} import run_migrations\n\nrun_migrations()\n"
    )
    (migrations / "versions" / "v0001_widgets.py").write_text(REVISION)
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'app.db'}")
    try:
        await upgrade_to_head(engine, migrations)
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    finally:
        await engine.dispose()

    assert {"widgets", "alembic_version"} <= set(tables)
