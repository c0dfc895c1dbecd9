"""Reading a product: through the SqliteReader, never a transaction on the async engine."""

from fastapi.testclient import TestClient
from sqlalchemy import event


def test_reading_a_product_runs_no_statement_on_the_async_engine(api: TestClient) -> None:
    assert api.put("/api/v1/products/sku-1", json={"on_hand": 5}).status_code == 200
    statements: list[str] = []
    listen = event.listens_for(api.app.state.engine.sync_engine, "before_cursor_execute")  # type: ignore[attr-defined]
    listen(lambda _conn, _cursor, statement, *_: statements.append(statement))

    read = api.get("/api/v1/products/sku-1")

    assert read.json() == {"sku": "sku-1", "on_hand": 5, "reserved": 0, "available": 5}
    # No aiosqlite thread hop, no BEGIN IMMEDIATE queueing behind a writer for the write lock.
    assert statements == []


def test_setting_stock_still_answers_with_what_it_committed(api: TestClient) -> None:
    assert api.put("/api/v1/products/sku-2", json={"on_hand": 5}).json()["on_hand"] == 5

    changed = api.put("/api/v1/products/sku-2", json={"on_hand": 7})

    assert changed.json() == {"sku": "sku-2", "on_hand": 7, "reserved": 0, "available": 7}
