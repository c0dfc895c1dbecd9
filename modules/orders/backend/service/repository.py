"""The port through which the service layer stores orders."""

import abc
from uuid import UUID

from orders.backend.service.model import Order


class AbstractOrderRepository(abc.ABC):
    @abc.abstractmethod
    async def add(self, order: Order) -> None:
        ...

    @abc.abstractmethod
    async def get(self, order_id: UUID) -> Order | None:
        ...

    @abc.abstractmethod
    async def save(self, order: Order) -> None:
        """Persist the status change of an order loaded with `get`."""

    @abc.abstractmethod
    async def list_page(self, *, customer_id: str | None, limit: int, offset: int) -> tuple[list[Order], int]:
        """A page of orders, newest first, and the total number matching."""
