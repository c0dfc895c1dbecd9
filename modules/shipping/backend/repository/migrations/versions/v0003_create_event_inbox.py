"""Create the event inbox (with its dead letters) and the feed cursors: shipping applies orders' events once.

Revision ID: 0003
"""

from service_kit.messaging.tables import create_inbox_tables, drop_inbox_tables

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_inbox_tables()


def downgrade() -> None:
    drop_inbox_tables()
