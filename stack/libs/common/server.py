"""Runs a service's ASGI app under uvicorn with Pantstack's defaults."""

import uvicorn
from fastapi import FastAPI


def serve(app: FastAPI, *, host: str, port: int) -> None:
    """Serve `app` until SIGINT/SIGTERM, letting in-flight requests finish first."""
    uvicorn.run(app, host=host, port=port, timeout_graceful_shutdown=10, server_header=False)
