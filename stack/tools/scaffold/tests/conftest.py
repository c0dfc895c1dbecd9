"""Fixtures of the scaffolder's tests."""

from pathlib import Path

import pytest

from scaffold.tests.scratch_repo import write_scratch_repo


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The scratch repository, without git."""
    return write_scratch_repo(tmp_path)
