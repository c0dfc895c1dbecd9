"""An unexpected exception becomes a JSON 500 without leaking the traceback."""

from fastapi import FastAPI
from fastapi.testclient import TestClient

from service_kit.problems import install_problem_handlers


def test_unhandled_exceptions_become_a_json_500_without_details() -> None:
    app = FastAPI()
    install_problem_handlers(app, {})

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret connection string")

    response = TestClient(app, raise_server_exceptions=False).get("/boom")

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
        "detail": "Internal server error.",
        "instance": "/boom",
        "request_id": None,
    }
    assert "secret" not in response.text
