"""Contract changes are sorted into breaking and additive."""

import copy
from typing import Any

from common.openapi_diff import compare

BASE: dict[str, Any] = {
    "paths": {
        "/things": {
            "post": {
                "parameters": [
                    {"in": "query", "name": "dry_run", "required": False, "schema": {"type": "boolean"}}
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ThingCreate"}}},
                },
                "responses": {
                    "201": {
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}
                    }
                },
            }
        },
        "/things/{id}": {
            "get": {"responses": {"200": {"description": "ok"}, "404": {"description": "missing"}}}
        },
    },
    "components": {
        "schemas": {
            "ThingCreate": {
                "type": "object",
                "properties": {"name": {"type": "string", "maxLength": 64}, "size": {"type": "integer"}},
                "required": ["name"],
            },
            "Thing": {
                "type": "object",
                "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
                "required": ["id", "name"],
            },
        }
    },
}


def changed(edit: Any) -> tuple[list[str], list[str]]:
    new = copy.deepcopy(BASE)
    edit(new)
    return compare(BASE, new)


def test_identical_documents_have_no_changes() -> None:
    assert compare(BASE, copy.deepcopy(BASE)) == ([], [])


def test_a_removed_path_or_response_field_is_breaking() -> None:
    breaking, _ = changed(lambda d: d["paths"].pop("/things/{id}"))
    assert breaking == ["GET /things/{id}: operation removed"]

    breaking, _ = changed(lambda d: d["components"]["schemas"]["Thing"]["properties"].pop("name"))
    assert "POST /things response 201: field `name` removed" in breaking


def test_a_new_required_input_is_breaking_and_an_optional_one_additive() -> None:
    def require_size(d: Any) -> None:
        d["components"]["schemas"]["ThingCreate"]["required"].append("size")

    def add_colour(d: Any) -> None:
        d["components"]["schemas"]["ThingCreate"]["properties"]["colour"] = {"type": "string"}

    assert changed(require_size)[0] == ["POST /things request body: field `size` became required"]
    assert changed(add_colour) == ([], ["POST /things request body: field `colour` added"])


def test_a_narrowed_type_is_breaking() -> None:
    def shorten(d: Any) -> None:
        d["components"]["schemas"]["ThingCreate"]["properties"]["name"]["maxLength"] = 10

    def retype(d: Any) -> None:
        d["components"]["schemas"]["ThingCreate"]["properties"]["size"]["type"] = "string"

    assert changed(shorten)[0] == ["POST /things request body.name: maxLength 64 -> 10"]
    assert changed(retype)[0] == ["POST /things request body.size: type changed from integer to string"]


def test_a_new_operation_or_response_field_is_additive() -> None:
    def add_delete(d: Any) -> None:
        d["paths"]["/things/{id}"]["delete"] = {"responses": {"204": {"description": "gone"}}}

    def add_created_at(d: Any) -> None:
        d["components"]["schemas"]["Thing"]["properties"]["created_at"] = {"type": "string"}

    assert changed(add_delete) == ([], ["DELETE /things/{id}: operation added"])
    assert changed(add_created_at) == ([], ["POST /things response 201: field `created_at` added"])
