"""certificates blocked by the operator

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "blocked_certificates",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("issuer", sa.String(length=500), nullable=True),
        sa.Column("serial_number", sa.String(length=80), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("blocked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_by", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_blocked_certificates")),
    )


def downgrade() -> None:
    op.drop_table("blocked_certificates")
