"""duplicate keys with each part prefixed by its length

The keys were the parts joined by "|", so series "A|B" number "7" and series "A" number "B|7"
were one key: a different invoice got 415/414. Each part is now written as ``<length>:<part>``
(``facturae.model.DuplicateKey``); the live keys are rewritten from the invoices' own columns.
The expressions below are that encoding frozen as of this revision.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21
"""

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_invoices = sa.table(
    "invoices",
    sa.column("id", sa.Integer),
    sa.column("issuer_tax_id", sa.String),
    sa.column("series", sa.String),
    sa.column("number", sa.String),
    sa.column("issue_date", sa.String),
)
_keys = sa.table(
    "invoice_keys",
    sa.column("invoice_id", sa.Integer),
    sa.column("exact", sa.String),
    sa.column("number", sa.String),
)
_PARTS = ("issuer_tax_id", "series", "number")
NumberKey = Callable[[list[sa.ColumnElement[str]]], sa.ColumnElement[str]]


def _joined(parts: list[sa.ColumnElement[str]]) -> sa.ColumnElement[str]:
    key = parts[0]
    for part in parts[1:]:
        key = key + "|" + part
    return key


def _length_prefixed(parts: list[sa.ColumnElement[str]]) -> sa.ColumnElement[str]:
    return _joined([sa.cast(sa.func.length(part), sa.String) + ":" + part for part in parts])


def _rewrite(number_key: NumberKey) -> None:
    own = _invoices.c.id == _keys.c.invoice_id
    # First a placeholder that no key in either form can equal (both contain "|"): the unique index
    # on ``exact`` is checked row by row, and an old key could equal another row's new one.
    op.execute(
        _keys.update().values(exact=sa.literal("#", sa.String) + sa.cast(_keys.c.invoice_id, sa.String))
    )
    number = sa.select(number_key([_invoices.c[name] for name in _PARTS])).where(own).scalar_subquery()
    op.execute(_keys.update().values(number=number))
    issue_date = sa.select(_invoices.c.issue_date).where(own).scalar_subquery()
    op.execute(_keys.update().values(exact=_keys.c.number + "|" + issue_date))


def upgrade() -> None:
    _rewrite(_length_prefixed)


def downgrade() -> None:
    # Back to the ambiguous form: fails on the unique index if two live invoices collide in it.
    _rewrite(_joined)
