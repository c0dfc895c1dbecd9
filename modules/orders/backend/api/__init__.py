"""The orders HTTP API: a thin FastAPI layer over the service layer."""
