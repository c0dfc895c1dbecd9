"""Field types for JSON request bodies that accept exactly what the OpenAPI document promises.

Pydantic's lax mode turns `true` and `"1"` into 1 for an `int` field, while the document says
`"type": "integer"`: a client relying on that would break on any other implementation.
"""

from typing import Annotated

from pydantic import Strict

# A JSON integer: refuses booleans, numeric strings and floats with 422.
JsonInt = Annotated[int, Strict()]
