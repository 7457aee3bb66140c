"""invoices

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "registry_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_registry_counters")),
    )
    op.create_table(
        "seen_signatures",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_seen_signatures")),
    )
    with op.batch_alter_table("seen_signatures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_seen_signatures_expires_at"), ["expires_at"], unique=False)

    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registry_number", sa.String(length=12), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("integrator_id", sa.Integer(), nullable=False),
        sa.Column("profile", sa.String(length=16), nullable=False),
        sa.Column("issuer_tax_id", sa.String(length=32), nullable=False),
        sa.Column("issuer_name", sa.String(length=250), nullable=False),
        sa.Column("buyer_tax_id", sa.String(length=32), nullable=False),
        sa.Column("series", sa.String(length=40), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("issue_date", sa.String(length=10), nullable=False),
        sa.Column("total", sa.String(length=32), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("office_code", sa.String(length=16), nullable=False),
        sa.Column("managing_body_code", sa.String(length=16), nullable=False),
        sa.Column("processing_unit_code", sa.String(length=16), nullable=False),
        sa.Column("facturae_version", sa.String(length=8), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("mime", sa.String(length=64), nullable=False),
        sa.Column("blob_sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("signing_certificate_sha256", sa.String(length=64), nullable=False),
        sa.Column("signing_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_code", sa.String(length=4), nullable=False),
        sa.Column("cancellation_code", sa.String(length=4), nullable=False),
        sa.Column("rcf_code", sa.String(length=64), nullable=True),
        sa.Column("tracking_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["integrator_id"], ["integrators.id"], name=op.f("fk_invoices_integrator_id_integrators")
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_invoices_platform_id_platforms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("registry_number", name=op.f("uq_invoices_registry_number")),
    )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invoices_blob_sha256"), ["blob_sha256"], unique=False)
        batch_op.create_index(batch_op.f("ix_invoices_integrator_id"), ["integrator_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_invoices_issuer_tax_id"), ["issuer_tax_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_invoices_office_code"), ["office_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_invoices_platform_id"), ["platform_id"], unique=False)

    op.create_table(
        "invoice_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("mime", sa.String(length=128), nullable=False),
        sa.Column("blob_sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_invoice_attachments_invoice_id_invoices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_attachments")),
        sa.UniqueConstraint(
            "invoice_id", "position", name=op.f("uq_invoice_attachments_invoice_id_position")
        ),
    )
    with op.batch_alter_table("invoice_attachments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invoice_attachments_invoice_id"), ["invoice_id"], unique=False)

    op.create_table(
        "invoice_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("flow", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=4), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_invoice_events_invoice_id_invoices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_events")),
    )
    with op.batch_alter_table("invoice_events", schema=None) as batch_op:
        batch_op.create_index("ix_invoice_events_invoice_at", ["invoice_id", "id"], unique=False)

    op.create_table(
        "invoice_keys",
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("exact", sa.String(length=200), nullable=False),
        sa.Column("number", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_invoice_keys_invoice_id_invoices")
        ),
        sa.PrimaryKeyConstraint("invoice_id", name=op.f("pk_invoice_keys")),
        sa.UniqueConstraint("exact", name=op.f("uq_invoice_keys_exact")),
    )
    with op.batch_alter_table("invoice_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invoice_keys_number"), ["number"], unique=False)

    op.create_table(
        "status_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer_tax_id", sa.String(length=32), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("downloaded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"], ["invoice_events.id"], name=op.f("fk_status_documents_event_id_invoice_events")
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_status_documents_invoice_id_invoices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_documents")),
    )
    with op.batch_alter_table("status_documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_status_documents_invoice_id"), ["invoice_id"], unique=False)
        batch_op.create_index(
            "ix_status_documents_issuer_pending", ["issuer_tax_id", "downloaded_at"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("status_documents", schema=None) as batch_op:
        batch_op.drop_index("ix_status_documents_issuer_pending")
        batch_op.drop_index(batch_op.f("ix_status_documents_invoice_id"))

    op.drop_table("status_documents")
    with op.batch_alter_table("invoice_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoice_keys_number"))

    op.drop_table("invoice_keys")
    with op.batch_alter_table("invoice_events", schema=None) as batch_op:
        batch_op.drop_index("ix_invoice_events_invoice_at")

    op.drop_table("invoice_events")
    with op.batch_alter_table("invoice_attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoice_attachments_invoice_id"))

    op.drop_table("invoice_attachments")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoices_platform_id"))
        batch_op.drop_index(batch_op.f("ix_invoices_office_code"))
        batch_op.drop_index(batch_op.f("ix_invoices_issuer_tax_id"))
        batch_op.drop_index(batch_op.f("ix_invoices_integrator_id"))
        batch_op.drop_index(batch_op.f("ix_invoices_blob_sha256"))

    op.drop_table("invoices")
    with op.batch_alter_table("seen_signatures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_seen_signatures_expires_at"))

    op.drop_table("seen_signatures")
    op.drop_table("registry_counters")
