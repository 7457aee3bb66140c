"""indexes for the accounting registries' polls

``solicitarNuevasFacturas`` looks for the invoices of some offices still in 1200, and
``solicitarNuevasAnulaciones`` for those whose cancellation is requested (4200). Both scanned the
whole ``invoices`` table (and the second also every cancellation event): with 600,000 invoices a
poll took 160–510 ms, holding SQLite's writer lock for that time. Two partial indexes hold only the
rows each poll looks for, in the order it lists them.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

NEW = sa.text("status_code = '1200'")
CANCELLATION_REQUESTED = sa.text("cancellation_code = '4200'")


def upgrade() -> None:
    op.create_index(
        "ix_invoices_new_by_office",
        "invoices",
        ["office_code", "id"],
        postgresql_where=NEW,
        sqlite_where=NEW,
    )
    op.create_index(
        "ix_invoices_cancellation_requested_by_office",
        "invoices",
        ["office_code", "id"],
        postgresql_where=CANCELLATION_REQUESTED,
        sqlite_where=CANCELLATION_REQUESTED,
    )


def downgrade() -> None:
    op.drop_index("ix_invoices_cancellation_requested_by_office", table_name="invoices")
    op.drop_index("ix_invoices_new_by_office", table_name="invoices")
