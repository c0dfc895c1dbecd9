"""Revision 0002: the service kit's idempotency_keys table (its Idempotency-Key handling)."""

from service_kit.idempotency import create_idempotency_table as upgrade
from service_kit.idempotency import drop_idempotency_table as downgrade

revision, down_revision = "0002", "0001"
__all__ = ["downgrade", "upgrade"]
