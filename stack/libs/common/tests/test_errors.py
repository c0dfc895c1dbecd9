"""An unexpected exception becomes a JSON 500 without leaking the traceback."""

from fastapi import FastAPI
from fastapi.testclient import TestClient

from common.errors import install_error_handlers


def test_unhandled_exceptions_become_a_json_500_without_details() -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret connection string")

    response = TestClient(app, raise_server_exceptions=False).get("/boom")

    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error."}
    assert "secret" not in response.text
