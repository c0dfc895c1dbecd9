"""SqlAlchemyUnitOfWork of inventory: the inventory repository on one session per use case."""

from sqlalchemy.ext.asyncio import AsyncSession

from common.unit_of_work import SqlAlchemyUnitOfWork as BaseSqlAlchemyUnitOfWork
from inventory.backend.repository.repository import SqlAlchemyInventoryRepository
from inventory.backend.service.ports import AbstractUnitOfWork


class SqlAlchemyUnitOfWork(BaseSqlAlchemyUnitOfWork, AbstractUnitOfWork):
    def bind_repositories(self, session: AsyncSession) -> None:
        self.inventory = SqlAlchemyInventoryRepository(session, self.reader)
