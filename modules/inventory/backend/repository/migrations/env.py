"""Alembic environment: runs the migrations on the connection the service hands over."""

from alembic import context

context.configure(
    connection=context.config.attributes["connection"],
    # Batch mode lets ALTERs work on SQLite, which rewrites the table instead.
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
