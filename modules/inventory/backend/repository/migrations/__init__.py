"""Alembic migrations of the inventory schema, applied at service start (see api/main.py)."""

from pathlib import Path

MIGRATIONS_DIR = Path(__file__).parent
