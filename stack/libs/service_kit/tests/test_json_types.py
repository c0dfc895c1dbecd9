"""JsonInt accepts JSON integers only, as the OpenAPI document's `"type": "integer"` says; Identifier
only printable, bounded ids; require_totals_within refuses lines of one key that add up past a limit."""

import pytest
from pydantic import BaseModel, ValidationError

from service_kit.json_types import Identifier, JsonInt, require_totals_within


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


def test_lines_of_one_key_within_the_limit_together_are_accepted() -> None:
    require_totals_within([("a", 600), ("b", 1000), ("a", 400)], 1000, "sku")


def test_lines_of_one_key_adding_up_past_the_limit_are_refused_naming_each_key_sorted() -> None:
    lines = [("b", 999), ("a", 600), ("c", 5), ("b", 2), ("a", 401)]

    with pytest.raises(ValueError) as refused:
        require_totals_within(lines, 1000, "product")

    assert str(refused.value) == "the lines of one product may add up to at most 1000; over it: a, b"
