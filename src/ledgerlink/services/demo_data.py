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
    NominalKind,
    PaymentMethod,
    Record,
    Supplier,
    SupplierInvoice,
    SupplierPayment,
    Totals,
    VatRate,
    standard_vat_rates,
)
from ledgerlink.services.bulk import paused_garbage_collection

SizeName = Literal["small", "medium", "large"]
SIZES: dict[SizeName, int] = {"small": 1_000, "medium": 10_000, "large": 100_000}
# invoices (or bills) a part of `generate_parts` holds: a few seconds of feeding, a few tens of MiB
PART_INVOICES = 5_000
CUSTOMERS_PER_INVOICE = 0.15

# town, county, outward codes, telephone pattern (each % takes digits)
_TOWNS: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    (
        "Leeds",
        "West Yorkshire",
        ("LS1", "LS6", "LS7", "LS8", "LS12", "LS16", "LS17", "LS28"),
        "0113 2%02d %04d",
    ),
    ("Bradford", "West Yorkshire", ("BD1", "BD3", "BD9", "BD10", "BD18"), "01274 5%d%04d"),
    ("Wakefield", "West Yorkshire", ("WF1", "WF2", "WF4"), "01924 2%d%04d"),
    ("Huddersfield", "West Yorkshire", ("HD1", "HD2", "HD5"), "01484 4%d%04d"),
    ("Halifax", "West Yorkshire", ("HX1", "HX3"), "01422 3%d%04d"),
    ("Harrogate", "North Yorkshire", ("HG1", "HG2", "HG3"), "01423 5%d%04d"),
    ("York", "North Yorkshire", ("YO1", "YO10", "YO24", "YO31"), "01904 6%d%04d"),
    ("Sheffield", "South Yorkshire", ("S1", "S7", "S10", "S11", "S17"), "0114 2%02d %04d"),
    ("Manchester", "Greater Manchester", ("M1", "M14", "M20", "M21", "M41"), "0161 4%02d %04d"),
    ("Liverpool", "Merseyside", ("L1", "L15", "L17", "L18"), "0151 2%02d %04d"),
    ("Birmingham", "West Midlands", ("B1", "B13", "B15", "B17", "B30"), "0121 4%02d %04d"),
    ("Nottingham", "Nottinghamshire", ("NG1", "NG5", "NG7", "NG9"), "0115 9%02d %04d"),
    ("Leicester", "Leicestershire", ("LE1", "LE2", "LE3"), "0116 2%02d %04d"),
    ("Bristol", "Bristol", ("BS1", "BS6", "BS7", "BS8", "BS9"), "0117 9%02d %04d"),
    ("Newcastle upon Tyne", "Tyne and Wear", ("NE1", "NE2", "NE3", "NE6"), "0191 2%02d %04d"),
    ("Cardiff", "South Glamorgan", ("CF10", "CF11", "CF14", "CF23"), "029 20%02d %04d"),
)
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
_MOBILE_PREFIXES = ("07712", "07834", "07956", "07405", "07491", "07523", "07387")
_STREETS = (
    "Otley Road",
    "Cardigan Road",
    "Harrogate Road",
    "Spen Lane",
    "Kirkstall Lane",
    "Church Street",
    "High Street",
    "Station Road",
    "Victoria Road",
    "Park Avenue",
    "Mill Lane",
    "The Crescent",
    "Grove Road",
    "Queens Drive",
    "Kings Road",
    "Manor Way",
    "Elm Close",
    "Beech Grove",
    "Oak Avenue",
    "Chestnut Walk",
    "Meadow Way",
    "Westfield Road",
    "Springfield Road",
    "North Lane",
    "South Parade",
    "Chapel Street",
    "School Lane",
    "Windsor Road",
    "Albert Terrace",
    "Clarendon Road",
    "Hyde Park Road",
    "Brudenell Road",
    "St Michael's Lane",
    "Moor Lane",
    "Bridge Street",
    "Valley Drive",
    "Ash Grove",
)
_FIRST_NAMES = (
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
    "Amanda",
    "Olivia",
    "Amelia",
    "Isla",
    "Ava",
    "Emily",
    "Sophie",
    "Jessica",
    "Hannah",
    "Lucy",
    "Charlotte",
    "Priya",
    "Aisha",
    "Mohammed",
    "Imran",
    "Wojciech",
    "Agnieszka",
    "Siobhan",
    "Ciaran",
    "Fiona",
    "Gareth",
)
_LAST_NAMES = (
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
    "Patel",
    "Khan",
    "Hussain",
    "Ahmed",
    "Lewis",
    "Harris",
    "Martin",
    "Cooper",
    "Hill",
    "Ward",
    "Morris",
    "Moore",
    "Clark",
    "Lee",
    "King",
    "Baker",
    "Harrison",
    "Morgan",
    "Allen",
    "James",
    "Scott",
    "Phillips",
    "Watson",
    "Davis",
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
    "O'Brien",
    "McDonald",
    "Kowalski",
    "Nowak",
    "Singh",
    "Begum",
    "Atkinson",
    "Holmes",
    "Sutcliffe",
    "Brook",
)
_TITLES = ("Mr", "Mrs", "Ms", "Miss", "Dr", "")
_COMPANY_PATTERNS = (
    "{last} Lettings Ltd",
    "{town} Property Management Ltd",
    "{last} & Sons Builders",
    "{last} Estates",
    "{street} Dental Practice",
    "{town} Community Church",
    "{last} Care Homes Ltd",
    "The {last} Arms",
    "{town} Student Lets",
    "{last} Joinery Ltd",
    "{street} Veterinary Surgery",
    "{town} Housing Association",
)
_EMAIL_DOMAINS = ("gmail.com", "hotmail.co.uk", "btinternet.com", "outlook.com", "yahoo.co.uk", "sky.com")

# code, name, kind
_NOMINALS: tuple[tuple[str, str, NominalKind], ...] = (
    ("1200", "Bank current account", NominalKind.BANK),
    ("1210", "Card takings account", NominalKind.BANK),
    ("1230", "Petty cash", NominalKind.BANK),
    ("4000", "Sales", NominalKind.SALES),
    ("4010", "Sales - installations", NominalKind.SALES),
    ("4020", "Sales - servicing", NominalKind.SALES),
    ("4030", "Sales - repairs", NominalKind.SALES),
    ("4900", "Other income", NominalKind.SALES),
    ("5000", "Materials", NominalKind.EXPENSE),
    ("5010", "Subcontractors", NominalKind.EXPENSE),
    ("7100", "Fuel", NominalKind.EXPENSE),
    ("7200", "Vehicle repairs and servicing", NominalKind.EXPENSE),
    ("7300", "Tools and equipment", NominalKind.EXPENSE),
    ("7500", "Telephone and internet", NominalKind.EXPENSE),
    ("7600", "Insurance", NominalKind.EXPENSE),
)
_METHODS = (
    ("card", "Card", "1210"),
    ("bacs", "BACS", "1200"),
    ("cash", "Cash", "1230"),
    ("cheque", "Cheque", "1200"),
)
# name, expense nominal, reference prefix, share of bills
_MERCHANTS: tuple[tuple[str, str, str, int], ...] = (
    ("Plumb Center", "5000", "PC", 20),
    ("City Plumbing Supplies", "5000", "CPS", 18),
    ("Screwfix Direct Ltd", "5000", "SFX", 18),
    ("Travis Perkins", "5000", "TP", 12),
    ("Toolstation Ltd", "7300", "TS", 8),
    ("PTS Plumbing Trade Supplies", "5000", "PTS", 8),
    ("Shell Fleet Solutions", "7100", "SFS", 8),
    ("Kwik Fit (GB) Ltd", "7200", "KF", 2),
    ("BT Business", "7500", "BT", 3),
    ("Simply Business Insurance", "7600", "SBI", 1),
    ("Pennine Electrical Contractors", "5010", "PEC", 2),
)

# description, nominal, vat code, price in pence (low, high), quantity (low, high)
_Work = tuple[str, str, str, tuple[int, int], tuple[int, int]]
_WORK: tuple[tuple[_Work, int], ...] = (
    (("Annual boiler service", "4020", "S", (7500, 9500), (1, 1)), 22),
    (("Landlord gas safety certificate", "4020", "S", (6000, 8000), (1, 1)), 10),
    (("Call-out and first hour labour", "4030", "S", (6500, 9500), (1, 1)), 14),
    (("Additional labour (per hour)", "4030", "S", (4000, 5500), (1, 4)), 12),
    (("Replace diverter valve", "4030", "S", (14000, 22000), (1, 1)), 5),
    (("Replace radiator", "4030", "S", (18000, 32000), (1, 2)), 5),
    (("Fit thermostatic radiator valves", "4010", "S", (3000, 4500), (2, 8)), 6),
    (("Supply and fit combination boiler", "4010", "S", (180000, 320000), (1, 1)), 4),
    (("Power flush heating system", "4010", "S", (35000, 55000), (1, 1)), 3),
    (("Copper pipe 15mm x 3m", "4000", "S", (1200, 1800), (1, 6)), 8),
    (("Compression fittings and sundries", "4000", "S", (500, 2500), (1, 1)), 8),
    (("Install heating controls (energy-saving)", "4010", "R", (22000, 38000), (1, 1)), 3),
    (("Insulate pipework and cylinder (energy-saving)", "4010", "R", (9000, 16000), (1, 1)), 2),
    (("Plumbing first fix, new-build dwelling", "4010", "Z", (90000, 160000), (1, 1)), 1),
)
_SUPPLIES: dict[str, tuple[tuple[str, tuple[int, int]], ...]] = {
    "5000": (
        ("Copper tube and fittings", (2000, 30000)),
        ("Boiler and flue kit", (60000, 150000)),
        ("Radiators", (5000, 40000)),
        ("Valves and sundries", (800, 9000)),
    ),
    "5010": (("Electrical work, subcontracted", (15000, 60000)),),
    "7100": (("Diesel, fuel card", (6000, 25000)),),
    "7200": (("Van service and tyres", (12000, 45000)),),
    "7300": (("Press-fit tool hire", (2000, 9000)), ("Drill bits and blades", (800, 5000))),
    "7500": (("Mobile and broadband", (4500, 9500)),),
    "7600": (("Public liability insurance, monthly", (3500, 6000)),),
}

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
    nominals = tuple(NominalAccount(code=c, name=n, kind=k) for c, n, k in _NOMINALS)
    methods = tuple(PaymentMethod(code=c, name=n, bank_nominal_code=b) for c, n, b in _METHODS)
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
        self.supplier_ids: list[tuple[str, str, str]] = []  # source id, nominal, reference prefix
        self.work = [item for item, _ in _WORK]
        self.work_weights = list(accumulate(weight for _, weight in _WORK))
        self.made_lines: dict[tuple[str, int, int, str, str], _Line] = {}

    # --- parties -----------------------------------------------------------------------------------

    def address(self) -> Address:
        rng = self.rng
        town, county, outwards, _ = rng.choice(_TOWNS)
        inward = f"{rng.randint(1, 9)}{rng.choice(_INWARD_LETTERS)}{rng.choice(_INWARD_LETTERS)}"
        return Address(
            line1=f"{rng.randint(1, 240)} {rng.choice(_STREETS)}",
            town=town,
            county=county,
            postcode=f"{rng.choice(outwards)} {inward}",
        )

    def landline(self, town: str) -> str:
        pattern = next(t[3] for t in _TOWNS if t[0] == town)
        first = self.rng.randint(10, 99)
        if pattern.count("%d"):  # five-digit dialling codes leave six digits for the number
            first %= 10
        return pattern % (first, self.rng.randint(1000, 9999))

    def mobile(self) -> str:
        return f"{self.rng.choice(_MOBILE_PREFIXES)} {self.rng.randint(100000, 999999)}"

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
        first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
        address = self.address()
        domain = rng.choice(_EMAIL_DOMAINS)
        email = "" if rng.random() < 0.2 else f"{first}.{last}{rng.randint(1, 99)}@{domain}".lower()
        has_mobile = rng.random() < 0.6
        return Customer(
            source_id=source_id,
            customer_type="residential",
            title=rng.choice(_TITLES),
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
        name = rng.choice(_COMPANY_PATTERNS).format(
            last=rng.choice(_LAST_NAMES), town=address.town, street=street
        )
        handle = "".join(ch for ch in name.lower() if ch.isalnum())[:24]
        vat_number = gb_vat_number(f"{rng.randint(1000000, 9999999)}") if rng.random() < 0.4 else ""
        return Customer(
            source_id=source_id,
            customer_type="commercial",
            company_name=name,
            first_name=rng.choice(_FIRST_NAMES),
            last_name=rng.choice(_LAST_NAMES),
            address=address,
            email="" if rng.random() < 0.1 else f"accounts@{handle}.co.uk",
            phone=self.landline(address.town),
            mobile=self.mobile() if rng.random() < 0.3 else "",
            account_reference=f"{handle[:3].upper()}{source_id[-4:]}",
            vat_number=vat_number,
        )

    def near_duplicate(self, source_id: str, original: Customer) -> Customer:
        """The same person typed in twice: initial for a first name, the email left off."""
        first = original.first_name[:1] if original.first_name else ""
        return original.model_copy(
            update={"source_id": source_id, "first_name": first, "email": "", "account_reference": ""}
        )

    def suppliers(self) -> list[Supplier]:
        made: list[Supplier] = []
        for index, (name, nominal, prefix, _) in enumerate(_MERCHANTS, start=1):
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
        weights = list(accumulate(share for *_, share in _MERCHANTS))
        dates = sorted(self.day() for _ in range(count))
        block = _Block()
        for index, when in enumerate(dates, start=1):
            supplier_id, nominal, prefix = rng.choices(self.supplier_ids, cum_weights=weights)[0]
            supplies = _SUPPLIES[nominal]
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
