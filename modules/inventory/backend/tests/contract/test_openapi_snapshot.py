"""The public HTTP contract of inventory must match its committed snapshot, modules/inventory/openapi.json."""

from pathlib import Path

from inventory.backend.api.main import create_app
from inventory.backend.config import Settings
from service_kit.contract import check_against_snapshot

SNAPSHOT = Path(__file__).resolve().parents[3] / "openapi.json"


def test_the_http_contract_matches_the_committed_snapshot() -> None:
    check_against_snapshot(create_app(Settings(auth_enabled=False)), SNAPSHOT, "inventory")
