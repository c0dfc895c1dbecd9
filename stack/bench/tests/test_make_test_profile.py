import json
from pathlib import Path

from bench.make_test_profile import OTHER, kind_of, load_runs, markdown, short, summarise


def process(description: str, seconds: float, source: str = "Ran", elapsed_ms: int = 0) -> dict[str, object]:
    return {
        "name": "process",
        "description": f"Scheduling: {description}",
        "duration_secs": int(seconds),
        "duration_nanos": int(round((seconds % 1) * 1e9)),
        "metadata": {"source": source, "total_elapsed_ms": elapsed_ms},
    }


def test_processes_are_grouped_by_kind_with_slow_tests_apart() -> None:
    assert kind_of("Scheduling: Run Pytest for stack/system/tests/test_make_dev.py:../tests").startswith(
        "pytest: system"
    )
    assert kind_of("Run Pytest for modules/orders/backend/tests/e2e/test_pex.py:../../../e2e").startswith(
        "pytest: system"
    )
    assert kind_of(
        "Run Pytest for batch of modules/orders/backend/tests/unit/test_a.py:x and 3 other files"
    ) == ("pytest: unit, integration, contract")
    assert kind_of("Run MyPy on 95 files.") == "mypy (one run per resolve)"
    assert kind_of(
        "Building 48 requirements for orders.pex from the 3rdparty/python/orders.lock resolve"
    ) == ("venvs and PEXes from lockfiles")
    assert kind_of("Sleep a while") == OTHER


def test_time_run_and_time_saved_by_the_cache_are_summed_apart_and_goals_keep_their_wall_time() -> None:
    runs = [
        [
            process("Run MyPy on 95 files.", 40.5),
            process("Run MyPy on 44 files.", 1.0, source="HitLocally", elapsed_ms=30_000),
            process("Run Pytest for stack/reliability/tests/test_durability.py:../tests", 19.25),
            {"name": "pants.core.goals.test.run_tests", "description": "`test` goal", "duration_secs": 70},
            {"name": "something.else", "description": "Parse stuff", "duration_secs": 99},
        ],
        [process("Run Black on 3 files.", 0.5)],
    ]

    profile = summarise(runs, slowest=2)

    mypy = profile.kinds["mypy (one run per resolve)"]
    assert (mypy.ran, mypy.ran_seconds, mypy.cached, mypy.cached_seconds) == (1, 40.5, 1, 30.0)
    assert profile.kinds["lint and format (black, ruff)"].ran == 1
    assert profile.goals == {"test": 70.0}
    assert [d for _, d in profile.slowest] == [
        "Run MyPy on 95 files.",
        "Run Pytest for stack/reliability/tests/test_durability.py:../tests",
    ]
    text = markdown(profile)
    assert "`test` 70.0 s" in text and "| mypy (one run per resolve) | 1 | 40.5 s | 1 | 30.0 s |" in text


def test_every_run_the_logger_wrote_is_read(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps([process("Run MyPy on 1 files.", 1.0)]))
    (tmp_path / "b.json").write_text(json.dumps([process("Run MyPy on 2 files.", 2.0)]))

    assert summarise(load_runs(tmp_path)).kinds["mypy (one run per resolve)"].ran == 2


def test_the_slowest_name_a_lockfile_build_by_its_pex_and_resolve_without_the_requirement_list() -> None:
    build = (
        "Building 19 requirements for modules.orders/orders.pex from the 3rdparty/python/orders.lock resolve"
    )
    runs = [[process(f"{build}: aiosqlite==0.22.1, alembic==1.20.1, uvicorn==0.54.0", 260.0)]]

    assert summarise(runs).slowest == [(260.0, build)]
    assert short("Scheduling: Run MyPy on 25 files.") == "Run MyPy on 25 files."
