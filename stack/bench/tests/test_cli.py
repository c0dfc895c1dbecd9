"""bench.run's command line: sections, scales and numbers are checked before anything runs."""

from pathlib import Path

import pytest

from bench.processes import ensure_keys, identity_env, mint_token, pex_path
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
        (
            ["--only", "service,speed"],
            "unknown section(s) speed; choose from service, tracing, instructions, facade",
        ),
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
    assert "service, tracing, instructions, facade, start, events, pants, images, make-test" in (
        capsys.readouterr().out.replace("\n", " ").replace("  ", " ")
    )


def test_pex_paths_follow_pants_dist_layout() -> None:
    assert pex_path(Path("/r"), "modules/orders:orders") == Path("/r/dist/modules.orders/orders.pex")
    assert pex_path(Path("/r"), "stack/bench/probes:bare_orders") == Path(
        "/r/dist/stack.bench.probes/bare_orders.pex"
    )


def test_tokens_are_dev_tokens_of_the_bench_identity_signed_with_its_own_key(tmp_path: Path) -> None:
    import base64
    import json

    pex = Path("modules.orders/orders.pex")  # runtime_package_dependencies: at the sandbox root
    keys_dir = ensure_keys(pex, tmp_path / "keys")

    token = mint_token(pex, keys_dir, audience="orders")

    header, claims = (json.loads(base64.urlsafe_b64decode(part + "==")) for part in token.split(".")[:2])
    assert header["alg"] == "EdDSA" and header["kid"].startswith("bench:")
    assert (claims["sub"], claims["aud"], claims["dev"]) == ("bench", "orders", True)
    assert claims["exp"] - claims["iat"] == 3600
    jwks = json.loads((keys_dir / "public" / "jwks.json").read_text())
    assert header["kid"] in {key["kid"] for key in jwks["keys"]}
    assert identity_env(keys_dir, "shipping")["SHIPPING_SIGNING_KEY"].startswith(
        "-----BEGIN PRIVATE KEY-----"
    )
