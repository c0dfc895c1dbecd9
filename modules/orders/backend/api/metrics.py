"""Business metrics of the orders service, exposed on /metrics beside the kit's HTTP metrics."""

from prometheus_client import Counter

ORDERS_CREATED = Counter("orders_created_total", "Orders placed.", registry=None)
ORDERS_CONFIRMED = Counter("orders_confirmed_total", "Orders confirmed.", registry=None)
ORDERS_CANCELLED = Counter("orders_cancelled_total", "Orders cancelled.", registry=None)

BUSINESS_METRICS = (ORDERS_CREATED, ORDERS_CONFIRMED, ORDERS_CANCELLED)
