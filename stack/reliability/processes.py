"""Modules' PEXes as child processes on loopback, and their HTTP APIs as the checks drive them.

Each module keeps its port across restarts, so its callers' `<MODULE>_URL` stays valid after a
kill -9 and a restart; `System` starts the modules a check needs with one shared environment.
"""

import json
import os
import signal
import subprocess
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common.testing import processes as shared

# Re-exported: the checks and benchmarks import it from here.
from common.testing.processes import free_port as free_port

MODULES = ("inventory", "orders", "shipping")
# The checks call the services as this identity, with its own key beside the modules' keys.
CALLER = "reliability"
# Dev tokens (labelled, accepted only where PANTSTACK_ENVIRONMENT is local, as here): a full-scale
# check outlives a 15-minute service token.
TOKEN_TTL_SECONDS = 4 * 3600


@dataclass
class Api:
    url: str
    token: str

    def call(self, method: str, path: str, body: Any = None, timeout: float = 15) -> tuple[int, Any]:
        """(status, decoded JSON body) of one request with this API's bearer token."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.token}")
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def text(self, path: str) -> str:
        """The body of a GET that answers plain text (e.g. /metrics)."""
        with urllib.request.urlopen(self.url + path, timeout=15) as response:
            return str(response.read().decode())


def wait_ready(api: Api, timeout: float = 90.0, alive: Callable[[], bool] = lambda: True) -> None:
    """Until /ready answers 200; `alive` says whether the service can still come up."""
    shared.wait_until_answers(f"{api.url}/ready", alive=alive, timeout=timeout)


def pex_path(pex_dir: Path, module: str) -> Path:
    """Where `./pants package modules::` puts a module's PEX (dist/ or a test sandbox's root)."""
    path = pex_dir / f"modules.{module}" / f"{module}.pex"
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist: run `./pants package modules::` first")
    return path


def keys_dir(work_dir: Path) -> Path:
    """Shared by the checks of one run (work dirs are siblings), like the PEX root."""
    return work_dir.parent / "keys"


def pex_root(work_dir: Path) -> Path:
    """Shared by the checks of one run (work dirs are siblings): each PEX's venv is built once."""
    return work_dir.parent / "pex_root"


def ensure_keys(pex: Path, work_dir: Path) -> Path:
    """Each module's Ed25519 key, the checks' own and the JWKS trusting them (kept if present),
    made by service_kit.keys inside a module's PEX: the checks' resolve has no `cryptography`."""
    return shared.make_keys(pex, keys_dir(work_dir), (*MODULES, CALLER), pex_root=pex_root(work_dir))


def mint_token(audience: str, pex: Path, work_dir: Path, ttl_seconds: int = TOKEN_TTL_SECONDS) -> str:
    """A dev token of the checks' identity for `audience` (keys from `ensure_keys`)."""
    return mint_tokens([audience], pex, work_dir, ttl_seconds)[audience]


def mint_tokens(
    audiences: list[str], pex: Path, work_dir: Path, ttl_seconds: int = TOKEN_TTL_SECONDS
) -> dict[str, str]:
    """One token per audience from a single run of service_kit.auth (a PEX start costs seconds)."""
    key_file = keys_dir(work_dir) / f"{CALLER}.pem"
    return shared.mint_dev_tokens(
        pex, key_file, CALLER, audiences, ttl_seconds=ttl_seconds, pex_root=pex_root(work_dir)
    )


def _run_kit(pex: Path, work_dir: Path, module: str, *args: str) -> str:
    return shared.run_kit(pex, module, *args, pex_root=pex_root(work_dir))


@dataclass
class ModuleProcess(Api):
    """One module's PEX: started, killed and restarted on the same port, logging to `log_path`."""

    module: str
    pex: Path
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def pid(self) -> int:
        assert self.process is not None, f"{self.module} was never started"
        return self.process.pid

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        assert not self.running(), f"{self.module} is already running"
        self.process = shared.start_pex(self.pex, self.env, self.log_path, append=True)

    def wait_ready(self, timeout: float = 90.0) -> None:
        try:
            wait_ready(self, timeout, alive=self.running)
        except AssertionError as error:
            raise AssertionError(f"{error}; its log:\n{self.log_tail()}") from None

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a crash or an OOM kill."""
        self._signal(signal.SIGKILL)
        assert self.process is not None
        self.process.wait(timeout=30)

    def send_terminate(self) -> None:
        """SIGTERM, as a platform stopping the service; `wait` for its exit status."""
        self._signal(signal.SIGTERM)

    def wait(self, timeout: float = 60.0) -> int:
        assert self.process is not None, f"{self.module} was never started"
        return self.process.wait(timeout=timeout)

    def freeze(self) -> None:
        """SIGSTOP: the port stays open but nothing answers, like a hung process."""
        self._signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self._signal(signal.SIGCONT)

    def stop(self) -> None:
        """Cleanup: thaw, then SIGTERM, then SIGKILL if it is not gone within 30 s."""
        if not self.running():
            return
        assert self.process is not None
        self.thaw()
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)

    def log_tail(self, lines: int = 30) -> str:
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def _signal(self, signum: int) -> None:
        assert self.running(), f"{self.module} is not running"
        os.kill(self.pid, signum)


def module_env(work_dir: Path, ports: dict[str, int], extra: dict[str, str] | None = None) -> dict[str, str]:
    """What every module gets: the JWKS of the keys from `ensure_keys`, each other's URLs, SQLite
    files under work_dir, and no rate limits (the checks measure the services, not the limiter).
    Each module's own signing key is added per module (`signing_key_env`)."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PEX_ROOT": str(pex_root(work_dir)),
        "SERVICE_JWKS_FILE": str(keys_dir(work_dir) / "public" / "jwks.json"),
    }
    for module, port in ports.items():
        prefix = module.upper()
        env[f"{prefix}_URL"] = f"http://127.0.0.1:{port}"
        env[f"{prefix}_DATA_DIR"] = str(work_dir / "data")
        env[f"{prefix}_RATE_LIMIT_ENABLED"] = "false"
    return env | (extra or {})


def signing_key_env(work_dir: Path, module: str) -> dict[str, str]:
    """Only this module's private key: no module can sign as another."""
    return {f"{module.upper()}_SIGNING_KEY": (keys_dir(work_dir) / f"{module}.pem").read_text()}


@contextmanager
def running_modules(
    pex_dir: Path, work_dir: Path, modules: Iterable[str] = MODULES, env: dict[str, str] | None = None
) -> Iterator[dict[str, ModuleProcess]]:
    """Start `modules` (in order), wait until each is ready, and stop them all on the way out."""
    names = list(modules)
    pexes = {module: pex_path(pex_dir, module) for module in names}
    work_dir.mkdir(parents=True, exist_ok=True)
    ports = {module: free_port() for module in names}
    shared_env = module_env(work_dir, ports, env)
    ensure_keys(pexes[names[0]], work_dir)
    tokens = mint_tokens(names, pexes[names[0]], work_dir)
    services = {
        module: ModuleProcess(
            url=f"http://127.0.0.1:{port}",
            token=tokens[module],
            module=module,
            pex=pexes[module],
            env={**shared_env, **signing_key_env(work_dir, module), "PORT": str(port)},
            log_path=work_dir / f"{module}.log",
        )
        for module, port in ports.items()
    }
    try:
        for service in services.values():
            service.start()
        for service in services.values():
            service.wait_ready()
        yield services
    finally:
        for service in services.values():
            service.stop()
