"""BodySizeLimitMiddleware: oversized bodies are refused with 413 whether declared or streamed."""

import asyncio

from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

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


async def _call(
    limit: int, http_version: str, headers: list[tuple[bytes, bytes]], chunks: list[bytes]
) -> tuple[list[Message], bool]:
    """The middleware around an app that reads the whole body, called directly over ASGI; what it
    sent, and whether the app got the server's own receive (nothing wrapped)."""
    got_own_receive = False
    pending = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]

    async def receive() -> Message:
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    async def app(scope: Scope, app_receive: Receive, send: Send) -> None:
        nonlocal got_own_receive
        got_own_receive = app_receive is receive
        while (await app_receive())["type"] == "http.request" and pending:
            pass
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "http_version": http_version, "method": "POST", "path": "/", "headers": headers}
    await BodySizeLimitMiddleware(app, max_bytes=limit)(scope, receive, send)
    return sent, got_own_receive


def test_over_http_1_a_body_of_known_length_is_passed_through_unwrapped() -> None:
    sent, unwrapped = asyncio.run(_call(10, "1.1", [(b"content-length", b"4")], [b"abcd"]))

    assert unwrapped and sent[0]["status"] == 200


def test_a_body_without_http_1_framing_is_still_counted_and_refused_past_the_limit() -> None:
    # HTTP/2 frames a body without Content-Length; so does Transfer-Encoding over HTTP/1.1.
    for http_version, headers in [("2", []), ("1.1", [(b"transfer-encoding", b"chunked")])]:
        sent, unwrapped = asyncio.run(_call(10, http_version, headers, [b"x" * 6, b"x" * 6]))

        assert not unwrapped and sent[0]["status"] == 413, http_version
