"""Business metrics of the inventory service."""

from prometheus_client import Counter

RESERVATIONS_REJECTED = Counter(
    "inventory_reservations_rejected_total", "Reservations refused for insufficient stock.", registry=None
)

BUSINESS_METRICS = (RESERVATIONS_REJECTED,)
