"""Revision 0003: the event inbox, its dead letters and the feed cursors (orders' events, applied once)."""

from service_kit.messaging.tables import create_inbox_tables as upgrade
from service_kit.messaging.tables import drop_inbox_tables as downgrade

revision, down_revision = "0003", "0002"
__all__ = ["downgrade", "upgrade"]
