"""Orders' quantity limit is inventory's: the lines of one product are reserved as one inventory line."""

from inventory.backend.public import ReservationItem
from orders.backend.schemas.order import MAX_QUANTITY


def test_the_order_quantity_limit_is_what_inventory_accepts_in_one_line() -> None:
    # Higher, an order that inventory refuses would pass orders' own validation; lower, orders
    # would refuse what inventory accepts. Two declarations of one limit: this keeps them one.
    assert ReservationItem.model_json_schema()["properties"]["quantity"]["maximum"] == MAX_QUANTITY
