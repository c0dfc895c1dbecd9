"""The public HTTP contract of inventory must match its committed snapshot, modules/inventory/openapi.json."""

from inventory.backend.api.main import create_app
from inventory.backend.tests.conftest import FIXTURES

test_the_http_contract_matches_the_committed_snapshot = FIXTURES.snapshot_test(create_app)
