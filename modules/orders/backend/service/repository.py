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
        """The order, inside this unit of work's transaction: what a change starts from."""

    @abc.abstractmethod
    async def read(self, order_id: UUID) -> Order | None:
        """The order as last committed, outside any transaction: for answering a read, never for
        changing it (use `get`)."""

    @abc.abstractmethod
    async def save(self, order: Order) -> None:
        """Persist the status change of an order loaded with `get`."""

    @abc.abstractmethod
    async def list_page(self, *, customer_id: str | None, limit: int, offset: int) -> tuple[list[Order], int]:
        """A page of orders, newest first, and the total number matching."""
