"""Replacing a file's text so that a reader never sees half of it."""

from pathlib import Path


def replace_text(path: Path, text: str) -> None:
    """Write via a temp file beside it and rename; a no-op when the text is already there."""
    if path.exists() and path.read_text() == text:
        return
    temporary = path.with_name(f".{path.name}.new")
    temporary.write_text(text)
    temporary.replace(path)
