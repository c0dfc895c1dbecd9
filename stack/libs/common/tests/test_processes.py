"""common.testing.processes: the one process helper of the e2e tests, the bench and the reliability checks."""

import http.server
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from common.testing.processes import (
    KitCommandFailed,
    NotAnswering,
    free_port,
    mint_dev_tokens,
    run_kit,
    start_pex,
    wait_until_answers,
)


@pytest.fixture
def answering_url() -> Iterator[str]:
    """A loopback server answering 200 on /ready and 404 elsewhere."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/ready" else 404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def fake_pex(tmp_path: Path, source: str) -> Path:
    """A script run as `python <pex>`, as a PEX is; it sees PEX_MODULE like a PEX's entry point."""
    script = tmp_path / "fake.pex"
    script.write_text(source)
    return script


def test_waiting_returns_once_the_url_answers_200(answering_url: str) -> None:
    wait_until_answers(f"{answering_url}/ready", alive=lambda: True, timeout=10)


def test_waiting_on_a_url_that_never_answers_200_times_out(answering_url: str) -> None:
    with pytest.raises(NotAnswering, match="did not answer 200 within 0.3 s"):
        wait_until_answers(f"{answering_url}/missing", alive=lambda: True, timeout=0.3, interval=0.05)


def test_waiting_stops_as_soon_as_the_service_is_gone() -> None:
    with pytest.raises(NotAnswering, match="stopped before it answered"):
        wait_until_answers(f"http://127.0.0.1:{free_port()}/ready", alive=lambda: False, timeout=30)


def test_a_started_pex_gets_exactly_its_env_and_writes_to_its_log(tmp_path: Path) -> None:
    pex = fake_pex(tmp_path, "import os, sys\nprint(sorted(os.environ))\nprint('err', file=sys.stderr)\n")
    log = tmp_path / "service.log"

    assert start_pex(pex, {"ONLY": "1"}, log).wait(timeout=30) == 0
    assert start_pex(pex, {"ONLY": "1"}, log, append=True).wait(timeout=30) == 0

    assert log.read_text().count("err") == 2 and "ONLY" in log.read_text()


def test_a_failing_kit_command_names_the_module_and_its_stderr(tmp_path: Path) -> None:
    pex = fake_pex(
        tmp_path, "import os, sys\nprint(os.environ['PEX_MODULE'], 'refused', file=sys.stderr)\nsys.exit(3)\n"
    )

    with pytest.raises(
        KitCommandFailed,
        match=r"service_kit.keys \(in fake.pex\) failed with exit 3: service_kit.keys refused",
    ):
        run_kit(pex, "service_kit.keys", pex_root=tmp_path / "pex_root")


def test_one_run_of_the_kit_mints_a_token_per_audience(tmp_path: Path) -> None:
    # Prints one line per --audience, as service_kit.auth does.
    pex = fake_pex(
        tmp_path,
        "import sys\nargs = sys.argv[1:]\n"
        "[print('token-for-' + args[i + 1]) for i, a in enumerate(args) if a == '--audience']\n",
    )

    tokens = mint_dev_tokens(
        pex,
        tmp_path / "bench.pem",
        "bench",
        ["orders", "shipping"],
        ttl_seconds=60,
        pex_root=tmp_path,
        python=sys.executable,
    )

    assert tokens == {"orders": "token-for-orders", "shipping": "token-for-shipping"}
