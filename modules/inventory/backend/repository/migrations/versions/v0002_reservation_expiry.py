"""Reservations get an expiry: a hold nobody commits or releases goes back to stock.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: holds made before this revision have no expiry (the service treats them as never expiring).
    with op.batch_alter_table("reservations") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_reservations_status_expires_at", "reservations", ["status", "expires_at"])


def downgrade() -> None:
    op.drop_index("ix_reservations_status_expires_at", "reservations")
    with op.batch_alter_table("reservations") as batch:
        batch.drop_column("expires_at")
