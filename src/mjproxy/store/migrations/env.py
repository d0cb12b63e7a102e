"""Alembic environment: migrations always run on a connection that mjproxy hands over."""

from alembic import context

from mjproxy.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "Run migrations through mjproxy (it upgrades the schema at start), "
        "or pass a connection in config.attributes['connection']."
    )
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
