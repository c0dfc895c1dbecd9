"""SqlAlchemyUnitOfWork of shipping: shipments, idempotency keys and the event inbox on one session."""

from sqlalchemy.ext.asyncio import AsyncSession

from common.unit_of_work import SqlAlchemyUnitOfWork as BaseSqlAlchemyUnitOfWork
from service_kit.idempotency import SqlAlchemyIdempotencyStore
from service_kit.messaging.inbox import SqlAlchemyInbox
from shipping.backend.repository.repository import SqlAlchemyShipmentRepository
from shipping.backend.service.ports import AbstractUnitOfWork


class SqlAlchemyUnitOfWork(BaseSqlAlchemyUnitOfWork, AbstractUnitOfWork):
    def bind_repositories(self, session: AsyncSession) -> None:
        self.shipments = SqlAlchemyShipmentRepository(session)
        self.idempotency = SqlAlchemyIdempotencyStore(session)
        self.inbox = SqlAlchemyInbox(session)
