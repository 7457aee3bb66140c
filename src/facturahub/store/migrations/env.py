"""Alembic environment: the engine comes from facturahub (``config.attributes['engine']``)."""

from __future__ import annotations

from alembic import context

from facturahub.store.models import Base

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
