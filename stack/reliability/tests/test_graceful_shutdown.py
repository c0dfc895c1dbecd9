from pathlib import Path

from reliability.checks import graceful_shutdown
from reliability.run import Scale


def test_sigterm_lets_every_in_flight_request_finish(pex_dir: Path, tmp_path: Path, scale: Scale) -> None:
    result = graceful_shutdown(pex_dir, tmp_path / "sigterm", scale.in_flight_at_sigterm)

    assert result.created == scale.in_flight_at_sigterm, result
    assert (result.resets, result.other_errors) == (0, []), result
    assert result.exit_code == 0
    assert result.found_after_restart == result.created
    assert result.ok
