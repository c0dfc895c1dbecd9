"""JsonInt accepts JSON integers only, as the OpenAPI document's `"type": "integer"` says."""

import pytest
from pydantic import BaseModel, ValidationError

from service_kit.json_types import JsonInt


class Line(BaseModel):
    quantity: JsonInt


def test_json_integers_are_accepted() -> None:
    assert Line.model_validate_json('{"quantity": 3}').quantity == 3


@pytest.mark.parametrize("raw", ["true", "false", '"3"', "3.5", "null"])
def test_booleans_strings_fractions_and_null_are_refused(raw: str) -> None:
    with pytest.raises(ValidationError):
        Line.model_validate_json(f'{{"quantity": {raw}}}')
