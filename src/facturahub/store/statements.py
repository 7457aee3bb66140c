"""Statements built once per process instead of once per call.

Building a SQLAlchemy expression (``Column == value``, ``insert(...).on_conflict_do_update(...)``)
costs more than running it on SQLite; the statements every request runs are therefore built at
import time with named bind parameters and executed with a parameter dict. A statement whose
form depends on the dialect is built once per dialect, on first use: :class:`ByDialect`, and
:class:`PerDialect` for ``INSERT … ON CONFLICT`` (the dialect's own ``insert``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

from sqlalchemy import any_, bindparam, func, literal_column, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

Statement = TypeVar("Statement")


def dialect_of(session: Session) -> str:
    return session.connection().dialect.name


class ByDialect(Generic[Statement]):
    """``build(dialect_name)`` → a statement, built once per dialect (``sqlite``, ``postgresql``)
    on first use."""

    def __init__(self, build: Callable[[str], Statement]) -> None:
        self._build = build
        self._built: dict[str, Statement] = {}

    def __call__(self, session: Session) -> Statement:
        dialect = dialect_of(session)
        statement = self._built.get(dialect)
        if statement is None:
            statement = self._built[dialect] = self._build(dialect)
        return statement


class PerDialect(ByDialect[Statement]):
    """``build(insert)`` → a statement, with the dialect's own ``insert`` (``ON CONFLICT``)."""

    def __init__(self, build: Callable[[Any], Statement]) -> None:
        super().__init__(
            lambda dialect: build(postgresql.insert if dialect == "postgresql" else sqlite.insert)
        )


class ListParameter:
    """A list of values bound as *one* parameter: ``= ANY(:name)`` (an array) on PostgreSQL,
    ``IN (SELECT value FROM json_each(:name))`` on SQLite. An expanding ``IN`` renders one
    placeholder per value, and a statement with 500 of them is rendered by SQLAlchemy and parsed
    again by psycopg on every call (≈ 4 ms of CPU for a listing of 500 registry numbers)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def contains(self, column: Any, dialect: str) -> Any:
        """The condition, for a :class:`ByDialect` builder."""
        if dialect == "postgresql":
            return column == any_(bindparam(self.name, type_=postgresql.ARRAY(column.type)))
        each: Any = select(literal_column("value")).select_from(func.json_each(bindparam(self.name)))
        return column.in_(each.scalar_subquery())

    def bind(self, values: Iterable[Any], session: Session) -> dict[str, Any]:
        items = list(values)
        return {self.name: items if dialect_of(session) == "postgresql" else json.dumps(items)}
