"""The ports of the shipping service layer: storage, and reading orders through their facade."""

import abc
from types import TracebackType
from typing import Protocol
from uuid import UUID

from orders.backend.public import OrderPublic
from shipping.backend.service.model import Shipment


class OrdersReader(Protocol):
    """What shipping needs of orders: satisfied by OrdersClient and by orders' FakeOrdersClient."""

    async def get_order(self, order_id: UUID) -> OrderPublic:
        ...


class AbstractShipmentRepository(abc.ABC):
    @abc.abstractmethod
    async def add(self, shipment: Shipment) -> bool:
        """Store a new shipment; False if the order already has one."""

    @abc.abstractmethod
    async def get(self, shipment_id: UUID) -> Shipment | None:
        ...

    @abc.abstractmethod
    async def for_order(self, order_id: UUID) -> Shipment | None:
        ...

    @abc.abstractmethod
    async def save(self, shipment: Shipment, previous_status: str) -> bool:
        """Persist a status change unless someone changed the status meanwhile."""


class AbstractUnitOfWork(abc.ABC):
    shipments: AbstractShipmentRepository

    async def __aenter__(self) -> "AbstractUnitOfWork":
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.rollback()

    @abc.abstractmethod
    async def commit(self) -> None:
        ...

    @abc.abstractmethod
    async def rollback(self) -> None:
        ...
