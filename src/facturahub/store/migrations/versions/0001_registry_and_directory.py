"""registry and directory

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "dir3_administrations",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=250), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_dir3_administrations")),
    )
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(length=120), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nif", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("first_surname", sa.String(length=120), nullable=True),
        sa.Column("second_surname", sa.String(length=120), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("nif", name=op.f("uq_users_nif")),
    )
    op.create_table(
        "dir3_units",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=250), nullable=False),
        sa.Column("administration_code", sa.String(length=16), nullable=True),
        sa.Column("is_accounting_office", sa.Boolean(), nullable=False),
        sa.Column("is_managing_body", sa.Boolean(), nullable=False),
        sa.Column("is_processing_unit", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["administration_code"],
            ["dir3_administrations.code"],
            name=op.f("fk_dir3_units_administration_code_dir3_administrations"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_dir3_units")),
    )
    with op.batch_alter_table("dir3_units", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dir3_units_administration_code"), ["administration_code"], unique=False
        )

    op.create_table(
        "integrators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nif", sa.String(length=16), nullable=False),
        sa.Column("legal_name", sa.String(length=250), nullable=False),
        sa.Column("commercial_id", sa.String(length=250), nullable=True),
        sa.Column("main_email", sa.String(length=254), nullable=False),
        sa.Column("third_party_services", sa.Boolean(), nullable=False),
        sa.Column("terms_accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("terms_accepted_by_id", sa.Integer(), nullable=False),
        sa.Column("terms_certificate_sha256", sa.String(length=64), nullable=True),
        sa.Column("notification_email_primary", sa.String(length=254), nullable=True),
        sa.Column("notification_email_secondary", sa.String(length=254), nullable=True),
        sa.Column("system_notices", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["terms_accepted_by_id"], ["users.id"], name=op.f("fk_integrators_terms_accepted_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integrators")),
        sa.UniqueConstraint("nif", name=op.f("uq_integrators_nif")),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("on_behalf_of_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=120), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_user_id"], ["users.id"], name=op.f("fk_audit_events_actor_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["on_behalf_of_id"], ["integrators.id"], name=op.f("fk_audit_events_on_behalf_of_id_integrators")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index("ix_audit_events_integrator_at", ["on_behalf_of_id", "at"], unique=False)

    op.create_table(
        "delegations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integrator_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["integrator_id"], ["integrators.id"], name=op.f("fk_delegations_integrator_id_integrators")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_delegations_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delegations")),
        sa.UniqueConstraint("integrator_id", "user_id", name=op.f("uq_delegations_integrator_id_user_id")),
    )
    with op.batch_alter_table("delegations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_delegations_integrator_id"), ["integrator_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_delegations_user_id"), ["user_id"], unique=False)

    op.create_table(
        "dir3_relations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_code", sa.String(length=16), nullable=False),
        sa.Column("managing_body_code", sa.String(length=16), nullable=False),
        sa.Column("processing_unit_code", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["managing_body_code"],
            ["dir3_units.code"],
            name=op.f("fk_dir3_relations_managing_body_code_dir3_units"),
        ),
        sa.ForeignKeyConstraint(
            ["office_code"], ["dir3_units.code"], name=op.f("fk_dir3_relations_office_code_dir3_units")
        ),
        sa.ForeignKeyConstraint(
            ["processing_unit_code"],
            ["dir3_units.code"],
            name=op.f("fk_dir3_relations_processing_unit_code_dir3_units"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dir3_relations")),
        sa.UniqueConstraint(
            "office_code",
            "managing_body_code",
            "processing_unit_code",
            name=op.f("uq_dir3_relations_office_code_managing_body_code_processing_unit_code"),
        ),
    )
    with op.batch_alter_table("dir3_relations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dir3_relations_managing_body_code"), ["managing_body_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_dir3_relations_office_code"), ["office_code"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_dir3_relations_processing_unit_code"), ["processing_unit_code"], unique=False
        )

    op.create_table(
        "platforms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("integrator_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("can_send", sa.Boolean(), nullable=False),
        sa.Column("can_receive", sa.Boolean(), nullable=False),
        sa.Column("can_deliver", sa.Boolean(), nullable=False),
        sa.Column("fsp_instance_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["integrator_id"], ["integrators.id"], name=op.f("fk_platforms_integrator_id_integrators")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platforms")),
        sa.UniqueConstraint("code", name=op.f("uq_platforms_code")),
        sa.UniqueConstraint("fsp_instance_id", name=op.f("uq_platforms_fsp_instance_id")),
    )
    with op.batch_alter_table("platforms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_platforms_integrator_id"), ["integrator_id"], unique=False)

    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integrator_id", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String(length=120), nullable=False),
        sa.Column("der", sa.LargeBinary(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("serial_number", sa.String(length=80), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("not_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sha1", sa.String(length=40), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("key_type", sa.String(length=32), nullable=False),
        sa.Column("key_size", sa.Integer(), nullable=False),
        sa.Column("tax_id", sa.String(length=32), nullable=True),
        sa.Column("platform_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["integrator_id"], ["integrators.id"], name=op.f("fk_certificates_integrator_id_integrators")
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_certificates_platform_id_platforms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("sha256", name=op.f("uq_certificates_sha256")),
    )
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certificates_integrator_id"), ["integrator_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_certificates_platform_id"), ["platform_id"], unique=False)
        batch_op.create_index("ix_certificates_serial_number", ["serial_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_certificates_sha1"), ["sha1"], unique=False)

    op.create_table(
        "platform_units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("office_code", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(
            ["office_code"], ["dir3_units.code"], name=op.f("fk_platform_units_office_code_dir3_units")
        ),
        sa.ForeignKeyConstraint(
            ["platform_id"], ["platforms.id"], name=op.f("fk_platform_units_platform_id_platforms")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_platform_units")),
        sa.UniqueConstraint(
            "platform_id", "office_code", name=op.f("uq_platform_units_platform_id_office_code")
        ),
    )
    with op.batch_alter_table("platform_units", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_platform_units_office_code"), ["office_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_platform_units_platform_id"), ["platform_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("platform_units", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_platform_units_platform_id"))
        batch_op.drop_index(batch_op.f("ix_platform_units_office_code"))

    op.drop_table("platform_units")
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificates_sha1"))
        batch_op.drop_index("ix_certificates_serial_number")
        batch_op.drop_index(batch_op.f("ix_certificates_platform_id"))
        batch_op.drop_index(batch_op.f("ix_certificates_integrator_id"))

    op.drop_table("certificates")
    with op.batch_alter_table("platforms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_platforms_integrator_id"))

    op.drop_table("platforms")
    with op.batch_alter_table("dir3_relations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dir3_relations_processing_unit_code"))
        batch_op.drop_index(batch_op.f("ix_dir3_relations_office_code"))
        batch_op.drop_index(batch_op.f("ix_dir3_relations_managing_body_code"))

    op.drop_table("dir3_relations")
    with op.batch_alter_table("delegations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delegations_user_id"))
        batch_op.drop_index(batch_op.f("ix_delegations_integrator_id"))

    op.drop_table("delegations")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_integrator_at")

    op.drop_table("audit_events")
    op.drop_table("integrators")
    with op.batch_alter_table("dir3_units", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dir3_units_administration_code"))

    op.drop_table("dir3_units")
    op.drop_table("users")
    op.drop_table("notices")
    op.drop_table("dir3_administrations")
