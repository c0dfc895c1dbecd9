"""Sort the differences between two AsyncAPI documents of a module's events into breaking and additive.

An HTTP response is read by clients of one version; an event is read by consumers that may run the
release before the producer's (a rolling deploy) and by consumers after it (events waiting in the
broker, dead letters replayed). So a change is breaking when either reader fails: a removed
channel; a changed type, enum, const, pattern, format or limit; a field added where the old schema
forbids extra fields (Event does: extra="forbid"), added as required, removed, or made required or
optional. Additive: a new channel, a new optional field where extras are allowed, and descriptions.
A breaking change is published as a new version (`version = 2`: a new channel), keeping the old
class beside it while consumers move over.

Unlike common.openapi_diff, which judges requests and responses one way each, every rule here
holds both ways, hence its own walk over the schemas.
"""

from typing import Any

Document = dict[str, Any]
# Keywords whose every change rejects values some reader accepted, or accepts values it rejects.
_EXACT = (
    "enum",
    "const",
    "pattern",
    "format",
    "maxLength",
    "minLength",
    "maximum",
    "minimum",
    "exclusiveMaximum",
    "exclusiveMinimum",
    "maxItems",
    "minItems",
    "multipleOf",
)
_ALTERNATIVES = ("anyOf", "oneOf", "allOf")
_MAX_DEPTH = 20  # recursive models


def compare(old: Document, new: Document) -> tuple[list[str], list[str]]:
    breaking: list[str] = []
    additive: list[str] = []
    old_channels, new_channels = old.get("channels", {}), new.get("channels", {})
    for topic in sorted(old_channels.keys() - new_channels.keys()):
        breaking.append(
            f"{topic}: channel removed; its subscribers get nothing "
            "(publish the old version beside the new one)"
        )
    for topic in sorted(new_channels.keys() - old_channels.keys()):
        additive.append(f"{topic}: channel added")
    for topic in sorted(old_channels.keys() & new_channels.keys()):
        _compare(topic, _payload(old, topic), _payload(new, topic), old, new, breaking, additive, 0)
    if old != new and not breaking and not additive:
        additive.append("descriptions, titles or other metadata changed")
    return breaking, additive


def _payload(document: Document, topic: str) -> Document:
    """The payload schema of the channel's message (one message per channel)."""
    channel = document["channels"][topic]
    message = _resolve(next(iter(channel.get("messages", {}).values()), {}), document)
    payload: Document = message.get("payload", {})
    return payload


def _resolve(schema: Document, document: Document) -> Document:
    """Follow `$ref`s within the document (`#/components/...`)."""
    seen = 0
    while "$ref" in schema and seen <= _MAX_DEPTH:
        target: Any = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        schema, seen = target, seen + 1
    return schema


def _compare(
    where: str,
    old: Document,
    new: Document,
    old_doc: Document,
    new_doc: Document,
    breaking: list[str],
    additive: list[str],
    depth: int,
) -> None:
    if depth > _MAX_DEPTH:
        return
    old, new = _resolve(old, old_doc), _resolve(new, new_doc)
    if old.get("type") != new.get("type"):
        breaking.append(f"{where}: type changed from {old.get('type', 'any')} to {new.get('type', 'any')}")
        return
    for keyword in _EXACT:
        if old.get(keyword) != new.get(keyword):
            breaking.append(f"{where}: {keyword} changed from {old.get(keyword)!r} to {new.get(keyword)!r}")
    for keyword in _ALTERNATIVES:
        old_options, new_options = old.get(keyword, []), new.get(keyword, [])
        if len(old_options) != len(new_options):
            breaking.append(
                f"{where}: {keyword} changed from {len(old_options)} to {len(new_options)} options"
            )
            continue
        for index, (old_option, new_option) in enumerate(zip(old_options, new_options, strict=True)):
            _compare(
                f"{where}<{keyword}[{index}]>",
                old_option,
                new_option,
                old_doc,
                new_doc,
                breaking,
                additive,
                depth + 1,
            )
    _compare_fields(where, old, new, old_doc, new_doc, breaking, additive, depth)
    if "items" in old or "items" in new:
        _compare(
            f"{where}[]",
            old.get("items", {}),
            new.get("items", {}),
            old_doc,
            new_doc,
            breaking,
            additive,
            depth + 1,
        )


def _compare_fields(
    where: str,
    old: Document,
    new: Document,
    old_doc: Document,
    new_doc: Document,
    breaking: list[str],
    additive: list[str],
    depth: int,
) -> None:
    old_fields, new_fields = old.get("properties", {}), new.get("properties", {})
    old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
    for name in sorted(old_fields.keys() - new_fields.keys()):
        if name in old_required:
            breaking.append(f"{where}: required field `{name}` removed; consumers of the old version need it")
        elif new.get("additionalProperties") is False:
            breaking.append(
                f"{where}: field `{name}` removed; new consumers reject queued events that carry it"
            )
        else:
            additive.append(f"{where}: optional field `{name}` removed")
    for name in sorted(new_fields.keys() - old_fields.keys()):
        if old.get("additionalProperties") is False:
            breaking.append(
                f"{where}: field `{name}` added; consumers of the old version reject unknown fields"
            )
        elif name in new_required:
            breaking.append(f"{where}: required field `{name}` added; queued events lack it")
        else:
            additive.append(f"{where}: optional field `{name}` added")
    for name in sorted(old_fields.keys() & new_fields.keys()):
        if name in new_required - old_required:
            breaking.append(f"{where}: field `{name}` became required; queued events may lack it")
        if name in old_required - new_required:
            breaking.append(f"{where}: field `{name}` became optional; consumers of the old version need it")
        _compare(
            f"{where}.{name}",
            old_fields[name],
            new_fields[name],
            old_doc,
            new_doc,
            breaking,
            additive,
            depth + 1,
        )
