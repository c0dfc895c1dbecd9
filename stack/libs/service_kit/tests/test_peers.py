"""Peers: each facade client open on app.state while the app runs and in /ready; a replacement instead."""

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service_kit.app import create_service_app
from service_kit.client import ServiceClient
from service_kit.peers import Peer, Peers
from service_kit.tests.demo_app import demo_settings


class InventoryClient(ServiceClient):
    service = "inventory"


def app_with(peers: Peers) -> FastAPI:
    return create_service_app(
        demo_settings(), routers=[], lifespan=peers.around(), readiness_checks=peers.readiness_checks
    )


def test_a_peer_is_open_on_app_state_as_the_caller_with_its_options(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INVENTORY_URL", "http://127.0.0.1:9")
    app = app_with(Peers("demo", stock=Peer(InventoryClient, retries=0, timeout_seconds=0.5)))

    with TestClient(app):
        client = app.state.stock
        assert isinstance(client, InventoryClient)
        assert (client.caller, client.retries, client.base_url) == ("demo", 0, "http://127.0.0.1:9")
    assert client._http.is_closed, "the client is closed with the app"


def test_an_unreachable_peer_makes_ready_503_naming_its_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INVENTORY_URL", "http://127.0.0.1:9")

    with TestClient(app_with(Peers("demo", stock=Peer(InventoryClient)))) as api:
        ready = api.get("/ready")

    assert ready.status_code == 503
    assert ready.json()["checks"]["inventory"]["status"] == "failed"


def test_a_replacement_stands_in_with_no_client_url_or_check(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = object()
    monkeypatch.setenv("PANTSTACK_ENVIRONMENT", "prod")  # where a missing INVENTORY_URL stops the app
    peers = Peers("demo", stock=Peer(InventoryClient, replacement=fake))
    monkeypatch.delenv("PANTSTACK_ENVIRONMENT")
    app = app_with(peers)

    with TestClient(app) as api:
        assert app.state.stock is fake
        assert api.get("/ready").json()["checks"] == {}


def test_outside_local_development_a_missing_peer_url_stops_the_app_as_it_is_made(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PANTSTACK_ENVIRONMENT", "prod")

    with pytest.raises(SystemExit) as exited:
        Peers("demo", stock=Peer(InventoryClient))

    assert exited.value.code == 2
    assert "INVENTORY_URL" in capsys.readouterr().err
