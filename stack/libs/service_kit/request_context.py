"""The id of the request being served, visible to logs and outgoing facade calls."""

import random
import re
from contextvars import ContextVar

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

_getrandbits = random.getrandbits
current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)


def accept_or_generate_request_id(incoming: str | None) -> str:
    """The caller's id if it is a sane token, otherwise a fresh one (never trust arbitrary input in logs)."""
    if incoming and _VALID_REQUEST_ID.match(incoming):
        return incoming
    return new_request_id()


# A UUID's version (4, in bits 76-79) and RFC 4122 variant (bits 62-63), set on 128 random bits.
_UUID4_KEEP = ~(0xF000 << 64) & ~(0xC000 << 48)
_UUID4_SET = 0x4000 << 64 | 0x8000 << 48


def new_request_id() -> str:
    """`uuid.uuid4().hex`: 32 hex digits with a version 4 UUID's bits. From `random.getrandbits`,
    as OpenTelemetry makes trace ids, not the OS's generator: a request id correlates log lines and
    grants nothing, so it need not be unpredictable (0.2 µs against 0.7 for `os.urandom`'s system
    call; a `uuid.UUID` object would cost more again)."""
    return (_getrandbits(128) & _UUID4_KEEP | _UUID4_SET).to_bytes(16, "big").hex()
