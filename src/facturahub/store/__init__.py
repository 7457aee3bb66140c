"""Persistence: SQLAlchemy tables, repositories, unit of work, Alembic migrations, blob store."""
