"""The event tables every producer and consumer shares: one definition, created by each module's migration."""

from typing import Any

import sqlalchemy as sa

OUTBOX = "event_outbox"
INBOX = "event_inbox"
CURSORS = "event_cursors"

# SQLite autoincrements only an INTEGER PRIMARY KEY; PostgreSQL gets 64 bits.
_Position = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _outbox_columns() -> list[Any]:
    return [
        sa.Column("position", _Position, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True, index=True),
        # The embedded feed's order: stamped by the relay in commit order (unique, so two relays
        # never hand out one number); a reader past N has seen every row up to N.
        sa.Column("relay_position", sa.BigInteger, nullable=True, unique=True),
    ]


def _inbox_columns() -> list[Any]:
    return [
        sa.Column("seq", _Position, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        # pending → done, or dead after too many failures (a replay makes it pending again).
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
    ]


def _cursor_columns() -> list[Any]:
    return [
        sa.Column("producer", sa.String(100), primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
    ]


metadata = sa.MetaData()
outbox = sa.Table(OUTBOX, metadata, *_outbox_columns())
inbox = sa.Table(INBOX, metadata, *_inbox_columns())
# How far a consumer has read each producer's feed (the embedded transport).
cursors = sa.Table(CURSORS, metadata, *_cursor_columns())


def create_outbox_table() -> None:
    """For a producer's Alembic migration: `create_outbox_table()` in `upgrade()`."""
    from alembic import op

    op.create_table(OUTBOX, *_outbox_columns())


def create_inbox_tables() -> None:
    """For a consumer's Alembic migration: the inbox (with its dead letters) and the feed cursors."""
    from alembic import op

    op.create_table(INBOX, *_inbox_columns())
    op.create_table(CURSORS, *_cursor_columns())


def drop_outbox_table() -> None:
    from alembic import op

    op.drop_table(OUTBOX)


def drop_inbox_tables() -> None:
    from alembic import op

    op.drop_table(CURSORS)
    op.drop_table(INBOX)
