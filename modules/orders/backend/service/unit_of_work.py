"""The unit-of-work port of the orders service layer."""

from common.unit_of_work import AbstractUnitOfWork as BaseUnitOfWork
from orders.backend.service.repository import AbstractOrderRepository
from service_kit.idempotency import AbstractIdempotencyStore


class AbstractUnitOfWork(BaseUnitOfWork):
    orders: AbstractOrderRepository
    idempotency: AbstractIdempotencyStore
