"""The Alembic environment of every module: its migrations/env.py is one call to `run_migrations`."""

from alembic import context


def run_migrations() -> None:
    """Run the migrations on the connection `common.database` hands over in the config's attributes."""
    context.configure(
        connection=context.config.attributes["connection"],
        # Batch mode lets ALTERs work on SQLite, which rewrites the table instead.
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()
