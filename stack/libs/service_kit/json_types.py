"""Field types for JSON request bodies that accept exactly what the OpenAPI document promises.

Pydantic's lax mode turns `true` and `"1"` into 1 for an `int` field, while the document says
`"type": "integer"`: a client relying on that would break on any other implementation.
`require_totals_within` is the check behind a body whose lines of one key add up to one quantity.
"""

from collections import Counter
from collections.abc import Iterable
from typing import Annotated

from pydantic import Field, Strict

# A JSON integer: refuses booleans, numeric strings and floats with 422.
JsonInt = Annotated[int, Strict()]
# An identifier from another system (a SKU, a customer id): printable, bounded, safe in URLs,
# logs and every SQL backend; anything else is refused with 422 naming the pattern.
IDENTIFIER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"
IDENTIFIER_MAX_LENGTH = 64
Identifier = Annotated[str, Field(min_length=1, max_length=IDENTIFIER_MAX_LENGTH, pattern=IDENTIFIER_PATTERN)]


def require_totals_within(lines: Iterable[tuple[str, int]], limit: int, noun: str) -> None:
    """Refuse, naming every such key (sorted), lines of one key whose quantities add up past `limit`.

    For a `model_validator` of a body whose lines of one key are held as one line (a reservation, an
    order's stock), which the per-line limit caps too: the ValueError becomes a 422 that says
    `the lines of one <noun> may add up to at most <limit>; over it: <keys>`.
    """
    totals: Counter[str] = Counter()
    for key, quantity in lines:
        totals[key] += quantity
    over = sorted(key for key, total in totals.items() if total > limit)
    if over:
        raise ValueError(f"the lines of one {noun} may add up to at most {limit}; over it: {', '.join(over)}")
