"""the claim token of a notification's delivery attempt

A worker claims a notification by moving its ``next_attempt_at`` forward by a lease. Should the
lease run out while the attempt is still under way (a process stopped or swapped out for minutes),
another worker may claim the row; the first one's late failure must then not reschedule it under
the second one's feet. Each claim writes a fresh token, and only the holder of the current token
records a failure or gives the row back.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notifications") as table:
        table.add_column(sa.Column("claim_token", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notifications") as table:
        table.drop_column("claim_token")
