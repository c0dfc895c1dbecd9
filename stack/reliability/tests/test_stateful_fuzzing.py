from pathlib import Path

from reliability.checks import READ, SETTLED_AGAIN, stateful_fuzzing
from reliability.run import Scale

CREATED = "POST /api/v1/orders -> [201] "


def test_sequences_from_create_through_read_to_confirm_and_cancel_break_no_check(
    pex_dir: Path, tmp_path: Path, scale: Scale
) -> None:
    result = stateful_fuzzing(pex_dir, tmp_path, scale.stateful_scenarios)

    assert result.steps > scale.stateful_scenarios, result
    # Real ids went from each answer into the next call: created orders were read, confirmed, cancelled.
    for link in ("GetOrder", "ConfirmOrder", "CancelOrder"):
        assert result.linked_successes(CREATED + link) > 0, (link, result.linked)
    assert result.linked_successes(READ) > 0, result.linked
    # An order confirmed or cancelled is settled: the other transition is refused.
    assert sum(result.linked_successes(link) for link in SETTLED_AGAIN) == 0, result.linked
    assert result.server_errors == 0, result
    assert result.failures == {}, "\n\n".join(f"{k}:\n{v}" for k, v in result.failures.items())
    assert result.ok
