"""ASGI middleware that refuses request bodies above a size limit with a problem+json 413."""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service_kit.problems import PROBLEM_JSON, problem_bytes

_FRAMED_BY_LENGTH = frozenset({"1.0", "1.1"})


class BodySizeLimitMiddleware:
    """Answers 413 once a request body passes `max_bytes`, whether announced or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        declared = None
        chunked = False
        for name, value in scope["headers"]:
            if name == b"content-length":
                declared = value
            elif name == b"transfer-encoding":
                chunked = True
        if declared is not None:
            if not declared.isdigit():
                await _send_error(send, 400, "Content-Length must be a non-negative integer.")
                return
            if int(declared) > self.max_bytes:
                await _send_error(send, 413, self._too_large_detail())
                return
        if not chunked and scope.get("http_version") in _FRAMED_BY_LENGTH:
            # HTTP/1.x without Transfer-Encoding: the body is the declared length (checked above)
            # or, undeclared, empty (RFC 9112 6.3), and the server reads no more than that, so there
            # is nothing to count: no wrapped receive and send (two calls a request, GETs' too).
            await self.app(scope, receive, send)
            return

        received = 0
        too_large = False

        async def counting_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    too_large = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            # Once the body is known to be too large, the app's own answer is replaced by 413.
            if not too_large:
                await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not too_large:
                raise
        if too_large:
            await _send_error(send, 413, self._too_large_detail())

    def _too_large_detail(self) -> str:
        return f"Request body is larger than the limit of {self.max_bytes} bytes; send a smaller body."


async def _send_error(send: Send, status: int, detail: str) -> None:
    body = problem_bytes(status, detail)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
