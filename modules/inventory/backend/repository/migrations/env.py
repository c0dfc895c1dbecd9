"""Alembic environment: runs the migrations on the connection the service hands over."""

from common.alembic_env import run_migrations

run_migrations()
