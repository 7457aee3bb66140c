"""invoice totals in plain notation

A total written with seven or more decimals that are all zero (``0.00000000``) was stored as
Python writes such a Decimal, ``0E-8``; registries read it back from ``descargarFactura`` and
``consultarFactura`` in exponent notation. Intake now stores ``format(total, "f")``; this
rewrites the totals already stored that way (the value is the same number, so there is nothing to
undo on downgrade).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21
"""

from decimal import Decimal

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_invoices = sa.table("invoices", sa.column("id", sa.Integer), sa.column("total", sa.String))


def _plain(text: str) -> str:
    value = Decimal(text)
    return format(abs(value) if value == 0 else value, "f")


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(_invoices.c.id, _invoices.c.total).where(
            sa.or_(_invoices.c.total.contains("E"), _invoices.c.total.contains("e"))
        )
    ).all()
    for row in rows:
        connection.execute(
            sa.update(_invoices).where(_invoices.c.id == row.id).values(total=_plain(row.total))
        )


def downgrade() -> None:
    pass  # the same numbers: nothing to undo
