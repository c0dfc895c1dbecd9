"""SQLAlchemy table of shipments; the schema itself is created by the Alembic migrations."""

from sqlalchemy import Column, DateTime, MetaData, String, Table

metadata = MetaData()

shipments = Table(
    "shipments",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("order_id", String(36), nullable=False, unique=True),
    Column("status", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
