"""create_engine: SQLite files get their folder and WAL journaling."""

from pathlib import Path

import pytest
from sqlalchemy import text

from common.database import create_engine

pytestmark = pytest.mark.anyio


async def test_a_sqlite_engine_creates_its_folder_and_uses_wal(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'nested' / 'dir' / 'app.db'}")
    try:
        async with engine.connect() as connection:
            assert (await connection.scalar(text("PRAGMA journal_mode"))) == "wal"
            assert (await connection.scalar(text("PRAGMA foreign_keys"))) == 1
    finally:
        await engine.dispose()

    assert (tmp_path / "nested" / "dir" / "app.db").exists()
