"""SqliteReader: short reads of committed rows on a plain sqlite3 connection, read-only, SQLite files only."""

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from common.database import create_engine, create_reader

pytestmark = pytest.mark.anyio


async def test_the_reader_sees_what_the_async_engine_committed(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'app.db'}"
    engine = create_engine(url)
    reader = create_reader(url)
    assert reader is not None
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE widgets (id integer PRIMARY KEY, name text)"))
            await connection.execute(text("INSERT INTO widgets VALUES (1, 'one')"))

        rows = await reader.rows(text("SELECT name FROM widgets WHERE id = :id"), {"id": 1})
    finally:
        reader.close()
        await engine.dispose()

    assert [tuple(row) for row in rows] == [("one",)]


async def test_the_reader_refuses_to_write(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'app.db'}"
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE widgets (id integer PRIMARY KEY)"))
    await engine.dispose()
    reader = create_reader(url)
    assert reader is not None
    try:
        with pytest.raises(OperationalError, match="readonly"):
            await reader.rows(text("INSERT INTO widgets VALUES (1) RETURNING id"))
    finally:
        reader.close()


@pytest.mark.parametrize(
    "url", ["postgresql+asyncpg://app@db/app", "sqlite+aiosqlite:///:memory:", "sqlite+aiosqlite://"]
)
def test_postgresql_and_in_memory_sqlite_get_no_reader(url: str) -> None:
    assert create_reader(url) is None
