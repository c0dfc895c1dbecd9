"""Orders' unit of work: what is not committed is rolled back; a read-only use case skips the session."""

from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar
from uuid import uuid4

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.database import SqliteReader, create_engine
from orders.backend.repository.tables import Base
from orders.backend.repository.unit_of_work import SqlAlchemyUnitOfWork
from orders.backend.service.model import Order, OrderLine

pytestmark = pytest.mark.anyio


class CountingSession(AsyncSession):
    calls: ClassVar[list[str]] = []

    async def rollback(self) -> None:
        CountingSession.calls.append("rollback")
        await super().rollback()

    async def close(self) -> None:
        CountingSession.calls.append("close")
        await super().close()


async def test_a_read_through_the_reader_neither_rolls_back_nor_closes_a_session(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'orders.db'}"
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    reader = SqliteReader(url)
    sessions: async_sessionmaker[AsyncSession] = async_sessionmaker(
        engine, class_=CountingSession, expire_on_commit=False
    )
    now = datetime.now(UTC)
    order = Order.place("c1", [OrderLine(product_id="sku-1", quantity=1)], now=now)
    CountingSession.calls = []
    try:
        async with SqlAlchemyUnitOfWork(sessions, reader) as uow:
            assert await uow.orders.read(uuid4()) is None
            assert uow.session is None  # the read by id went through the reader: no session made
        read_only = list(CountingSession.calls)

        async with SqlAlchemyUnitOfWork(sessions, reader) as uow:
            await uow.orders.add(order)  # never committed
        async with SqlAlchemyUnitOfWork(sessions, reader) as uow:
            stored = await uow.orders.read(order.id)
    finally:
        reader.close()
        await engine.dispose()

    assert read_only == []
    # The write began a transaction, so leaving without a commit rolled it back and closed.
    assert CountingSession.calls == ["rollback", "close"] and stored is None
