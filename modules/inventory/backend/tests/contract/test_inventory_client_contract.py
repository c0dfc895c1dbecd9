"""One contract, two implementations: the real InventoryClient (against the real app) and
FakeInventoryClient must behave alike, so consumers' tests on the fake stay truthful."""

from uuid import uuid4

import pytest

from inventory.backend.api.main import create_app
from inventory.backend.public import InventoryClient, ReservationItem, ReservationStatus
from inventory.backend.public.testing import FakeInventoryClient
from inventory.backend.tests.conftest import FIXTURES
from service_kit.client import Conflict, NotFound

pytestmark = pytest.mark.anyio

inventory = FIXTURES.contract(create_app, InventoryClient, FakeInventoryClient)


def items(**quantities: int) -> list[ReservationItem]:
    return [ReservationItem(sku=sku.replace("_", "-"), quantity=q) for sku, q in quantities.items()]


async def test_set_and_read_stock(inventory: InventoryClient) -> None:
    product = await inventory.set_stock("sku-1", 5)

    assert (product.on_hand, product.reserved, product.available) == (5, 0, 5)
    assert await inventory.get_product("sku-1") == product
    with pytest.raises(NotFound):
        await inventory.get_product("missing")


async def test_reserve_is_all_or_nothing_naming_short_skus(inventory: InventoryClient) -> None:
    await inventory.set_stock("sku-1", 5)
    await inventory.set_stock("sku-2", 1)

    with pytest.raises(Conflict) as raised:
        await inventory.reserve(uuid4(), items(sku_1=1, sku_2=2))

    assert raised.value.problem["short_skus"] == ["sku-2"]
    assert (await inventory.get_product("sku-1")).reserved == 0


async def test_reserve_is_idempotent_per_order(inventory: InventoryClient) -> None:
    await inventory.set_stock("sku-1", 5)
    order_id = uuid4()

    first = await inventory.reserve(order_id, items(sku_1=2))
    again = await inventory.reserve(order_id, items(sku_1=2))

    assert first == again and first.status is ReservationStatus.RESERVED
    assert (await inventory.get_product("sku-1")).reserved == 2
    with pytest.raises(Conflict):
        await inventory.reserve(order_id, items(sku_1=3))


async def test_commit_consumes_and_release_returns_stock(inventory: InventoryClient) -> None:
    await inventory.set_stock("sku-1", 5)
    kept, dropped = uuid4(), uuid4()
    await inventory.reserve(kept, items(sku_1=2))
    await inventory.reserve(dropped, items(sku_1=1))

    assert (await inventory.commit(kept)).status is ReservationStatus.COMMITTED
    assert (await inventory.release(dropped)).status is ReservationStatus.RELEASED

    product = await inventory.get_product("sku-1")
    assert (product.on_hand, product.reserved) == (3, 0)
    assert (await inventory.commit(kept)).status is ReservationStatus.COMMITTED
    with pytest.raises(Conflict):
        await inventory.release(kept)
    with pytest.raises(NotFound):
        await inventory.commit(uuid4())


async def test_stock_cannot_be_set_below_reserved(inventory: InventoryClient) -> None:
    await inventory.set_stock("sku-1", 5)
    await inventory.reserve(uuid4(), items(sku_1=4))

    with pytest.raises(Conflict):
        await inventory.set_stock("sku-1", 3)
