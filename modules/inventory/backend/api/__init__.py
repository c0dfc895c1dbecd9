"""The inventory HTTP API: a thin FastAPI layer over the service layer."""
