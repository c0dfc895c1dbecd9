"""Compare two OpenAPI documents of a service and sort the differences into breaking and additive.

Breaking: a removed operation, parameter, request or response field or status; a new required
input; a narrowed type (changed type, fewer enum values in a request, tighter limits, a field
no longer guaranteed in a response). Additive: everything else that changed.
"""

from typing import Any

Document = dict[str, Any]
_LIMITS_TIGHTER_WHEN_LOWER = ("maximum", "exclusiveMaximum", "maxLength", "maxItems")
_LIMITS_TIGHTER_WHEN_HIGHER = ("minimum", "exclusiveMinimum", "minLength", "minItems")
_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def compare(old: Document, new: Document) -> tuple[list[str], list[str]]:
    breaking: list[str] = []
    additive: list[str] = []
    old_ops, new_ops = _operations(old), _operations(new)
    for key in sorted(old_ops.keys() - new_ops.keys()):
        breaking.append(f"{key}: operation removed")
    for key in sorted(new_ops.keys() - old_ops.keys()):
        additive.append(f"{key}: operation added")
    for key in sorted(old_ops.keys() & new_ops.keys()):
        _compare_operation(key, old_ops[key], new_ops[key], old, new, breaking, additive)
    if old != new and not breaking and not additive:
        additive.append("descriptions, examples or other metadata changed")
    return breaking, additive


def _operations(document: Document) -> dict[str, Document]:
    return {
        f"{method.upper()} {path}": operation
        for path, item in document.get("paths", {}).items()
        for method, operation in item.items()
        if method in _METHODS
    }


def _compare_operation(
    key: str,
    old: Document,
    new: Document,
    old_doc: Document,
    new_doc: Document,
    breaking: list[str],
    additive: list[str],
) -> None:
    old_params = {(p["in"], p["name"]): p for p in old.get("parameters", [])}
    new_params = {(p["in"], p["name"]): p for p in new.get("parameters", [])}
    for where, name in sorted(old_params.keys() - new_params.keys()):
        breaking.append(f"{key}: {where} parameter `{name}` removed")
    for param_key in sorted(new_params.keys() - old_params.keys()):
        where, name = param_key
        if new_params[param_key].get("required"):
            breaking.append(f"{key}: required {where} parameter `{name}` added")
        else:
            additive.append(f"{key}: optional {where} parameter `{name}` added")
    for param_key in sorted(old_params.keys() & new_params.keys()):
        old_p, new_p = old_params[param_key], new_params[param_key]
        if new_p.get("required") and not old_p.get("required"):
            breaking.append(f"{key}: {param_key[0]} parameter `{param_key[1]}` became required")
        _compare_schema(
            f"{key} {param_key[0]} `{param_key[1]}`", old_p.get("schema", {}), new_p.get("schema", {}),
            old_doc, new_doc, "request", breaking, additive,
        )  # fmt: skip
    old_body = _json_schema(old.get("requestBody", {}))
    new_body = _json_schema(new.get("requestBody", {}))
    if old_body is not None or new_body is not None:
        if old_body is None:
            (breaking if new.get("requestBody", {}).get("required") else additive).append(
                f"{key}: request body added"
            )
        elif new_body is None:
            breaking.append(f"{key}: request body removed")
        else:
            _compare_schema(
                f"{key} request body", old_body, new_body, old_doc, new_doc, "request", breaking, additive
            )
    old_responses, new_responses = old.get("responses", {}), new.get("responses", {})
    for status in sorted(old_responses.keys() - new_responses.keys()):
        breaking.append(f"{key}: response {status} removed")
    for status in sorted(new_responses.keys() - old_responses.keys()):
        additive.append(f"{key}: response {status} added")
    for status in sorted(old_responses.keys() & new_responses.keys()):
        old_schema, new_schema = _json_schema(old_responses[status]), _json_schema(new_responses[status])
        if old_schema is not None and new_schema is not None:
            _compare_schema(
                f"{key} response {status}",
                old_schema,
                new_schema,
                old_doc,
                new_doc,
                "response",
                breaking,
                additive,
            )


def _json_schema(holder: Document) -> Document | None:
    content = holder.get("content", {})
    for media_type in ("application/json", "application/problem+json"):
        if media_type in content:
            schema: Document = content[media_type].get("schema", {})
            return schema
    return None


def _resolve(schema: Document, document: Document) -> Document:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document.get("components", {}).get("schemas", {}).get(name, {})
    return schema


def _compare_schema(
    where: str,
    old: Document,
    new: Document,
    old_doc: Document,
    new_doc: Document,
    direction: str,
    breaking: list[str],
    additive: list[str],
    depth: int = 0,
) -> None:
    if depth > 20:  # recursive schemas
        return
    old, new = _resolve(old, old_doc), _resolve(new, new_doc)
    if old.get("type") != new.get("type") and "type" in old and "type" in new:
        breaking.append(f"{where}: type changed from {old['type']} to {new['type']}")
        return
    old_enum, new_enum = set(old.get("enum", [])), set(new.get("enum", []))
    if old_enum or new_enum:
        if direction == "request" and old_enum - new_enum:
            breaking.append(f"{where}: accepted values removed: {sorted(old_enum - new_enum)}")
        if direction == "response" and new_enum - old_enum:
            breaking.append(f"{where}: new values clients may not handle: {sorted(new_enum - old_enum)}")
        if direction == "request" and new_enum - old_enum:
            additive.append(f"{where}: accepted values added: {sorted(new_enum - old_enum)}")
    if direction == "request":
        for limit in _LIMITS_TIGHTER_WHEN_LOWER + _LIMITS_TIGHTER_WHEN_HIGHER:
            if old.get(limit) == new.get(limit):
                continue
            lowered = limit in _LIMITS_TIGHTER_WHEN_LOWER
            tighter = new.get(limit) is not None and (
                old.get(limit) is None or (new[limit] < old[limit] if lowered else new[limit] > old[limit])
            )
            (breaking if tighter else additive).append(
                f"{where}: {limit} {old.get(limit)} -> {new.get(limit)}"
            )
        if old.get("pattern") != new.get("pattern"):
            breaking.append(f"{where}: pattern changed to {new.get('pattern')!r}")
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
    for name in sorted(old_props.keys() - new_props.keys()):
        breaking.append(f"{where}: field `{name}` removed")
    for name in sorted(new_props.keys() - old_props.keys()):
        if direction == "request" and name in new_required:
            breaking.append(f"{where}: new required field `{name}`")
        else:
            additive.append(f"{where}: field `{name}` added")
    for name in sorted(old_props.keys() & new_props.keys()):
        if direction == "request" and name in new_required - old_required:
            breaking.append(f"{where}: field `{name}` became required")
        if direction == "response" and name in old_required - new_required:
            breaking.append(f"{where}: field `{name}` no longer always present")
        _compare_schema(
            f"{where}.{name}",
            old_props[name],
            new_props[name],
            old_doc,
            new_doc,
            direction,
            breaking,
            additive,
            depth + 1,
        )
    if "items" in old and "items" in new:
        _compare_schema(
            f"{where}[]",
            old["items"],
            new["items"],
            old_doc,
            new_doc,
            direction,
            breaking,
            additive,
            depth + 1,
        )
