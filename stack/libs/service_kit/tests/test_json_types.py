"""JsonInt accepts JSON integers only, as the OpenAPI document's `"type": "integer"` says; Identifier
only printable, bounded ids."""

import pytest
from pydantic import BaseModel, ValidationError

from service_kit.json_types import Identifier, JsonInt


class Line(BaseModel):
    quantity: JsonInt


def test_json_integers_are_accepted() -> None:
    assert Line.model_validate_json('{"quantity": 3}').quantity == 3


@pytest.mark.parametrize("raw", ["true", "false", '"3"', "3.5", "null"])
def test_booleans_strings_fractions_and_null_are_refused(raw: str) -> None:
    with pytest.raises(ValidationError):
        Line.model_validate_json(f'{{"quantity": {raw}}}')


class Reference(BaseModel):
    id: Identifier


@pytest.mark.parametrize("raw", ["sku-1", "A.b:c_d", "9" * 64])
def test_printable_bounded_identifiers_are_accepted(raw: str) -> None:
    assert Reference(id=raw).id == raw


@pytest.mark.parametrize("raw", ["", "-leading-dash", "with space", "new\nline", "x" * 65, "é"])
def test_empty_long_or_unsafe_identifiers_are_refused(raw: str) -> None:
    with pytest.raises(ValidationError):
        Reference(id=raw)
