"""Field types for JSON request bodies that accept exactly what the OpenAPI document promises.

Pydantic's lax mode turns `true` and `"1"` into 1 for an `int` field, while the document says
`"type": "integer"`: a client relying on that would break on any other implementation.
"""

from typing import Annotated

from pydantic import Field, Strict

# A JSON integer: refuses booleans, numeric strings and floats with 422.
JsonInt = Annotated[int, Strict()]
# An identifier from another system (a SKU, a customer id): printable, bounded, safe in URLs,
# logs and every SQL backend; anything else is refused with 422 naming the pattern.
IDENTIFIER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"
IDENTIFIER_MAX_LENGTH = 64
Identifier = Annotated[str, Field(min_length=1, max_length=IDENTIFIER_MAX_LENGTH, pattern=IDENTIFIER_PATTERN)]
