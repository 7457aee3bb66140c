"""index of attachments by blob (the blob collector asks which blobs are referenced)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("invoice_attachments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invoice_attachments_blob_sha256"), ["blob_sha256"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("invoice_attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoice_attachments_blob_sha256"))
