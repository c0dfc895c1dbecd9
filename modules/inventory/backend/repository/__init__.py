"""Inventory persistence over async SQLAlchemy: tables, repository, unit of work and migrations."""
