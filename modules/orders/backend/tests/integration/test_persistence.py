"""Orders live in the database, not the process: they survive an app restart."""

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, text

from orders.backend.api.main import create_app
from orders.backend.config import Settings
from orders.backend.tests.conftest import caller_headers, stocked_inventory


def test_orders_survive_a_restart_on_the_same_sqlite_file(settings: Settings) -> None:
    body = {"customer_id": "c1", "items": [{"product_id": "sku-1", "quantity": 3}]}
    with TestClient(create_app(settings, stock=stocked_inventory()), headers=caller_headers()) as first_run:
        created = first_run.post("/api/v1/orders", json=body).json()
        first_run.post(f"/api/v1/orders/{created['id']}/cancel")

    with TestClient(create_app(settings, stock=stocked_inventory())) as second_run:
        stored = second_run.get(f"/api/v1/orders/{created['id']}").json()

    assert stored["status"] == "cancelled"
    assert stored["items"] == body["items"]
    assert stored["created_at"] == created["created_at"]


def test_the_schema_comes_from_migrations_and_sqlite_runs_in_wal_mode(settings: Settings) -> None:
    with TestClient(create_app(settings, stock=stocked_inventory())):
        pass

    sync_url = settings.database_url.replace("+aiosqlite", "")
    with create_engine(sync_url).connect() as connection:
        assert connection.scalar(text("SELECT version_num FROM alembic_version")) == "0003"
        assert connection.scalar(text("PRAGMA journal_mode")) == "wal"


def test_the_default_database_is_a_file_under_the_data_dir() -> None:
    settings = Settings(data_dir=Path("var/data"), auth_enabled=False)

    assert settings.database_url == "sqlite+aiosqlite:///var/data/orders.db"


def test_reading_an_order_by_id_runs_no_statement_on_the_async_engine(settings: Settings) -> None:
    body = {
        "customer_id": "c1",
        "items": [{"product_id": "sku-1", "quantity": 3}, {"product_id": "p", "quantity": 1}],
    }
    with TestClient(create_app(settings, stock=stocked_inventory()), headers=caller_headers()) as api:
        created = api.post("/api/v1/orders", json=body).json()
        statements: list[str] = []
        listen = event.listens_for(api.app.state.engine.sync_engine, "before_cursor_execute")  # type: ignore[attr-defined]
        listen(lambda _conn, _cursor, statement, *_: statements.append(statement))

        read = api.get(f"/api/v1/orders/{created['id']}")

    assert read.status_code == 200
    assert read.json() == created
    # The lookup went through the SqliteReader: no aiosqlite thread hop, no BEGIN IMMEDIATE.
    assert statements == []


def test_a_keyed_create_is_one_write_transaction_and_its_key_lookup_runs_on_the_reader(
    settings: Settings,
) -> None:
    body = {
        "customer_id": "c1",
        "items": [{"product_id": "sku-1", "quantity": 3}, {"product_id": "p", "quantity": 1}],
    }
    # The outbox relay polls the same engine: once at start (done by the time the first order is
    # placed), then not again within the test.
    quiet_relay = settings.model_copy(update={"events_poll_seconds": 3600.0})
    with TestClient(create_app(quiet_relay, stock=stocked_inventory()), headers=caller_headers()) as api:
        assert api.post("/api/v1/orders", json=body).status_code == 201
        statements: list[str] = []
        listen = event.listens_for(api.app.state.engine.sync_engine, "before_cursor_execute")  # type: ignore[attr-defined]
        listen(lambda _conn, _cursor, statement, *_: statements.append(statement))

        created = api.post("/api/v1/orders", json=body, headers={"Idempotency-Key": "k-1"})
        replayed = api.post("/api/v1/orders", json=body, headers={"Idempotency-Key": "k-1"})
        read = api.get(f"/api/v1/orders/{created.json()['id']}")

    assert created.status_code == 201
    assert (replayed.status_code, replayed.json()) == (201, created.json())
    assert read.json() == created.json()
    # The order, its lines (one multi-row INSERT) and the key's record, in the one transaction;
    # neither lookup of the key (the first request's, the replay's) ran on the async engine.
    assert [" ".join(statement.split()[:3]) for statement in statements] == [
        "BEGIN IMMEDIATE",
        "INSERT INTO orders",
        "INSERT INTO order_items",
        "INSERT INTO idempotency_keys",
    ]
