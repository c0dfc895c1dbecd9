"""In-memory doubles of the orders ports, for service-layer unit tests."""

from copy import deepcopy
from uuid import UUID

from orders.backend.service.model import Order
from orders.backend.service.repository import AbstractOrderRepository
from orders.backend.service.unit_of_work import AbstractUnitOfWork
from service_kit.idempotency import FakeIdempotencyStore
from service_kit.messaging.outbox import FakeOutbox


class FakeOrderRepository(AbstractOrderRepository):
    def __init__(self) -> None:
        self.orders: dict[UUID, Order] = {}

    # Copies in and out, like a database: changes count only once saved.
    async def add(self, order: Order) -> None:
        self.orders[order.id] = deepcopy(order)

    async def get(self, order_id: UUID) -> Order | None:
        return deepcopy(self.orders.get(order_id))

    async def read(self, order_id: UUID) -> Order | None:
        return deepcopy(self.orders.get(order_id))

    async def save(self, order: Order) -> None:
        self.orders[order.id] = deepcopy(order)

    async def list_page(self, *, customer_id: str | None, limit: int, offset: int) -> tuple[list[Order], int]:
        matching = [o for o in self.orders.values() if customer_id is None or o.customer_id == customer_id]
        matching.sort(key=lambda o: o.created_at, reverse=True)
        return matching[offset : offset + limit], len(matching)


class FakeUnitOfWork(AbstractUnitOfWork):
    orders: FakeOrderRepository
    idempotency: FakeIdempotencyStore
    events: FakeOutbox

    def __init__(self) -> None:
        self.orders = FakeOrderRepository()
        self.idempotency = FakeIdempotencyStore()
        self.events = FakeOutbox()
        self.committed = False
        self.in_transaction = False  # inside `async with uow`, as a real session would hold a connection
        self.transactions = 0  # how many times `async with uow` was entered
        self.failing_commits = 0  # the next N commits raise, as a database error would
        self._before: dict[UUID, Order] = {}
        self._published_before = 0

    async def __aenter__(self) -> "FakeUnitOfWork":
        self.in_transaction = True
        self.transactions += 1
        self._before = deepcopy(self.orders.orders)
        self._published_before = len(self.events.published)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.in_transaction = False
        await self.rollback()

    async def commit(self) -> None:
        if self.failing_commits:
            self.failing_commits -= 1
            raise ConnectionError("database went away")
        self.committed = True
        self._before = deepcopy(self.orders.orders)
        self._published_before = len(self.events.published)

    async def rollback(self) -> None:
        # What was not committed is thrown away, as the database would.
        self.orders.orders = deepcopy(self._before)
        del self.events.published[self._published_before :]
