"""BodySizeLimitMiddleware: oversized bodies are refused with 413 whether declared or streamed."""

from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from service_kit.body_limit import BodySizeLimitMiddleware


def echo_app(limit: int) -> TestClient:
    app = FastAPI()
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=limit)

    @app.post("/echo")
    async def echo(request: Request) -> dict[str, int]:
        return {"received": len(await request.body())}

    return TestClient(app)


def test_a_body_within_the_limit_reaches_the_app() -> None:
    assert echo_app(limit=10).post("/echo", content=b"x" * 10).json() == {"received": 10}


def test_a_declared_oversized_body_is_413_naming_the_limit() -> None:
    response = echo_app(limit=10).post("/echo", content=b"x" * 11)

    assert response.status_code == 413
    assert "10 bytes" in response.json()["detail"]


def test_a_streamed_oversized_body_is_413() -> None:
    response = echo_app(limit=10).post("/echo", content=(b"xxxx" for _ in range(5)))

    assert response.status_code == 413


def test_a_non_numeric_content_length_is_400() -> None:
    response = echo_app(limit=10).post("/echo", content=b"x", headers={"content-length": "abc"})

    assert response.status_code == 400
