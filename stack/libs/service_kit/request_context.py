"""The id of the request being served, visible to logs and outgoing facade calls."""

import os
import re
from contextvars import ContextVar

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)


def accept_or_generate_request_id(incoming: str | None) -> str:
    """The caller's id if it is a sane token, otherwise a fresh one (never trust arbitrary input in logs)."""
    if incoming and _VALID_REQUEST_ID.match(incoming):
        return incoming
    return new_request_id()


def new_request_id() -> str:
    """`uuid.uuid4().hex`, the same 32 hex digits with a version 4 UUID's bits, without building
    a UUID object (its checks and the `hex` property: most of generating an id)."""
    random_bytes = bytearray(os.urandom(16))
    random_bytes[6] = random_bytes[6] & 0x0F | 0x40  # version 4
    random_bytes[8] = random_bytes[8] & 0x3F | 0x80  # RFC 4122 variant
    return random_bytes.hex()
