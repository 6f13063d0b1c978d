"""A believable UK heating and plumbing business, made from a seed: same seed, same books, every time.

Everything comes from small fixed lists (towns with their real outward codes and dialling codes,
streets, names, merchants) and one `random.Random`, so 100,000 invoices take seconds, not the minutes a
per-record fake-data library would. The books it makes are ones a bookkeeper would recognise: two
years of invoices up to today, mostly at 20% VAT with some 5% energy-saving work and some zero-rated,
credit notes (some set against their invoice), full and part payments by card, BACS, cash and cheque,
a few payments on account and refunds, and bills from the merchants the business buys from.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from itertools import accumulate, chain
from typing import Literal

from ledgerlink.domain.money import ZERO, line_net, line_vat, total
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
    Supplier,
    SupplierInvoice,
    SupplierPayment,
    Totals,
    VatRate,
    standard_vat_rates,
)
from ledgerlink.services.demo.lists import (
    COMPANY_PATTERNS,
    EMAIL_DOMAINS,
    FEMALE_FIRST_NAMES,
    FEMALE_TITLES,
    FIRST_NAMES,
    INWARD_LETTERS,
    LAST_NAMES,
    MALE_TITLES,
    MERCHANTS,
    METHODS,
    MOBILE_PREFIXES,
    NOMINALS,
    STREETS,
    SUPPLIES,
    TOWNS,
    WORK,
)
from ledgerlink.services.feeding.gc_pause import paused_garbage_collection

SizeName = Literal["small", "medium", "large"]
SIZES: dict[SizeName, int] = {"small": 1_000, "medium": 10_000, "large": 100_000}
# invoices (or bills) a part of `generate_parts` holds: a few seconds of feeding, a few tens of MiB
PART_INVOICES = 5_000
CUSTOMERS_PER_INVOICE = 0.15

_VAT = {rate.code: rate.percent for rate in standard_vat_rates()}


@dataclass
class DemoData:
    """A company's reference lists and records, in the order they can be fed."""

    nominal_accounts: tuple[NominalAccount, ...]
    vat_rates: tuple[VatRate, ...]
    payment_methods: tuple[PaymentMethod, ...]
    records: list[Record] = field(default_factory=list)


def reference_lists() -> tuple[tuple[NominalAccount, ...], tuple[VatRate, ...], tuple[PaymentMethod, ...]]:
    """The chart of accounts, VAT rates and payment methods of a small UK trades business."""
    nominals = tuple(NominalAccount(code=c, name=n, kind=k) for c, n, k in NOMINALS)
    methods = tuple(PaymentMethod(code=c, name=n, bank_nominal_code=b) for c, n, b in METHODS)
    return nominals, standard_vat_rates(), methods


def bills_for(invoices: int) -> int:
    """How many supplier bills go with `invoices` sales invoices."""
    return max(1, round(invoices * 0.3))


def generate(
    *, seed: int = 1, invoices: int = 1_000, customers: int | None = None, today: date | None = None
) -> DemoData:
    """Two years of a trades business's books ending `today`, the same for the same seed and day."""
    with paused_garbage_collection():
        nominals, rates, methods = reference_lists()
        data = DemoData(nominals, rates, methods)
        parties, sales, purchases = _sections(seed, invoices, customers, today, PART_INVOICES)
        data.records.extend(parties)
        # each section reads as its documents, then the credits set against them, then the payments
        for blocks in (list(sales), list(purchases)):
            data.records.extend(record for block in blocks for record in block.documents)
            data.records.extend(record for block in blocks for record in block.credits)
            data.records.extend(record for block in blocks for record in block.payments)
        return data


def generate_parts(
    *,
    seed: int = 1,
    invoices: int = 1_000,
    customers: int | None = None,
    today: date | None = None,
    part_invoices: int = 0,
) -> Iterator[list[Record]]:
    """The records of `generate`, made a part at a time so a large company is never held whole.

    Each part can be fed on its own, in turn: first the customers and suppliers, then about
    `part_invoices` invoices (or bills) with the credit notes and payments set against them, and the
    payments on account and refunds after the last invoice. A refund settles a credit note of an
    earlier part, which a feed reads back from the store.
    """
    parties, sales, purchases = _sections(seed, invoices, customers, today, part_invoices or PART_INVOICES)
    yield parties
    for block in chain(sales, purchases):
        yield block.records


@dataclass
class _Block:
    """Documents made together, with the credit notes and payments set against them."""

    documents: list[Record] = field(default_factory=list)
    credits: list[Record] = field(default_factory=list)
    payments: list[Record] = field(default_factory=list)

    @property
    def records(self) -> list[Record]:
        return [*self.documents, *self.credits, *self.payments]


def _sections(
    seed: int, invoices: int, customers: int | None, today: date | None, part_invoices: int
) -> tuple[list[Record], Iterator[_Block], Iterator[_Block]]:
    """The parties, made at once, and the sales and purchases, made lazily a block at a time.

    One random stream makes everything, so the blocks must be taken in order: sales, then purchases.
    """
    builder = _Builder(_Random(seed), today or date.today())
    customer_count = customers if customers is not None else max(5, round(invoices * CUSTOMERS_PER_INVOICE))
    parties: list[Record] = [*builder.customers(customer_count), *builder.suppliers()]
    return (
        parties,
        builder.sales(invoices, part_invoices),
        builder.purchases(bills_for(invoices), part_invoices),
    )


def gb_vat_number(seven_digits: str) -> str:
    """A UK VAT number that passes the modulus-97 check, from any seven digits."""
    weighted = sum(w * int(d) for w, d in zip((8, 7, 6, 5, 4, 3, 2), seven_digits, strict=True))
    return f"GB{seven_digits}{(-weighted) % 97:02d}"


def _pennies(value: int) -> Decimal:
    return Decimal(value).scaleb(-2)


_Line = tuple[DocumentLine, Decimal, Decimal]  # a line, its net and its VAT
_ONE = Decimal(1)


class _Random(random.Random):
    """`random.Random` drawing exactly what it draws, with a quicker `randint`: the demo makes a million.

    The standard one goes through `randrange` and `_randbelow`, checking its arguments on the way; this
    is the same draw (the fewest random bits that cover the range, drawn again while out of it), so a
    seed keeps making the same books.
    """

    def randint(self, a: int, b: int) -> int:
        width = b - a + 1
        bits = width.bit_length()
        drawn = self.getrandbits(bits)
        while drawn >= width:
            drawn = self.getrandbits(bits)
        return a + drawn


class _Builder:
    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng = rng
        self.today = today
        self.start = today - timedelta(days=730)
        self.customer_ids: list[str] = []
        self.commercial: set[str] = set()
        self.company_names: set[str] = set()
        self.supplier_ids: list[tuple[str, str, str]] = []  # source id, nominal, reference prefix
        self.work = [item for item, _ in WORK]
        self.work_weights = list(accumulate(weight for _, weight in WORK))
        self.made_lines: dict[tuple[str, int, int, str, str], _Line] = {}

    # --- parties -----------------------------------------------------------------------------------

    def address(self) -> Address:
        rng = self.rng
        town, county, outwards, _ = rng.choice(TOWNS)
        inward = f"{rng.randint(1, 9)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"
        return Address(
            line1=f"{rng.randint(1, 240)} {rng.choice(STREETS)}",
            town=town,
            county=county,
            postcode=f"{rng.choice(outwards)} {inward}",
        )

    def landline(self, town: str) -> str:
        pattern = next(t[3] for t in TOWNS if t[0] == town)
        first = self.rng.randint(10, 99)
        if pattern.count("%d"):  # five-digit dialling codes leave six digits for the number
            first %= 10
        return pattern % (first, self.rng.randint(1000, 9999))

    def mobile(self) -> str:
        return f"{self.rng.choice(MOBILE_PREFIXES)} {self.rng.randint(100000, 999999)}"

    def customers(self, count: int) -> list[Customer]:
        rng = self.rng
        made: list[Customer] = []
        for index in range(1, count + 1):
            source_id = f"cus-{index:05d}"
            duplicate_of = made[rng.randrange(len(made))] if made and rng.random() < 0.02 else None
            if duplicate_of is not None:
                customer = self.near_duplicate(source_id, duplicate_of)
            elif rng.random() < 0.25:
                customer = self.commercial_customer(source_id)
            else:
                customer = self.residential_customer(source_id)
            if customer.customer_type == "commercial":
                self.commercial.add(source_id)
            self.customer_ids.append(source_id)
            made.append(customer)
        return made

    def residential_customer(self, source_id: str) -> Customer:
        rng = self.rng
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        address = self.address()
        domain = rng.choice(EMAIL_DOMAINS)
        email = "" if rng.random() < 0.2 else f"{first}.{last}{rng.randint(1, 99)}@{domain}".lower()
        has_mobile = rng.random() < 0.6
        return Customer(
            source_id=source_id,
            customer_type="residential",
            title=rng.choice(FEMALE_TITLES if first in FEMALE_FIRST_NAMES else MALE_TITLES),
            first_name=first,
            last_name=last,
            address=address,
            email=email.replace("'", ""),
            phone=self.landline(address.town) if rng.random() < 0.7 or not has_mobile else "",
            mobile=self.mobile() if has_mobile else "",
            account_reference=last[:3].upper().replace("'", "X") + source_id[-4:],
        )

    def commercial_customer(self, source_id: str) -> Customer:
        rng = self.rng
        address = self.address()
        street = address.line1.split(" ", 1)[1].replace("Road", "").replace("Street", "").strip()
        name = self.unique_company_name(
            rng.choice(COMPANY_PATTERNS).format(
                last=rng.choice(LAST_NAMES), town=address.town, street=street
            ),
            address.town,
            street,
        )
        handle = "".join(ch for ch in name.lower() if ch.isalnum())[:24]
        vat_number = gb_vat_number(f"{rng.randint(1000000, 9999999)}") if rng.random() < 0.4 else ""
        return Customer(
            source_id=source_id,
            customer_type="commercial",
            company_name=name,
            first_name=rng.choice(FIRST_NAMES),
            last_name=rng.choice(LAST_NAMES),
            address=address,
            email="" if rng.random() < 0.1 else f"accounts@{handle}.co.uk",
            phone=self.landline(address.town),
            mobile=self.mobile() if rng.random() < 0.3 else "",
            account_reference=f"{handle[:3].upper()}{source_id[-4:]}",
            vat_number=vat_number,
        )

    def unique_company_name(self, name: str, town: str, street: str) -> str:
        """Two different firms never share a name in the books (a package would take them for one):
        a second one is told apart by its town, then its street, as a bookkeeper would."""
        for candidate in (name, f"{name} ({town})", f"{name} ({street}, {town})"):
            if candidate not in self.company_names:
                break
        else:
            number = 2
            while (candidate := f"{name} ({street}, {town}) {number}") in self.company_names:
                number += 1
        self.company_names.add(candidate)
        return candidate

    def near_duplicate(self, source_id: str, original: Customer) -> Customer:
        """The same person typed in twice: initial for a first name, the email left off."""
        first = original.first_name[:1] if original.first_name else ""
        return original.model_copy(
            update={"source_id": source_id, "first_name": first, "email": "", "account_reference": ""}
        )

    def suppliers(self) -> list[Supplier]:
        made: list[Supplier] = []
        for index, (name, nominal, prefix, _) in enumerate(MERCHANTS, start=1):
            source_id = f"sup-{index:03d}"
            handle = "".join(ch for ch in name.lower() if ch.isalnum())[:20]
            address = self.address()
            made.append(
                Supplier(
                    source_id=source_id,
                    name=name,
                    address=address,
                    email=f"accounts@{handle}.co.uk",
                    phone=self.landline(address.town),
                    account_reference=prefix,
                    default_expense_nominal=nominal,
                )
            )
            self.supplier_ids.append((source_id, nominal, prefix))
        return made

    # --- sales -------------------------------------------------------------------------------------

    def day(self) -> date:
        return self.start + timedelta(days=self.rng.randint(1, 730))

    def line(self, description: str, quantity: int, pence: int, vat: str, nominal: str) -> _Line:
        """A sales line with its net and VAT. Equal lines are one object (records are frozen): the work
        list allows some tens of thousands of lines, so a large company's are made once for every seven
        used, and the lines kept stay few however many invoices are made. (Bills' prices vary too
        widely for that.)"""
        key = (description, quantity, pence, vat, nominal)
        found = self.made_lines.get(key)
        if found is None:
            line = DocumentLine(
                description=description,
                quantity=Decimal(quantity),
                unit_price=_pennies(pence),
                vat_rate=vat,
                nominal_code=nominal,
            )
            net = line_net(line.quantity, line.unit_price)
            found = self.made_lines[key] = (line, net, line_vat(net, _VAT[vat]))
        return found

    def lines(self) -> tuple[tuple[DocumentLine, ...], Decimal]:
        """An invoice's lines and the gross they add up to."""
        rng = self.rng
        count = rng.choices((1, 2, 3, 4), cum_weights=(45, 75, 93, 100))[0]
        chosen = rng.choices(self.work, cum_weights=self.work_weights, k=count)
        made = [
            self.line(description, rng.randint(*quantity), rng.randint(*price) // 5 * 5, vat, nominal)
            for description, nominal, vat, price, quantity in chosen
        ]
        return tuple(line for line, _, _ in made), _gross_of(made)

    def sales(self, count: int, size: int) -> Iterator[_Block]:
        """Invoices `size` at a time with their credit notes and payments; then payments on account
        and refunds, which settle credit notes of any block."""
        rng = self.rng
        dates = sorted(self.day() for _ in range(count))
        credits = 0
        unallocated: list[CreditNote] = []
        block = _Block()
        for index, when in enumerate(dates, start=1):
            customer_id = rng.choice(self.customer_ids)
            lines, gross = self.lines()
            stated = None
            if rng.random() < 0.03:
                off = _pennies(rng.choice((0, 0, 0, 1, 3))) if rng.random() < 0.3 else ZERO
                net = total(line.net for line in lines)
                stated = Totals(net=net, vat=gross - net + off, gross=gross + off)
            invoice = Invoice(
                source_id=f"inv-{index:06d}",
                number=f"INV-{10000 + index}",
                date=when,
                due_date=when + timedelta(days=30 if customer_id in self.commercial else 14),
                customer_id=customer_id,
                lines=lines,
                stated_totals=stated,
            )
            block.documents.append(invoice)
            due = gross
            if rng.random() < 0.04:
                credits += 1
                credit = self.credit_note(credits, invoice, gross)
                block.credits.append(credit)
                if credit.invoice_id:
                    due -= min(gross, _gross(credit.lines))
                else:
                    unallocated.append(credit)
            block.payments.extend(self.payments_for(invoice, due))
            if len(block.documents) == size:
                yield block
                block = _Block()
        if block.documents:
            yield block
        tail = _Block()
        for index in range(1, max(1, count // 200) + 1):
            tail.payments.append(self.on_account(index))
        tail.payments.extend(self.refunds(unallocated))
        yield tail

    def credit_note(self, index: int, invoice: Invoice, gross: Decimal) -> CreditNote:
        rng = self.rng
        line = rng.choice(invoice.lines)
        allocated = rng.random() < 0.7
        reason = rng.choice(("Goodwill discount", "Part returned", "Price adjustment", "Duplicate charge"))
        unit_price = min(line.unit_price, _pennies(rng.randint(1000, 8000)))
        return CreditNote(
            source_id=f"crn-{index:05d}",
            number=f"CN-{1000 + index}",
            date=min(self.today, invoice.date + timedelta(days=rng.randint(1, 20))),
            customer_id=invoice.customer_id,
            invoice_id=invoice.source_id if allocated else "",
            lines=(
                DocumentLine(
                    description=f"{reason}: {line.description}",
                    quantity=Decimal(1),
                    unit_price=unit_price,
                    vat_rate=line.vat_rate,
                    nominal_code=line.nominal_code,
                ),
            ),
        )

    def method(self, customer_id: str) -> str:
        if customer_id in self.commercial:
            return self.rng.choices(("bacs", "cheque", "card"), cum_weights=(80, 92, 100))[0]
        return self.rng.choices(("card", "bacs", "cash", "cheque"), cum_weights=(42, 80, 92, 100))[0]

    def payments_for(self, invoice: Invoice, due: Decimal) -> list[CustomerPayment]:
        rng = self.rng
        if due <= ZERO:
            return []
        roll = rng.random()
        paid_on = invoice.date + timedelta(days=rng.randint(0, 40))
        if roll < 0.1 or paid_on > self.today:
            return []
        method = self.method(invoice.customer_id)
        amounts = [due]
        if roll > 0.9 and due > Decimal(20):
            first = (due * Decimal(rng.choice((25, 40, 50))) / 100).quantize(Decimal("0.01"))
            amounts = [first] if rng.random() < 0.4 else [first, due - first]
        made = []
        for part, amount in enumerate(amounts, start=1):
            when = paid_on + timedelta(days=(part - 1) * rng.randint(7, 30))
            if when > self.today:
                break
            made.append(
                CustomerPayment(
                    source_id=f"pay-{invoice.source_id[4:]}-{part}",
                    date=when,
                    amount=amount,
                    method=method,
                    reference=f"{method.upper()} {invoice.number}",
                    customer_id=invoice.customer_id,
                    allocations=(Allocation(document_id=invoice.source_id, amount=amount),),
                )
            )
        return made

    def on_account(self, index: int) -> CustomerPayment:
        customer_id = self.rng.choice(self.customer_ids)
        return CustomerPayment(
            source_id=f"poa-{index:05d}",
            date=self.day(),
            amount=_pennies(self.rng.randint(5000, 50000) // 100 * 100),
            method=self.method(customer_id),
            reference="Deposit, payment on account",
            customer_id=customer_id,
        )

    def refunds(self, unallocated: list[CreditNote]) -> list[CustomerPayment]:
        """About half the credit notes not set against an invoice are paid back."""
        made = []
        for credit in unallocated:
            if self.rng.random() < 0.5:
                continue
            amount = _gross(credit.lines)
            made.append(
                CustomerPayment(
                    source_id=f"ref-{credit.source_id[4:]}",
                    date=min(self.today, credit.date + timedelta(days=self.rng.randint(1, 10))),
                    amount=amount,
                    method="bacs",
                    reference=f"Refund {credit.number}",
                    customer_id=credit.customer_id,
                    is_refund=True,
                    allocations=(Allocation(document_id=credit.source_id, amount=amount),),
                )
            )
        return made

    # --- purchases ---------------------------------------------------------------------------------

    def purchases(self, count: int, size: int) -> Iterator[_Block]:
        """Supplier bills `size` at a time, with their payments."""
        rng = self.rng
        weights = list(accumulate(share for *_, share in MERCHANTS))
        dates = sorted(self.day() for _ in range(count))
        block = _Block()
        for index, when in enumerate(dates, start=1):
            supplier_id, nominal, prefix = rng.choices(self.supplier_ids, cum_weights=weights)[0]
            supplies = SUPPLIES[nominal]
            lines = tuple(
                DocumentLine(
                    description=description,
                    quantity=_ONE,
                    unit_price=_pennies(rng.randint(*price)),
                    vat_rate="S",
                    nominal_code=nominal,
                )
                for description, price in rng.sample(supplies, k=rng.randint(1, len(supplies)))
            )
            bill = SupplierInvoice(
                source_id=f"bill-{index:06d}",
                number=f"{prefix}/{rng.randint(100000, 999999)}",
                date=when,
                due_date=when + timedelta(days=30),
                supplier_id=supplier_id,
                lines=lines,
            )
            block.documents.append(bill)
            paid_on = when + timedelta(days=rng.randint(5, 45))
            if rng.random() < 0.88 and paid_on <= self.today:
                amount = _gross(lines)
                block.payments.append(
                    SupplierPayment(
                        source_id=f"spay-{index:06d}",
                        date=paid_on,
                        amount=amount,
                        method=rng.choices(("bacs", "card"), cum_weights=(75, 100))[0],
                        reference=f"Payment {bill.number}",
                        supplier_id=supplier_id,
                        allocations=(Allocation(document_id=bill.source_id, amount=amount),),
                    )
                )
            if len(block.documents) == size:
                yield block
                block = _Block()
        if block.documents:
            yield block


def _gross_of(lines: list[_Line]) -> Decimal:
    return total(net for _, net, _ in lines) + total(vat for _, _, vat in lines)


def _gross(lines: tuple[DocumentLine, ...]) -> Decimal:
    nets = [line_net(line.quantity, line.unit_price) for line in lines]
    vats = [line_vat(net, _VAT[line.vat_rate]) for net, line in zip(nets, lines, strict=True)]
    return total(nets) + total(vats)
