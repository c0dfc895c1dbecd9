"""The unit-of-work port of the orders service layer."""

from common.unit_of_work import AbstractUnitOfWork as BaseUnitOfWork
from orders.backend.service.repository import AbstractOrderRepository


class AbstractUnitOfWork(BaseUnitOfWork):
    orders: AbstractOrderRepository
