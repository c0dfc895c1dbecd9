"""The checks at test scale, against the PEXes Pants packages into the test sandbox."""

from pathlib import Path

import pytest

from reliability.run import QUICK, Scale

# Pants lays tests out at their repo paths, with packaged PEXes (modules.<m>/<m>.pex) at the root.
SANDBOX_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def pex_dir() -> Path:
    return SANDBOX_ROOT


@pytest.fixture
def scale() -> Scale:
    return QUICK
