"""Revision 0002: reservations get an expiry: a hold nobody commits or releases goes back to stock."""

import sqlalchemy as sa
from alembic import op

revision, down_revision = "0002", "0001"


def upgrade() -> None:
    # Nullable: holds made before this revision have no expiry (the service treats them as never expiring).
    with op.batch_alter_table("reservations") as batch:
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_reservations_status_expires_at", "reservations", ["status", "expires_at"])


def downgrade() -> None:
    op.drop_index("ix_reservations_status_expires_at", "reservations")
    with op.batch_alter_table("reservations") as batch:
        batch.drop_column("expires_at")
