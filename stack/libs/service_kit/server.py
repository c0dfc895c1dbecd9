"""run_service: serve an app under uvicorn with JSON logs and graceful shutdown."""

import signal

import uvicorn
from fastapi import FastAPI

from service_kit.logs import configure_logging
from service_kit.settings import ServiceSettings


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
