from pathlib import Path

from reliability.checks import LOSE_FIRST_ANSWER_EVERY, RetryDurabilityResult, durability_with_retries
from reliability.run import Scale


def check_retries_across_kill_9(
    pex_dir: Path, work_dir: Path, scale: Scale, engine: str
) -> RetryDurabilityResult:
    result = durability_with_retries(pex_dir, work_dir, scale.orders_before_kill, scale.load_workers, engine)

    assert result.acknowledged == scale.orders_before_kill, result.gave_up
    assert 0 < result.acknowledged_before_kill < result.acknowledged, "the kill was not mid-run"
    assert result.retried_keys > 0 and result.unanswered_attempts > 0, "no create was retried across the kill"
    assert result.answers_lost == scale.orders_before_kill // LOSE_FIRST_ANSWER_EVERY
    assert result.replayed >= result.answers_lost, result
    assert (result.duplicates, result.missing, result.stored_orders) == (
        0,
        [],
        scale.orders_before_kill,
    ), result
    assert result.server_errors == 0, result
    assert result.ok
    return result


def test_creates_retried_with_their_key_across_kill_9_leave_one_order_each_on_sqlite(
    pex_dir: Path, tmp_path: Path, scale: Scale
) -> None:
    check_retries_across_kill_9(pex_dir, tmp_path, scale, "sqlite")
