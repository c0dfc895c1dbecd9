"""The id of the request being served, visible to logs and outgoing facade calls."""

import re
import uuid
from contextvars import ContextVar

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

current_request_id: ContextVar[str | None] = ContextVar("current_request_id", default=None)


def accept_or_generate_request_id(incoming: str | None) -> str:
    """The caller's id if it is a sane token, otherwise a fresh one (never trust arbitrary input in logs)."""
    if incoming and _VALID_REQUEST_ID.match(incoming):
        return incoming
    return uuid.uuid4().hex
