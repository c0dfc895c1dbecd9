"""The unit-of-work port of the orders service layer."""

from common.unit_of_work import AbstractUnitOfWork as BaseUnitOfWork
from orders.backend.service.repository import AbstractOrderRepository
from service_kit.idempotency import AbstractIdempotencyStore
from service_kit.messaging.outbox import AbstractOutbox


class AbstractUnitOfWork(BaseUnitOfWork):
    orders: AbstractOrderRepository
    idempotency: AbstractIdempotencyStore
    events: AbstractOutbox
