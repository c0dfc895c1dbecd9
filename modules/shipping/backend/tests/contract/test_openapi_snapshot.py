"""The public HTTP contract of shipping must match its committed snapshot, modules/shipping/openapi.json."""

from pathlib import Path

from service_kit.contract import check_against_snapshot
from shipping.backend.api.main import create_app
from shipping.backend.config import Settings

SNAPSHOT = Path(__file__).resolve().parents[3] / "openapi.json"


def test_the_http_contract_matches_the_committed_snapshot() -> None:
    check_against_snapshot(create_app(Settings(auth_enabled=False)), SNAPSHOT, "shipping")
