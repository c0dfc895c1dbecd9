"""`make dev` from sources: one module served by a worker process that restarts when a watched file is saved.

A reload within seconds on a loaded 2-core machine rules out uvicorn's own reloader, which spawns a
fresh interpreter that imports FastAPI, SQLAlchemy, OpenTelemetry... again (6-9 s measured). Here the
reloader forks each worker instead. It never imports the module's own code or the shared libraries
(those are what change), only the third-party and standard-library modules the first worker reported
it imported, so every later worker starts with them loaded and imports just the code that changed.

A module that fails to import or build (a syntax error in the file just saved) logs the traceback and
answers 503 until the next save restarts it, so the reloader, and the rest of `make dev`, stay up.

    python -m service_kit.dev_server MODULE --port PORT --reload-dir DIR [--reload-dir DIR ...]
"""

import argparse
import importlib
import json
import logging
import multiprocessing
import os
import signal
import socket
import sys
import tempfile
import threading
from multiprocessing.context import ForkProcess
from pathlib import Path

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from service_kit.logs import configure_logging

# How often the reloader looks for saved files (their modification times).
POLL_SECONDS = 0.1
# A reload waits this long for in-flight requests, so a request stuck on a peer can't stall it.
RELOAD_GRACE_SECONDS = 2
_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

logger = logging.getLogger(__name__)
_fork = multiprocessing.get_context("fork")


def create_module_app(module: str, imports_report: Path | None = None) -> FastAPI:
    """The worker's app: the module's own create_app, or the 503 app if it fails to import or build.
    With `imports_report`, writes there the modules it imported that are not first-party code."""
    # Imported here, after _serve dropped the reloader's copies: a worker runs the code as saved.
    from service_kit.logs import configure_logging
    from service_kit.settings import load_settings

    configure_logging(module)
    try:
        main = importlib.import_module(f"{module}.backend.api.main")
        settings = load_settings(main.Settings)
        configure_logging(settings.service_name, settings.log_level)
        app: FastAPI = main.create_app(settings)
    except (Exception, SystemExit):  # load_settings exits 2 on invalid settings, after printing why
        logger.exception("%s failed to load; it answers 503 until a saved file reloads it", module)
        return failed_to_load_app(module)
    if imports_report is not None:
        imports_report.write_text(json.dumps(_library_modules()))
    return app


def failed_to_load_app(module: str) -> FastAPI:
    """Answers every request 503; the reason (the traceback) is in `make dev`'s log, not the body."""
    from service_kit.problems import PROBLEM_JSON, problem_body

    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.api_route("/{path:path}", methods=_METHODS)
    async def unavailable(request: Request) -> JSONResponse:
        detail = f"{module} failed to load: see make dev's output for the error; saving a fix reloads it."
        return JSONResponse(
            problem_body(503, detail, instance=request.url.path), status_code=503, media_type=PROBLEM_JSON
        )

    return app


def _first_party_roots() -> tuple[str, ...]:
    """The source roots on PYTHONPATH: code that may change while make dev runs."""
    return tuple(
        str(Path(entry).resolve()) + os.sep for entry in os.environ.get("PYTHONPATH", "").split(":") if entry
    )


def _library_modules() -> list[str]:
    roots = _first_party_roots()
    return sorted(
        name
        for name, module in list(sys.modules.items())
        if (path := getattr(module, "__file__", None))
        and not str(Path(path).resolve()).startswith(roots)
        and name not in ("__main__", "__mp_main__")
    )


def _preload(report: Path) -> None:
    """Import what the first worker reported, so that forked workers find it loaded."""
    names = json.loads(report.read_text())
    for name in names:
        # Some import only through their package (e.g. private or platform-specific ones); a module
        # left out here still loads in the worker, just not ahead of time.
        try:
            importlib.import_module(name)
        except Exception:
            continue
    logger.info("reloader preloaded %d library modules for faster reloads", len(names))


def _snapshot(directories: list[Path]) -> dict[Path, int]:
    """The modification time of every .py file under `directories`."""
    times = {}
    for directory in directories:
        for path in directory.rglob("*.py"):
            try:
                times[path] = path.stat().st_mtime_ns
            except OSError:  # removed while listing
                continue
    return times


def _serve(config: uvicorn.Config, sock: socket.socket) -> None:
    """A worker: forget the first-party modules the reloader imported, then serve."""
    # Until uvicorn installs its handlers, a reload's SIGTERM must end the worker, not set a flag.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    roots = _first_party_roots()
    for name, loaded in list(sys.modules.items()):
        path = getattr(loaded, "__file__", None)
        if name != "__main__" and path and str(Path(path).resolve()).startswith(roots):
            del sys.modules[name]
    uvicorn.Server(config).run(sockets=[sock])


def supervise(module: str, host: str, port: int, reload_dirs: list[Path]) -> None:
    """Serve `module` on host:port, restarting its worker when a .py file under `reload_dirs` changes,
    until SIGINT or SIGTERM."""
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    report = Path(tempfile.mkdtemp(prefix=f"dev-{module}-")) / "imports.json"
    config = uvicorn.Config(
        create_module_app,
        factory=True,
        host=host,
        port=port,
        timeout_graceful_shutdown=RELOAD_GRACE_SECONDS,
        log_config=None,
        access_log=False,
        server_header=False,
    )
    # One listening socket for the reloader's lifetime: connections made during a restart wait in
    # its backlog for the new worker instead of being refused.
    sock = config.bind_socket()
    logger.info(
        "%s on http://%s:%d, reloading on saves under %s",
        module,
        host,
        port,
        ", ".join(map(str, reload_dirs)),
    )

    def start_worker(imports_report: Path | None) -> ForkProcess:
        config.app = lambda: create_module_app(module, imports_report)
        worker = _fork.Process(target=_serve, args=(config, sock), name=f"{module}-worker")
        worker.start()
        return worker

    seen = _snapshot(reload_dirs)
    worker = start_worker(report)
    preloaded = exit_reported = False
    while not stop.wait(POLL_SECONDS):
        if not preloaded and report.exists():
            _preload(report)
            preloaded = True
        current = _snapshot(reload_dirs)
        if current == seen:
            # 0 is a worker that stopped on Ctrl-C (sent to the whole group) just before the reloader.
            if worker.exitcode not in (None, 0) and not exit_reported:
                logger.error("%s's worker exited (%s); it restarts on the next save", module, worker.exitcode)
                exit_reported = True
            continue
        changed = sorted({path for path, _ in {*current.items()} ^ {*seen.items()}})
        seen = current
        logger.warning("%s reloading: %s changed", module, ", ".join(map(str, changed[:3])))
        worker.terminate()
        worker.join()
        worker = start_worker(None if preloaded else report)
        exit_reported = False
    worker.terminate()
    worker.join()
    sock.close()
    report.unlink(missing_ok=True)
    report.parent.rmdir()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("module", help="the module to serve: modules/<module>/backend/api/main.py")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument(
        "--reload-dir",
        action="append",
        type=Path,
        required=True,
        help="restart when a .py file under it changes",
    )
    args = parser.parse_args(argv)
    configure_logging(args.module)
    supervise(args.module, args.host, args.port, args.reload_dir)


if __name__ == "__main__":
    main()
