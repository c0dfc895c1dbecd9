"""The public HTTP contract of orders must match its committed snapshot, modules/orders/openapi.json."""

from orders.backend.api.main import create_app
from orders.backend.tests.conftest import FIXTURES

test_the_http_contract_matches_the_committed_snapshot = FIXTURES.snapshot_test(create_app)
