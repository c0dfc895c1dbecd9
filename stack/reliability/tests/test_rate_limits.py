from pathlib import Path

from reliability.checks import rate_limits
from reliability.run import Scale


def test_with_rate_limits_on_429s_carry_retry_after_and_honouring_it_gets_through(
    pex_dir: Path, tmp_path: Path, scale: Scale
) -> None:
    result = rate_limits(
        pex_dir, tmp_path, scale.rate_limit_burst, scale.beyond_rate_limit, scale.honoured_retries
    )

    assert result.sent == scale.rate_limit_burst + scale.beyond_rate_limit
    assert result.burst <= result.allowed <= result.limit_allows, result
    assert result.limited == result.sent - result.allowed > 0, result
    assert result.with_retry_after == result.statuses[429], result.retry_after_values
    assert result.refused_at_once == result.retried_at_once == scale.honoured_retries, result
    assert result.honoured_succeeded == result.honoured == scale.honoured_retries, result
    assert result.statuses.keys() == {200, 429}, result
    assert result.ok
