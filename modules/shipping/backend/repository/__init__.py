"""Shipment persistence over async SQLAlchemy: table, repository, unit of work and migrations."""
