"""FakeInventoryClient: an in-memory InventoryClient for consumers' unit tests.

Inventory's own contract tests run the same suite against this fake and the real client, so it
behaves like the service: same return types, same typed errors. `unavailable = True` makes every
call raise Unavailable, as when the service is down; `expire(order_id)` lets a hold lapse, as
its TTL would.
"""

from uuid import UUID

from inventory.backend.schemas import ProductPublic, ReservationItem, ReservationPublic, ReservationStatus
from service_kit.client import Conflict, NotFound
from service_kit.facade import FakeClient


class FakeInventoryClient(FakeClient):
    service = "inventory"

    def __init__(self) -> None:
        super().__init__()
        self.stock: dict[str, tuple[int, int]] = {}  # sku -> (on_hand, reserved)
        self.reservations: dict[UUID, ReservationPublic] = {}
        self.expired: set[UUID] = set()

    async def set_stock(self, sku: str, on_hand: int) -> ProductPublic:
        self._check_up()
        reserved = self.stock.get(sku, (0, 0))[1]
        if on_hand < reserved:
            raise Conflict(
                f"Cannot set stock of {sku} to {on_hand}: {reserved} units are reserved.", status=409
            )
        self.stock[sku] = (on_hand, reserved)
        return await self.get_product(sku)

    async def get_product(self, sku: str) -> ProductPublic:
        on_hand, reserved = self._found(self.stock, sku, "Product")
        return ProductPublic(sku=sku, on_hand=on_hand, reserved=reserved, available=on_hand - reserved)

    async def reserve(self, order_id: UUID, items: list[ReservationItem]) -> ReservationPublic:
        self._check_up()
        totals: dict[str, int] = {}
        for item in items:
            totals[item.sku] = totals.get(item.sku, 0) + item.quantity
        wanted = [ReservationItem.model_construct(sku=s, quantity=q) for s, q in sorted(totals.items())]
        if order_id in self.reservations:
            existing = self.reservations[order_id]
            if existing.items != wanted:
                raise Conflict(
                    f"Order {order_id} already has a reservation with different items.", status=409
                )
            return existing
        short = sorted(s for s, q in totals.items() if self._available(s) < q)
        if short:
            raise Conflict(
                f"Insufficient stock for: {', '.join(short)}.", status=409, problem={"short_skus": short}
            )
        for sku, quantity in totals.items():
            on_hand, reserved = self.stock[sku]
            self.stock[sku] = (on_hand, reserved + quantity)
        self.reservations[order_id] = ReservationPublic(
            order_id=order_id, status=ReservationStatus.RESERVED, items=wanted
        )
        return self.reservations[order_id]

    def expire(self, order_id: UUID) -> None:
        """The hold's TTL passes: its stock goes back and a commit is refused (reason "expired")."""
        self._settle(order_id, ReservationStatus.RELEASED, consume=False)
        self.expired.add(order_id)

    async def commit(self, order_id: UUID) -> ReservationPublic:
        if order_id in self.expired and not self.unavailable:
            raise Conflict(
                f"The reservation of order {order_id} expired; its stock was released. Reserve again.",
                status=409,
                problem={"reason": "expired"},
            )
        return self._settle(order_id, ReservationStatus.COMMITTED, consume=True)

    async def release(self, order_id: UUID) -> ReservationPublic:
        return self._settle(order_id, ReservationStatus.RELEASED, consume=False)

    def _settle(self, order_id: UUID, to_status: ReservationStatus, *, consume: bool) -> ReservationPublic:
        self._check_up()
        reservation = self.reservations.get(order_id)
        if reservation is None:
            raise NotFound(f"No reservation for order {order_id}.", status=404)
        if reservation.status is to_status:
            return reservation
        if reservation.status is not ReservationStatus.RESERVED:
            raise Conflict(f"Reservation of order {order_id} is {reservation.status.value}.", status=409)
        for item in reservation.items:
            on_hand, reserved = self.stock[item.sku]
            self.stock[item.sku] = (on_hand - item.quantity if consume else on_hand, reserved - item.quantity)
        self.reservations[order_id] = reservation.model_copy(update={"status": to_status})
        return self.reservations[order_id]

    def _available(self, sku: str) -> int:
        on_hand, reserved = self.stock.get(sku, (0, 0))
        return on_hand - reserved
