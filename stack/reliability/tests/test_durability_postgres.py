import os
from pathlib import Path

import pytest

from common.testing.postgres import INSTALL_HINT, find_postgres_bin
from reliability.run import Scale
from reliability.tests.test_durability_with_retries import check_retries_across_kill_9


def test_creates_retried_with_their_key_across_kill_9_leave_one_order_each_on_postgres(
    pex_dir: Path, tmp_path: Path, scale: Scale
) -> None:
    if find_postgres_bin() is None:
        reason = f"no PostgreSQL on this machine: {INSTALL_HINT}"
        if os.environ.get("CI", "").lower() in ("true", "1"):
            pytest.fail(f"{reason}; CI must run the kill -9 check on PostgreSQL")
        pytest.skip(f"SKIPPED LOUDLY: the kill -9 check did NOT run on PostgreSQL, {reason}")
    check_retries_across_kill_9(pex_dir, tmp_path, scale, "postgresql")
