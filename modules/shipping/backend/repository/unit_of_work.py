"""SqlAlchemyUnitOfWork of shipping: the shipment repository on one session per use case."""

from sqlalchemy.ext.asyncio import AsyncSession

from common.unit_of_work import SqlAlchemyUnitOfWork as BaseSqlAlchemyUnitOfWork
from service_kit.idempotency import SqlAlchemyIdempotencyStore
from shipping.backend.repository.repository import SqlAlchemyShipmentRepository
from shipping.backend.service.ports import AbstractUnitOfWork


class SqlAlchemyUnitOfWork(BaseSqlAlchemyUnitOfWork, AbstractUnitOfWork):
    def bind_repositories(self, session: AsyncSession) -> None:
        self.shipments = SqlAlchemyShipmentRepository(session)
        self.idempotency = SqlAlchemyIdempotencyStore(session)
