"""run_service: serve an app under uvicorn with JSON logs and graceful shutdown."""

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from common.database import MigrationLockTimeout
from service_kit.contract import write_snapshot
from service_kit.database import migrate
from service_kit.logs import configure_logging
from service_kit.settings import ServiceSettings, SettingsT, load_settings


def run_service(app: FastAPI, settings: ServiceSettings) -> None:
    """Serve until SIGTERM/SIGINT: stop accepting, let in-flight requests finish within the grace
    period, run the lifespan shutdown (closing pools and clients), then exit 0."""
    configure_logging(settings.service_name, settings.log_level)
    # uvicorn re-raises the signal it shut down on; with these no-op handlers that re-raise
    # becomes a clean return (exit 0) instead of death by signal or a KeyboardInterrupt trace.
    signal.signal(signal.SIGTERM, lambda *_: None)
    signal.signal(signal.SIGINT, lambda *_: None)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        timeout_graceful_shutdown=int(settings.shutdown_grace_seconds),
        log_config=None,
        access_log=False,
        server_header=False,
    )


def service_main(
    create_app: Callable[[SettingsT], FastAPI],
    settings_class: type[SettingsT],
    argv: list[str] | None = None,
    *,
    migrations_dir: Path | None = None,
) -> None:
    """A module's PEX entry point: serve; with `--write-openapi PATH` write its contract snapshot;
    with `--migrate` apply the migrations in `migrations_dir` to its database and exit."""
    parser = argparse.ArgumentParser(description="Serve this module's API (settings from the environment).")
    parser.add_argument("--write-openapi", metavar="PATH", help="write the OpenAPI document to PATH and exit")
    parser.add_argument(
        "--migrate",
        action="store_true",
        help="migrate the database (<PREFIX>_DATABASE_URL) to head and exit: a deploy's one-off task",
    )
    args = parser.parse_args(argv)
    if args.write_openapi:
        # The contract does not depend on secrets, so none are needed to render it.
        write_snapshot(create_app(settings_class(auth_enabled=False)), args.write_openapi)
        return
    settings = load_settings(settings_class)
    if args.migrate:
        if migrations_dir is None:
            parser.error(
                f"{settings.service_name} has no database migrations (module.toml: database = false)"
            )
        _migrate(settings, migrations_dir)
        return
    run_service(create_app(settings), settings)


def _migrate(settings: ServiceSettings, migrations_dir: Path) -> None:
    configure_logging(settings.service_name, settings.log_level)
    try:
        asyncio.run(migrate(settings.database_url, migrations_dir))
    except MigrationLockTimeout as error:
        print(error, file=sys.stderr)
        raise SystemExit(1) from None
    logging.getLogger(__name__).info("database migrated to head")
