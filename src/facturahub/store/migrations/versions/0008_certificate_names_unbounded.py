"""certificate issuers and serial numbers of any length

A certificate's issuer name had room for 500 characters and its serial number for 80 digits. Both
come from the certificate, not from us: a CA name with many attributes is longer, and a serial of
more than 20 octets (which RFC 5280 forbids, but parsers read) has more digits. Registering or
blocking such a certificate failed on PostgreSQL with a database error. They are now unbounded
text, in ``certificates`` and in ``blocked_certificates``.

Downgrade restores the bounds; on PostgreSQL it fails while a longer value is stored, rather than
cut a name that identifies a certificate.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_TABLES = ("certificates", "blocked_certificates")


def upgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("issuer", type_=sa.Text(), existing_type=sa.String(length=500))
            batch_op.alter_column("serial_number", type_=sa.Text(), existing_type=sa.String(length=80))


def downgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("issuer", type_=sa.String(length=500), existing_type=sa.Text())
            batch_op.alter_column("serial_number", type_=sa.String(length=80), existing_type=sa.Text())
