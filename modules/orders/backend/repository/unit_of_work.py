"""SqlAlchemyUnitOfWork of orders: orders, idempotency keys and the event outbox on one session."""

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from common.database import SqliteReader
from common.unit_of_work import SqlAlchemyUnitOfWork as BaseSqlAlchemyUnitOfWork
from orders.backend.repository.repository import SqlAlchemyOrderRepository
from orders.backend.service.unit_of_work import AbstractUnitOfWork
from service_kit.idempotency import SqlAlchemyIdempotencyStore
from service_kit.messaging.outbox import SqlAlchemyOutbox


class SqlAlchemyUnitOfWork(BaseSqlAlchemyUnitOfWork, AbstractUnitOfWork):
    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        reader: SqliteReader | None = None,
        on_publish: Callable[[], None] | None = None,
    ) -> None:
        """`on_publish` runs after a transaction that published commits (the relay's nudge)."""
        super().__init__(session_factory, reader)
        self.on_publish = on_publish

    def bind_repositories(self, session: AsyncSession) -> None:
        self.orders = SqlAlchemyOrderRepository(session, self.reader)
        self.idempotency = SqlAlchemyIdempotencyStore(session, reader=self.reader)
        self.events = SqlAlchemyOutbox(session, "orders", on_commit=self.on_publish)
