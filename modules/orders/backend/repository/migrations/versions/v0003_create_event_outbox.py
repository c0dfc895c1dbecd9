"""Create the event outbox: OrderConfirmed and OrderCancelled are written with the order's change.

Revision ID: 0003
"""

from service_kit.messaging.tables import create_outbox_table, drop_outbox_table

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_outbox_table()


def downgrade() -> None:
    drop_outbox_table()
