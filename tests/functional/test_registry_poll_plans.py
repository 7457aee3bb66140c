"""The accounting registries' polls use the partial indexes of migration 0011, on a real migrated
SQLite and PostgreSQL database: before, both scanned every invoice (and every cancellation event),
160–510 ms a poll at 600,000 invoices. Checked with each engine's own EXPLAIN of the very query the
service runs on SQLite. PostgreSQL chooses by its statistics (on a table as tiny as a test's, a
primary-key scan is as cheap as anything), so there the test checks what it can rely on: each
index exists with the predicate the query implies."""

from __future__ import annotations

import pytest
from sqlalchemy import ClauseElement, text
from sqlalchemy.orm import Session

from facturahub.services.reception import new_invoices_query, pending_cancellations_query
from facturahub.store.database import Database

OFFICES = ["P00000010", "DFB0"]


def _plan(database: Database, query: ClauseElement) -> str:
    sql = str(query.compile(database.engine, compile_kwargs={"literal_binds": True}))
    with Session(database.engine) as session:
        plan = "\n".join(row[3] for row in session.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
        session.rollback()
    return plan


def _definition(database: Database, index: str) -> str:
    with Session(database.engine) as session:
        return str(
            session.execute(
                text("SELECT indexdef FROM pg_indexes WHERE indexname = :name"), {"name": index}
            ).scalar()
        )


@pytest.mark.parametrize(
    ("index", "predicate", "query", "also_used"),
    [
        (
            "ix_invoices_new_by_office",
            "((status_code)::text = '1200'::text)",
            new_invoices_query(OFFICES, 500),
            (),
        ),
        (
            "ix_invoices_cancellation_requested_by_office",
            "((cancellation_code)::text = '4200'::text)",
            pending_cancellations_query(OFFICES, 500),
            ("ix_invoice_events_invoice_at",),  # only the requested invoices' events
        ),
    ],
    ids=["new invoices", "pending cancellations"],
)
def test_each_poll_is_served_by_its_partial_index(
    database: Database, index: str, predicate: str, query: ClauseElement, also_used: tuple[str, ...]
) -> None:
    if database.dialect == "postgresql":
        definition = _definition(database, index)
        assert f"(office_code, id) WHERE {predicate}" in definition, definition
        return
    plan = _plan(database, query)
    for name in (index, *also_used):
        assert name in plan, plan
