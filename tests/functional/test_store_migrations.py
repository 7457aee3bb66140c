"""The migrations build exactly the schema the models declare, on both databases: a table, column,
type, index or constraint added to one and not the other is a difference that fails here, not in
production."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from facturahub.store.database import Database
from facturahub.store.migrate import current_revision
from facturahub.store.models import Base


def test_migrated_schema_matches_the_models(migrated_url: str) -> None:
    database = Database(migrated_url)
    try:
        with database.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
        assert current_revision(database) == "0012"
    finally:
        database.dispose()
