"""Revision 0003: the event outbox; OrderConfirmed and OrderCancelled are written with the order's change."""

from service_kit.messaging.tables import create_outbox_table as upgrade
from service_kit.messaging.tables import drop_outbox_table as downgrade

revision, down_revision = "0003", "0002"
__all__ = ["downgrade", "upgrade"]
