"""The ports of the shipping service layer: storage, and reading orders through their facade."""

import abc
from typing import Protocol
from uuid import UUID

from common.unit_of_work import AbstractUnitOfWork as BaseUnitOfWork
from orders.backend.public import OrderPublic
from service_kit.idempotency import AbstractIdempotencyStore
from service_kit.messaging.inbox import AbstractInbox
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


class AbstractUnitOfWork(BaseUnitOfWork):
    shipments: AbstractShipmentRepository
    idempotency: AbstractIdempotencyStore
    inbox: AbstractInbox
