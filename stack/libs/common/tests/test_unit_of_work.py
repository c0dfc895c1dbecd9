"""SqlAlchemyUnitOfWork makes its session lazily: only when a repository first uses it."""

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from common.database import create_engine
from common.unit_of_work import SqlAlchemyUnitOfWork

pytestmark = pytest.mark.anyio


class Repository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def insert(self, value: int) -> None:
        await self.session.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": value})


class UnitOfWork(SqlAlchemyUnitOfWork):
    def bind_repositories(self, session: AsyncSession) -> None:
        self.things = Repository(session)


class CountingFactory(async_sessionmaker[AsyncSession]):
    """An async_sessionmaker recording each session it makes and what was done with it."""

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__(engine, expire_on_commit=False)
        self.made: list[AsyncSession] = []
        self.calls: list[str] = []

    def __call__(self, **local_kw: Any) -> AsyncSession:
        session = super().__call__(**local_kw)
        calls = self.calls

        original_rollback, original_close = session.rollback, session.close

        async def rollback() -> None:
            calls.append("rollback")
            await original_rollback()

        async def close() -> None:
            calls.append("close")
            await original_close()

        session.rollback = rollback  # type: ignore[method-assign]
        session.close = close  # type: ignore[method-assign]
        self.made.append(session)
        return session


async def values(sessions: async_sessionmaker[AsyncSession]) -> list[int]:
    async with sessions() as session:
        return list((await session.scalars(text("SELECT v FROM t ORDER BY v"))).all())


async def test_the_session_is_made_only_when_a_repository_uses_it(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'uow.db'}")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (v INTEGER)"))
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    factory = CountingFactory(engine)
    try:
        # A use case that never touches a repository's session (a read by id through the
        # reader) makes no session; commit and rollback have nothing to do.
        async with UnitOfWork(factory) as uow:
            assert uow.session is None
            await uow.commit()
        assert factory.made == [] and factory.calls == []

        # A write opens one session on first use, and leaving without a commit rolls it back.
        async with UnitOfWork(factory) as uow:
            await uow.things.insert(1)
            await uow.things.insert(2)
            assert uow.session is factory.made[0]
        assert len(factory.made) == 1 and factory.calls == ["rollback", "close"]
        assert await values(sessions) == []

        # A committed write is kept; with no transaction left there is nothing to roll back or close.
        async with UnitOfWork(factory) as uow:
            await uow.things.insert(3)
            await uow.commit()
        assert len(factory.made) == 2 and factory.calls[2:] == []
        assert await values(sessions) == [3]
        assert uow.session is None
    finally:
        await engine.dispose()
