"""the blob store binding

A database and the blob directory holding its invoices' files now know each other: the table
``blob_store_binding`` keeps one id, and the directory keeps the same id in the file
``.facturahub-store``. ``facturahub serve`` (or ``facturahub blobs bind``) writes them; ``blobs
collect`` refuses to remove anything unless they agree. Before, a collection run against another
database (a staging copy, a cron job without the hub's settings) took every file for an orphan.

The table starts empty: an existing hub binds at its next start.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "blob_store_binding",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("store_id", sa.String(length=36), nullable=False),
        sa.Column("bound_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_blob_store_binding_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blob_store_binding")),
    )


def downgrade() -> None:
    op.drop_table("blob_store_binding")
