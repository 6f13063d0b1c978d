"""Random books of one business's customers: invoices, credit notes (some set against an invoice),
receipts and refunds with allocations, in any order, for the ledger's rules to hold on."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from ledgerlink.domain.records import (
    Allocation,
    CreditNote,
    CustomerPayment,
    DocumentLine,
    Invoice,
    Record,
)

PERCENT = {"S": Decimal(20), "R": Decimal(5), "Z": Decimal(0)}
DAY = date(2025, 1, 1)
CUSTOMERS = ["C1", "C2", "C3"]
money = st.integers(min_value=1, max_value=200_000).map(lambda p: Decimal(p).scaleb(-2))


def sales_line(price: Decimal, rate: str = "S") -> DocumentLine:
    return DocumentLine(description="work", unit_price=price, vat_rate=rate, nominal_code="4000")


@st.composite
def books(draw: st.DrawFn) -> list[Record]:
    records: list[Record] = []
    invoices = draw(st.integers(min_value=0, max_value=8))
    for index in range(invoices):
        records.append(
            Invoice(
                source_id=f"I{index}",
                number=str(index),
                date=DAY + timedelta(days=draw(st.integers(0, 30))),
                customer_id=draw(st.sampled_from(CUSTOMERS)),
                lines=(sales_line(draw(money), draw(st.sampled_from(sorted(PERCENT)))),),
            )
        )
    for index in range(draw(st.integers(min_value=0, max_value=4))):
        target = draw(st.sampled_from([*(f"I{i}" for i in range(invoices)), ""]))
        records.append(
            CreditNote(
                source_id=f"CN{index}",
                number=str(index),
                date=DAY + timedelta(days=draw(st.integers(0, 30))),
                customer_id=draw(st.sampled_from(CUSTOMERS)),
                invoice_id=target,
                lines=(sales_line(draw(money)),),
            )
        )
    for index in range(draw(st.integers(min_value=0, max_value=8))):
        refund = draw(st.booleans())
        targets = [r.source_id for r in records if isinstance(r, CreditNote if refund else Invoice)]
        chosen = draw(st.lists(st.sampled_from(targets), max_size=3, unique=True)) if targets else []
        allocations = tuple(Allocation(document_id=t, amount=draw(money)) for t in chosen)
        amount = sum((a.amount for a in allocations), Decimal(0)) + draw(money)
        records.append(
            CustomerPayment(
                source_id=f"P{index}",
                date=DAY + timedelta(days=draw(st.integers(0, 30))),
                amount=amount,
                method="card",
                customer_id=draw(st.sampled_from(CUSTOMERS)),
                is_refund=refund,
                allocations=allocations,
            )
        )
    return draw(st.permutations(records))


def gross(record: Invoice | CreditNote) -> Decimal:
    return record.computed_totals(PERCENT).gross
