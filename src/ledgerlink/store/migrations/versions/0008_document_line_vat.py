"""document line vat

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 08:00:00.000000

A document's VAT is worked out once, when it is fed, and kept with it. Documents stored before then get
theirs here, from their lines and their company's VAT rates as they are now: the figures sending worked
out from the same two until this revision. The arithmetic is written out rather than imported, so this
revision does what it did whatever later becomes of the application's code.
"""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

DOCUMENT_KINDS = ("invoice", "credit_note", "supplier_invoice", "supplier_credit_note")
PENNY = Decimal("0.01")
CHUNK = 2000


def _pennies(amount: Decimal) -> Decimal:
    return amount.quantize(PENNY, rounding=ROUND_HALF_UP)


def line_vat(content: str, percent_by_rate: dict[str, Decimal]) -> str:
    """Each line's VAT, space-separated: net (quantity times unit price) to the penny, then its rate."""
    vats = []
    for line in json.loads(content).get("lines", []):
        net = _pennies(Decimal(str(line.get("quantity", "1"))) * Decimal(str(line["unit_price"])))
        percent = percent_by_rate.get(line["vat_rate"], Decimal(0))
        vats.append(str(_pennies(net * percent / 100)))
    return " ".join(vats)


def upgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("line_vat", sa.Text(), nullable=True))
    connection = op.get_bind()
    percents: dict[int, dict[str, Decimal]] = {}
    for company_id, code, percent in connection.execute(
        sa.text("SELECT company_id, code, percent FROM vat_rates")
    ):
        percents.setdefault(company_id, {})[code] = Decimal(str(percent))
    records = sa.table(
        "records", sa.column("id"), sa.column("company_id"), sa.column("kind"), sa.column("content")
    )
    update = sa.text("UPDATE records SET line_vat = :line_vat WHERE id = :record_id")
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(records.c.id, records.c.company_id, records.c.content)
            .where(records.c.kind.in_(DOCUMENT_KINDS), records.c.id > last_id)
            .order_by(records.c.id)
            .limit(CHUNK)
        ).fetchall()
        if not rows:
            break
        connection.execute(
            update,
            [
                {"record_id": record_id, "line_vat": line_vat(content, percents.get(company_id, {}))}
                for record_id, company_id, content in rows
            ],
        )
        last_id = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_column("line_vat")
