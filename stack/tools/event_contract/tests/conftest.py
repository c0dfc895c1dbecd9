"""A scratch publisher, `shop`: its manifest under modules/ and its events package on sys.path."""

import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

PublisherFactory = Callable[[str], Path]
MODULE = "shop"


def _forget_shop() -> None:
    for name in [n for n in sys.modules if n == MODULE or n.startswith(f"{MODULE}.")]:
        del sys.modules[name]


@pytest.fixture
def publisher(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PublisherFactory]:
    """Writes `shop`'s backend/public/events.py (the source given) and returns the repository root;
    call it again to change the events, as an edit between two runs would."""
    root = tmp_path / "repo"
    (root / "modules" / MODULE).mkdir(parents=True)
    (root / "modules" / MODULE / "module.toml").write_text('version = "0.3.0"\n')
    package = root / "modules" / MODULE / "backend" / "public"
    package.mkdir(parents=True)
    for directory in (package.parents[1], package.parent, package):
        (directory / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(root / "modules"))

    def write_events(source: str) -> Path:
        (package / "events.py").write_text(source)
        # An edit within the same second and of the same size would otherwise load the stale bytecode.
        shutil.rmtree(package / "__pycache__", ignore_errors=True)
        _forget_shop()
        return root

    yield write_events
    _forget_shop()
