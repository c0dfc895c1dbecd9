"""SqlAlchemyUnitOfWork of orders: the order repository on one session per use case."""

from sqlalchemy.ext.asyncio import AsyncSession

from common.unit_of_work import SqlAlchemyUnitOfWork as BaseSqlAlchemyUnitOfWork
from orders.backend.repository.repository import SqlAlchemyOrderRepository
from orders.backend.service.unit_of_work import AbstractUnitOfWork


class SqlAlchemyUnitOfWork(BaseSqlAlchemyUnitOfWork, AbstractUnitOfWork):
    def bind_repositories(self, session: AsyncSession) -> None:
        self.orders = SqlAlchemyOrderRepository(session)
