"""Alembic migrations of the shipping schema, applied at service start (see api/main.py)."""

from pathlib import Path

MIGRATIONS_DIR = Path(__file__).parent
