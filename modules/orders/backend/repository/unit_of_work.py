"""SqlAlchemyUnitOfWork of orders: the order repository and idempotency keys on one session per use case."""

from sqlalchemy.ext.asyncio import AsyncSession

from common.unit_of_work import SqlAlchemyUnitOfWork as BaseSqlAlchemyUnitOfWork
from orders.backend.repository.repository import SqlAlchemyOrderRepository
from orders.backend.service.unit_of_work import AbstractUnitOfWork
from service_kit.idempotency import SqlAlchemyIdempotencyStore


class SqlAlchemyUnitOfWork(BaseSqlAlchemyUnitOfWork, AbstractUnitOfWork):
    def bind_repositories(self, session: AsyncSession) -> None:
        self.orders = SqlAlchemyOrderRepository(session, self.reader)
        self.idempotency = SqlAlchemyIdempotencyStore(session)
