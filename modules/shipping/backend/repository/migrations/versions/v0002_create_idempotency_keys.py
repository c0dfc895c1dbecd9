"""Create the idempotency_keys table of the service kit's Idempotency-Key handling.

Revision ID: 0002
"""

from alembic import op

from service_kit.idempotency import TABLE_NAME, create_idempotency_table

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_idempotency_table()


def downgrade() -> None:
    op.drop_table(TABLE_NAME)
