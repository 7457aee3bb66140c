"""Statements built once per process instead of once per call.

Building a SQLAlchemy expression (``Column == value``, ``insert(...).on_conflict_do_update(...)``)
costs more than running it on SQLite; the statements every request runs are therefore built at
import time with named bind parameters and executed with a parameter dict. ``INSERT … ON
CONFLICT`` needs the dialect's own ``insert``: :class:`PerDialect` builds such a statement once
per dialect, on first use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

Statement = TypeVar("Statement")


class PerDialect(Generic[Statement]):
    """``build(insert)`` → a statement, cached per dialect (``sqlite``, ``postgresql``)."""

    def __init__(self, build: Callable[[Any], Statement]) -> None:
        self._build = build
        self._built: dict[str, Statement] = {}

    def __call__(self, session: Session) -> Statement:
        dialect = session.connection().dialect.name
        statement = self._built.get(dialect)
        if statement is None:
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            statement = self._built[dialect] = self._build(insert)
        return statement
