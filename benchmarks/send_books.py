"""The books the send benchmarks send: exact counts of each kind, every record valid, all of it reconciling.

The demo generator makes believable books whose counts follow from the number of invoices; the send
benchmarks need the counts they name (2,000 customers, 300 suppliers, ...), so the records are built
here as domain records, from a seed, with the demo's chart of accounts, VAT rates and payment methods.

Every party has a name of its own, as a bookkeeper would keep them: Xero refuses a second active contact
of the same name, and a refusal costs extra calls that the benchmark would then count against the engine.
Each credit note credits one invoice; `allocated_share` of them are set against it (one allocation each
in the package), the rest stay as credit on account. Each payment settles part or all of one invoice or
bill, never more than is still owed, so every payment is one package payment.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from ledgerlink.domain.money import line_net, line_vat, total
from ledgerlink.domain.records import (
    Address,
    Allocation,
    CreditNote,
    Customer,
    CustomerPayment,
    DocumentLine,
    Invoice,
    NominalAccount,
    PaymentMethod,
    Record,
    RecordKind,
    Supplier,
    SupplierInvoice,
    SupplierPayment,
    VatRate,
)
from ledgerlink.services.demo.books import reference_lists
from ledgerlink.services.demo.sandbox_session import connect_to_sandbox, seed_business
from ledgerlink.services.feeding.records import ingest
from ledgerlink.services.onboarding.connect import save_settings
from ledgerlink.services.onboarding.nominals import Nominals
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.store import Store
from ledgerlink.store.connections import Connection

TODAY = date(2026, 11, 1)
CUT_OFF = date(2024, 1, 1)

_FIRST = (
    "James",
    "Oliver",
    "George",
    "Harry",
    "Jack",
    "Thomas",
    "William",
    "Daniel",
    "David",
    "Paul",
    "Mark",
    "Andrew",
    "Peter",
    "Michael",
    "Stephen",
    "Richard",
    "Simon",
    "Gary",
    "Ian",
    "Robert",
    "Sarah",
    "Emma",
    "Claire",
    "Laura",
    "Rachel",
    "Helen",
    "Karen",
    "Susan",
    "Julie",
    "Amy",
    "Lucy",
    "Sophie",
    "Hannah",
    "Joanne",
    "Nicola",
    "Kate",
    "Anna",
    "Grace",
    "Megan",
    "Ruth",
)
_LAST = (
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Clarke",
    "Harrison",
    "Morgan",
    "Allen",
    "Scott",
    "Phillips",
    "Watson",
    "Parker",
    "Price",
    "Bennett",
    "Young",
    "Griffiths",
    "Mitchell",
    "Kelly",
    "Cook",
    "Carter",
    "Richardson",
    "Bailey",
    "Collins",
    "Bell",
    "Shaw",
    "Murphy",
    "Miller",
    "Atkinson",
    "Holmes",
    "Sutcliffe",
    "Brook",
    "Hughes",
    "Lewis",
    "Edwards",
    "Turner",
    "Hill",
    "Moore",
    "Cooper",
    "Ward",
    "Morris",
    "King",
    "Baker",
)
_TOWNS = (
    ("Leeds", "LS6"),
    ("Bradford", "BD9"),
    ("York", "YO10"),
    ("Sheffield", "S10"),
    ("Harrogate", "HG1"),
    ("Wakefield", "WF1"),
)
_TRADES = ("Lettings", "Property Management", "Builders", "Estates", "Joinery", "Care Homes", "Dental")
_MERCHANT_WORDS = ("Plumbing", "Heating", "Electrical", "Timber", "Fixings", "Tool Hire", "Fuel", "Fleet")
# description, sales nominal, VAT code, price range in pence
_WORK = (
    ("Annual boiler service", "4020", "S", (7500, 9500)),
    ("Call-out and first hour labour", "4030", "S", (6500, 9500)),
    ("Replace diverter valve", "4030", "S", (14000, 22000)),
    ("Fit thermostatic radiator valves", "4010", "S", (3000, 4500)),
    ("Supply and fit combination boiler", "4010", "S", (180000, 320000)),
    ("Install heating controls (energy-saving)", "4010", "R", (22000, 38000)),
    ("Plumbing first fix, new-build dwelling", "4010", "Z", (90000, 160000)),
    ("Compression fittings and sundries", "4000", "S", (500, 2500)),
)
_EXPENSE = ("5000", "5010", "7100", "7200", "7300")


@dataclass(frozen=True)
class Sizes:
    customers: int = 2_000
    suppliers: int = 300
    invoices: int = 10_000
    credit_notes: int = 1_000
    payments: int = 8_000
    supplier_invoices: int = 3_000
    supplier_payments: int = 2_500
    allocated_share: float = 0.7  # credit notes set against their invoice; the rest stay on account

    def scaled(self, factor: float) -> Sizes:
        """The same shape, `factor` times the size (at least one of each)."""

        def part(n: int) -> int:
            return max(1, round(n * factor))

        return Sizes(
            customers=part(self.customers),
            suppliers=part(self.suppliers),
            invoices=part(self.invoices),
            credit_notes=part(self.credit_notes),
            payments=part(self.payments),
            supplier_invoices=part(self.supplier_invoices),
            supplier_payments=part(self.supplier_payments),
            allocated_share=self.allocated_share,
        )


@dataclass
class Books:
    nominal_accounts: tuple[NominalAccount, ...]
    vat_rates: tuple[VatRate, ...]
    payment_methods: tuple[PaymentMethod, ...]
    records: list[Record]

    def count(self, kind: RecordKind) -> int:
        return sum(1 for record in self.records if record.kind is kind)

    @property
    def allocated_credit_notes(self) -> int:
        return sum(1 for r in self.records if isinstance(r, CreditNote) and r.invoice_id)


def _gross(lines: tuple[DocumentLine, ...], percents: dict[str, Decimal]) -> Decimal:
    nets = [line_net(line.quantity, line.unit_price) for line in lines]
    return total(nets) + total(
        line_vat(net, percents[line.vat_rate]) for net, line in zip(nets, lines, strict=True)
    )


def _pennies(value: int) -> Decimal:
    return Decimal(value).scaleb(-2)


def _unique_names(rng: random.Random, count: int, make: list[str]) -> Iterator[str]:
    seen: set[str] = set()
    while len(seen) < count:
        name = rng.choice(make)
        if name in seen:
            name = f"{name} ({len(seen) + 1})"
        seen.add(name)
        yield name


def _customers(rng: random.Random, count: int) -> list[Record]:
    """Customers with names of their own (a quarter of them businesses)."""
    records: list[Record] = []
    people = [f"{first} {last}" for first in _FIRST for last in _LAST]
    for index, name in enumerate(_unique_names(rng, count, people), start=1):
        source_id = f"C{index:06d}"
        town, outward = rng.choice(_TOWNS)
        first, last = name.split(" ", 1)
        address = Address(line1=f"{rng.randint(1, 240)} High Street", town=town, postcode=f"{outward} 4AB")
        if index % 4 == 0:
            records.append(
                Customer(
                    source_id=source_id,
                    customer_type="commercial",
                    company_name=f"{last} {rng.choice(_TRADES)} Ltd",
                    first_name=first,
                    last_name=last,
                    address=address,
                    account_reference=source_id,
                )
            )
        else:
            records.append(
                Customer(
                    source_id=source_id,
                    first_name=first,
                    last_name=last,
                    address=address,
                    email=f"{first}.{last.split(' ')[0]}{index}@example.co.uk".lower(),
                    account_reference=source_id,
                )
            )
    # commercial names are "<last> <trade> Ltd": make them unique too
    taken: set[str] = set()
    for position, record in enumerate(records):
        if isinstance(record, Customer) and record.company_name:
            name = record.company_name
            if name in taken:
                name = f"{name} ({record.source_id})"
                records[position] = record.model_copy(update={"company_name": name})
            taken.add(name)
    return records


def _invoice(rng: random.Random, index: int, customer_ids: list[str], start: date) -> Invoice:
    when = start + timedelta(days=rng.randint(0, 600))
    chosen = rng.sample(_WORK, k=rng.choice((1, 1, 2, 3)))
    lines = tuple(
        DocumentLine(
            description=description,
            quantity=Decimal(rng.choice((1, 1, 2))),
            unit_price=_pennies(rng.randint(*price) // 5 * 5),
            vat_rate=vat,
            nominal_code=nominal,
        )
        for description, nominal, vat, price in chosen
    )
    return Invoice(
        source_id=f"I{index:07d}",
        number=f"INV-{100000 + index}",
        date=when,
        due_date=when + timedelta(days=30),
        customer_id=rng.choice(customer_ids),
        lines=lines,
    )


def build(sizes: Sizes = Sizes(), *, seed: int = 5) -> Books:
    """Books of exactly `sizes`, the same for the same seed."""
    rng = random.Random(seed)
    nominals, rates, methods = reference_lists()
    percents = {rate.code: rate.percent for rate in rates}
    start = TODAY - timedelta(days=700)
    records: list[Record] = []

    records.extend(_customers(rng, sizes.customers))
    customer_ids = [record.source_id for record in records]

    merchants = [f"{last} {word} Supplies" for last in _LAST for word in _MERCHANT_WORDS]
    suppliers: list[tuple[str, str]] = []
    for index, name in enumerate(_unique_names(rng, sizes.suppliers, merchants), start=1):
        source_id = f"S{index:05d}"
        nominal = rng.choice(_EXPENSE)
        records.append(
            Supplier(
                source_id=source_id,
                name=name,
                account_reference=source_id,
                default_expense_nominal=nominal,
                address=Address(line1="1 Trade Park", town="Leeds", postcode="LS12 6AB"),
            )
        )
        suppliers.append((source_id, nominal))

    invoices: list[tuple[Invoice, Decimal]] = []
    for index in range(1, sizes.invoices + 1):
        invoice = _invoice(rng, index, customer_ids, start)
        records.append(invoice)
        invoices.append((invoice, _gross(invoice.lines, percents)))

    outstanding = {invoice.source_id: gross for invoice, gross in invoices}
    credited = rng.sample(range(len(invoices)), k=min(sizes.credit_notes, len(invoices)))
    allocated = set(credited[: round(len(credited) * sizes.allocated_share)])
    for index, position in enumerate(credited, start=1):
        invoice, gross = invoices[position]
        line = invoice.lines[0]
        price = min(line.unit_price, _pennies(rng.randint(1000, 6000)))
        lines = (
            DocumentLine(
                description=f"Goodwill: {line.description}",
                unit_price=price,
                vat_rate=line.vat_rate,
                nominal_code=line.nominal_code,
            ),
        )
        set_against = position in allocated
        records.append(
            CreditNote(
                source_id=f"N{index:06d}",
                number=f"CN-{10000 + index}",
                date=min(TODAY, invoice.date + timedelta(days=rng.randint(1, 20))),
                customer_id=invoice.customer_id,
                invoice_id=invoice.source_id if set_against else "",
                lines=lines,
            )
        )
        if set_against:
            outstanding[invoice.source_id] -= _gross(lines, percents)

    # payments: most invoices paid once in full; some in two parts, until the count is reached
    order = list(range(len(invoices)))
    rng.shuffle(order)
    methods_codes = [method.code for method in methods]
    made = 0
    for position in order:
        if made >= sizes.payments:
            break
        invoice, _ = invoices[position]
        due = outstanding[invoice.source_id]
        if due <= 0:
            continue
        parts = [due]
        remaining_payments = sizes.payments - made
        if remaining_payments >= 2 and rng.random() < 0.07 and due > Decimal(20):
            first = (due * Decimal("0.4")).quantize(Decimal("0.01"))
            parts = [first, due - first]
        method = rng.choice(methods_codes)
        for part, amount in enumerate(parts, start=1):
            records.append(
                CustomerPayment(
                    source_id=f"P{position + 1:07d}-{part}",
                    date=min(TODAY, invoice.date + timedelta(days=7 * part + rng.randint(0, 20))),
                    amount=amount,
                    method=method,
                    reference=f"{method.upper()} {invoice.number}/{part}",
                    customer_id=invoice.customer_id,
                    allocations=(Allocation(document_id=invoice.source_id, amount=amount),),
                )
            )
            made += 1
    if made < sizes.payments:
        raise ValueError(f"{sizes.invoices} invoices cannot carry {sizes.payments} payments")

    bills: list[tuple[SupplierInvoice, Decimal]] = []
    for index in range(1, sizes.supplier_invoices + 1):
        supplier_id, nominal = rng.choice(suppliers)
        when = start + timedelta(days=rng.randint(0, 600))
        lines = tuple(
            DocumentLine(
                description=f"Supplies, order {rng.randint(1000, 9999)}",
                unit_price=_pennies(rng.randint(2000, 90000)),
                vat_rate="S",
                nominal_code=nominal,
            )
            for _ in range(rng.choice((1, 1, 2)))
        )
        bill = SupplierInvoice(
            source_id=f"B{index:06d}",
            number=f"{supplier_id}/{rng.randint(100000, 999999)}",
            date=when,
            due_date=when + timedelta(days=30),
            supplier_id=supplier_id,
            lines=lines,
        )
        records.append(bill)
        bills.append((bill, _gross(lines, percents)))
    for index, (bill, gross) in enumerate(rng.sample(bills, k=min(sizes.supplier_payments, len(bills))), 1):
        records.append(
            SupplierPayment(
                source_id=f"Q{index:06d}",
                date=min(TODAY, bill.date + timedelta(days=rng.randint(5, 40))),
                amount=gross,
                method="bacs",
                reference=f"Payment {bill.number}",
                supplier_id=bill.supplier_id,
                allocations=(Allocation(document_id=bill.source_id, amount=gross),),
            )
        )
    return Books(nominals, rates, methods, records)


def sales_ledger(invoices: int, customers: int, *, seed: int = 9) -> Iterator[Record]:
    """Customers, then invoices one at a time: a big sales ledger without holding it all in memory."""
    rng = random.Random(seed)
    parties = _customers(rng, customers)
    customer_ids = [record.source_id for record in parties]
    yield from parties
    start = TODAY - timedelta(days=700)
    for index in range(1, invoices + 1):
        yield _invoice(rng, index, customer_ids, start)


def store_books(store: Store, books: Books, name: str) -> int:
    """A company holding `books`, fed as the job system would feed them; its id."""
    with store.unit_of_work() as uow:
        company = uow.companies.add(name)
        reference = uow.reference(company.id)
        reference.put_nominal_accounts(books.nominal_accounts)
        reference.put_vat_rates(books.vat_rates)
        reference.put_payment_methods(books.payment_methods)
        report = ingest(uow, company.id, books.records)
        uow.commit()
    if report.rejected:
        first = report.rejected[0]
        raise ValueError(f"{len(report.rejected)} records refused, e.g. {first.findings}")
    return company.id


async def connect_company(
    connectors: ConnectorFactory, company_id: int, package: str, business: str
) -> Connection:
    """Connected through the sandbox's consent page, a cut-off set, the package's lists read and mapped."""
    await seed_business(connectors, package, business)
    connection = await connect_to_sandbox(connectors, company_id, package, business)
    connection = save_settings(connectors, company_id, connection.id, cut_off_date=CUT_OFF)
    connector = connectors.connector(connection)
    try:
        nominals = Nominals(connectors.store, connection)
        await nominals.read_lists(connector)
        nominals.accept_suggestions(checked=True)
        nominals.give_every_consent()  # what the package needs made, as QuickBooks' items, is allowed
        connection = nominals.connection
        check = nominals.check()
        if not check.clean:
            raise ValueError("; ".join(problem.message for problem in check.problems))
    finally:
        await connector.aclose()
    return connection
