"""bench.run's command line: sections, scales and numbers are checked before anything runs."""

from pathlib import Path

import pytest

from bench.processes import mint_token, pex_path
from bench.run import DEFAULT_SECTIONS, parse_args


def test_defaults_measure_everything_but_make_test() -> None:
    args = parse_args(["--root", "."])
    assert args.only == list(DEFAULT_SECTIONS) and "make-test" not in args.only
    assert args.modules == [0, 10, 50]


def test_sections_and_scales_are_chosen() -> None:
    argv = [
        "--only",
        "service, pants",
        "--modules",
        "10",
        "--duration",
        "2.5",
        "--full-test-max-modules",
        "13",
    ]
    args = parse_args(["--root", ".", *argv])
    assert (args.only, args.modules, args.duration) == (["service", "pants"], [10], 2.5)
    assert args.full_test_max_modules == 13


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--only", "service,speed"], "unknown section(s) speed; choose from service, tracing, facade"),
        (["--only", ","], "unknown section(s) (none given)"),
        (["--modules", "ten"], "comma-separated counts"),
        (["--modules", "500"], "counts must be 0..200"),
        (["--duration", "0"], "expected a positive number, got '0'"),
        (["--rounds", "two"], "expected a positive number, got 'two'"),
    ],
)
def test_bad_arguments_exit_2_naming_the_problem(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse_args(["--root", ".", *argv])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_help_lists_the_sections(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse_args(["--help"])
    assert "service, tracing, facade, start, pants, images, make-test" in capsys.readouterr().out


def test_pex_paths_follow_pants_dist_layout() -> None:
    assert pex_path(Path("/r"), "modules/orders:orders") == Path("/r/dist/modules.orders/orders.pex")
    assert pex_path(Path("/r"), "stack/bench/probes:bare_orders") == Path(
        "/r/dist/stack.bench.probes/bare_orders.pex"
    )


def test_tokens_are_hs256_jwts_for_the_audience() -> None:
    import base64
    import hashlib
    import hmac
    import json

    token = mint_token("s" * 32, caller="bench", audience="orders")
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    assert (claims["sub"], claims["aud"]) == ("bench", "orders") and claims["exp"] > claims["iat"]
    expected = hmac.new(b"s" * 32, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    assert base64.urlsafe_b64decode(signature + "==") == expected
