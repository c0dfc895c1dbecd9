"""create_engine: SQLite files get their folder and WAL journaling; as_utc and stored_enum."""

from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from pathlib import Path

import pytest
from sqlalchemy import text

from common.database import as_utc, create_engine, stored_enum

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


class Colour(StrEnum):
    RED = "red"
    GREEN = "green"


def test_a_stored_enum_reads_each_member_as_calling_the_enum_does() -> None:
    colour = stored_enum(Colour)

    assert [colour(value) for value in ("red", "green")] == [Colour("red"), Colour("green")]
    assert colour("red") is Colour.RED
    with pytest.raises(ValueError, match="'blue' is not a valid Colour"):
        colour("blue")


def test_a_naive_timestamp_read_back_is_utc_and_an_aware_one_is_kept() -> None:
    naive = datetime(2026, 12, 4, 15, 0)
    aware = datetime(2026, 12, 4, 16, 0, tzinfo=timezone(timedelta(hours=1)))

    assert as_utc(naive) == datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
    assert as_utc(aware) is aware
