"""The public HTTP contract of shipping must match its committed snapshot, modules/shipping/openapi.json."""

from shipping.backend.api.main import create_app
from shipping.backend.tests.conftest import FIXTURES

test_the_http_contract_matches_the_committed_snapshot = FIXTURES.snapshot_test(create_app)
