"""Import a messy package's customers: the dry-run counts, the commit, a second run, an undo, on each package.

A sandbox business (Sage and Xero, in process, limits off) is seeded with contacts generated from a
seed: people and companies, titles and names typed every way, postcodes missing, lower-cased, typed
into the first line or foreign, emails and phones that cannot work, VAT numbers failing their check,
and the same party typed twice. The import is previewed, committed, run again (creating nothing),
one imported customer gets an invoice, and the batch is undone (that customer kept).

    .venv/bin/python benchmarks/import_messy.py [--contacts 2000] [--seed 7] [--package sage|xero]

The test suite runs the same journey on 300 contacts (tests/integration/services/test_importing_messy.py).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from ledgerlink.domain.records import Address, Customer, DocumentLine, Invoice
from ledgerlink.packages.pacing import UnlimitedPacer
from ledgerlink.sandbox.build import sandbox_app
from ledgerlink.sandbox.kit import in_process_transport
from ledgerlink.services.demo.sandbox_session import connect_to_sandbox, seed_business
from ledgerlink.services.importing.batches import (
    ImportPreview,
    UndoReport,
    commit_import,
    list_batches,
    preview_import,
    undo_import,
)
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.services.operations.secrets import SecretBox
from ledgerlink.settings import Settings
from ledgerlink.store import RecordWrite, Store

UNLIMITED_APPS: dict[str, Callable[[], Any]] = {
    "sage": lambda: sandbox_app("sage", limits=False),
    "xero": lambda: sandbox_app("xero", limits=False),
    "quickbooks": lambda: sandbox_app("quickbooks", limits=False),
}

FIRST = [
    "James",
    "John",
    "Robert",
    "Michael",
    "David",
    "William",
    "Richard",
    "Thomas",
    "Mark",
    "Paul",
    "Steven",
    "Andrew",
    "Peter",
    "Simon",
    "Gary",
    "Ian",
    "Stuart",
    "Neil",
    "Craig",
    "Martin",
    "Mary",
    "Patricia",
    "Jennifer",
    "Linda",
    "Elizabeth",
    "Susan",
    "Margaret",
    "Sarah",
    "Karen",
    "Helen",
    "Claire",
    "Emma",
    "Rachel",
    "Joanne",
    "Nicola",
    "Amanda",
    "Louise",
    "Rebecca",
    "Gemma",
    "Raj",
    "Priya",
    "Aisha",
    "Mohammed",
    "Sean",
    "Siobhan",
    "Niamh",
    "Callum",
    "Fiona",
    "Ewan",
]
LAST = [
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
    "Lewis",
    "James",
    "Phillips",
    "Mason",
    "Mitchell",
    "Rose",
    "Davis",
    "Rodriguez",
    "Cox",
    "Alexander",
    "Morgan",
    "Moore",
    "Martin",
    "Price",
    "Bell",
    "Cooper",
    "Ward",
    "Turner",
    "Hill",
    "Scott",
    "Harris",
    "O'Brien",
    "McDonald",
    "Murphy",
    "Kelly",
    "Campbell",
    "Stewart",
    "Anderson",
    "Macdonald",
    "Reid",
    "Murray",
    "Watson",
]
TRADES = [
    "Plumbing",
    "Heating",
    "Electrical",
    "Building",
    "Roofing",
    "Joinery",
    "Property",
    "Lettings",
    "Construction",
    "Maintenance",
]
FORMS = ["Ltd", "Limited", "& Sons", "LLP", "Services", "& Co", "Ltd.", "Group", "", ""]
STREETS = """High Street|Station Road|Church Lane|Elm Road|Park Avenue|Victoria Road|Green Lane|Manor Road|
Mill Lane|Kings Road|Queens Road|New Street|School Lane|The Crescent|North Street|Albert Road""".replace(
    "\n", ""
).split("|")
TOWNS = [
    ("Leeds", "West Yorkshire", "LS"),
    ("Manchester", "Greater Manchester", "M"),
    ("Sheffield", "South Yorkshire", "S"),
    ("Bristol", "", "BS"),
    ("Birmingham", "West Midlands", "B"),
    ("York", "North Yorkshire", "YO"),
    ("Cardiff", "", "CF"),
    ("Glasgow", "", "G"),
    ("Norwich", "Norfolk", "NR"),
    ("Exeter", "Devon", "EX"),
]
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def gb_vat(dice: random.Random) -> str:
    """A VAT number that passes the UK check (the 97 rule)."""
    digits = [dice.randint(0, 9) for _ in range(7)]
    digits[0] = dice.randint(1, 9)
    total = sum(d * w for d, w in zip(digits, range(8, 1, -1), strict=True))
    check = (-total) % 97
    return "GB" + "".join(map(str, digits)) + f"{check:02d}"


@dataclass
class Party:
    """One generated party, before it is written in a package's own fields."""

    name: str
    company: bool
    first: str
    last: str
    line1: str
    line2: str
    town: str
    county: str
    postcode: str
    country: str
    email: str
    phone: str
    mobile: str
    vat: str
    reference: str
    supplier: bool = False
    flaws: set[str] = field(default_factory=set)


def _postcode(dice: random.Random, area: str) -> str:
    inward = f"{dice.randint(0, 9)}{dice.choice(INWARD_LETTERS)}{dice.choice(INWARD_LETTERS)}"
    return f"{area}{dice.randint(1, 19)} {inward}"


def _person_name(dice: random.Random, first: str, last: str) -> str:
    shapes = [
        f"{first} {last}",
        f"{first} {last}",
        f"Mr {first[0]}. {last}",
        f"{last}, {first}",
        f"Dr. {first} {last}",
        f"Mrs {first} {last}",
        f"{first} {last}".upper(),
        f"{first} {last}".lower(),
        f"Ms {first} {last}",
    ]
    return dice.choice(shapes)


def generate_parties(count: int, *, seed: int) -> list[Party]:
    """`count` messy parties, the same for the same seed, about 6% typed twice."""
    dice = random.Random(seed)
    parties: list[Party] = []
    names: set[str] = set()
    while len(parties) < count:
        number = len(parties) + 1
        if parties and dice.random() < 0.06:
            parties.append(_retyped(dice, dice.choice(parties[-200:]), number))
        else:
            parties.append(_fresh(dice, number))
        party = parties[-1]
        key = " ".join(party.name.split()).casefold()
        if key in names:  # the package refuses (Xero) or confuses (Sage) two contacts of one name
            parties.pop()
            continue
        names.add(key)
    return parties


def _fresh(dice: random.Random, number: int) -> Party:
    first, last = dice.choice(FIRST), dice.choice(LAST)
    company = dice.random() < 0.4
    town, county, area = dice.choice(TOWNS)
    if company:
        shape = dice.randrange(3)
        if shape == 0:
            name = f"{last} {dice.choice(TRADES)} {dice.choice(FORMS)}".strip()
        elif shape == 1:
            name = f"{last} & {dice.choice(LAST)} {dice.choice(FORMS)}".strip()
        else:
            name = f"{dice.choice(TOWNS)[0]} {dice.choice(TRADES)} {dice.choice(FORMS)}".strip()
        name = f"{name} {number}" if dice.random() < 0.02 else name
    else:
        name = _person_name(dice, first, last)
    domain = f"{last.lower().replace(chr(39), '')}{dice.randint(1, 999)}.co.uk"
    party = Party(
        name=name,
        company=company,
        first=first,
        last=last,
        line1=f"{dice.randint(1, 250)} {dice.choice(STREETS)}",
        line2=dice.choice(["", "", "", "Flat 2", "Unit 4"]),
        town=town,
        county=county,
        postcode=_postcode(dice, area),
        country="GB",
        email=f"{first.lower()}.{last.lower().replace(chr(39), '')}{number}@{domain}",
        phone=f"0113 496 {dice.randint(0, 9999):04d}" if dice.random() < 0.6 else "",
        mobile=f"07{dice.choice('789')}{dice.randint(10, 99)} {dice.randint(100000, 999999)}"
        if dice.random() < 0.5
        else "",
        vat=gb_vat(dice) if company and dice.random() < 0.3 else "",
        reference=f"C{number:05d}",
        supplier=company and dice.random() < 0.25,
    )
    _spoil(dice, party, number)
    return party


def _spoil(dice: random.Random, party: Party, number: int) -> None:
    """The mess a package collects over the years, each flaw about as often as in real books."""
    roll = dice.random
    if roll() < 0.08:
        party.postcode, party.flaws = "", party.flaws | {"no_postcode"}
    elif roll() < 0.08:
        party.postcode = party.postcode.replace(" ", "").lower()  # fixable: no flaw
    elif roll() < 0.05:
        party.line1 = f"{party.line1}, {party.town} {party.postcode}"  # all typed in line 1
        party.town = party.postcode = ""
    elif roll() < 0.04:
        party.postcode, party.flaws = f"{party.postcode[:-1]}", party.flaws | {"postcode_not_uk"}
    elif roll() < 0.03:
        party.postcode, party.country, party.town = f"{dice.randint(10000, 99999)}", "FR", "Lyon"
    if roll() < 0.06:
        party.email = dice.choice(
            [f"{party.first.lower()}@", f"{party.first.lower()} at example.com", "n/a", "john@@example.com"]
        )
        party.flaws |= {"email_invalid"}
    elif roll() < 0.15:
        party.email = ""
    if roll() < 0.05:
        party.phone = dice.choice(["123", "n/a", "0113 49", "ring mobile"])
        party.flaws |= {"phone_invalid"}
    if roll() < 0.01:
        party.name = "-" * (1 + number % 7) + "?" * (number // 7 % 5)
        party.flaws |= {"no_name"}


def _retyped(dice: random.Random, original: Party, number: int) -> Party:
    """The same party entered again by someone else: the name typed another way, same address."""
    if original.company:
        name = (
            original.name.replace(" Ltd", " Limited") if " Ltd" in original.name else f"{original.name} Ltd"
        )
    else:
        name = dice.choice(
            [
                f"{original.first} {original.last}",
                f"Mr {original.first} {original.last}",
                f"{original.last}, {original.first}",
                f"{original.first[0]} {original.last}",
            ]
        )
    email = original.email if dice.random() < 0.5 else ""
    flaws = set(original.flaws) - {"no_name"} - (set() if email else {"email_invalid"})
    return Party(
        name=name,
        company=original.company,
        first=original.first,
        last=original.last,
        line1=original.line1,
        line2=original.line2,
        town=original.town,
        county=original.county,
        postcode=original.postcode,
        country=original.country,
        email=email,
        phone=original.phone,
        mobile=original.mobile,
        vat="",
        reference=f"C{number:05d}",
        supplier=original.supplier,
        flaws=flaws | {"duplicate"},
    )


def sage_contact(party: Party) -> dict[str, Any]:
    address = {
        "address_line_1": party.line1,
        "address_line_2": party.line2,
        "city": party.town,
        "region": party.county,
        "postal_code": party.postcode,
        "country_id": party.country,
    }
    return {
        "name": party.name,
        "type": "supplier" if party.supplier else "customer",
        "reference": party.reference,
        "address": {key: value for key, value in address.items() if value},
        "email": party.email,
        "telephone": party.phone,
        "mobile": party.mobile,
        "tax_number": party.vat or None,
    }


def xero_contact(party: Party, index: int) -> dict[str, Any]:
    address = {
        "AddressType": "POBOX",
        "AddressLine1": party.line1,
        "AddressLine2": party.line2,
        "City": party.town,
        "Region": party.county,
        "PostalCode": party.postcode,
        "Country": {"GB": "United Kingdom", "FR": "France"}.get(party.country, party.country),
    }
    body: dict[str, Any] = {
        "Name": party.name,
        "AccountNumber": party.reference,
        "Addresses": [{key: value for key, value in address.items() if value}],
    }
    if party.company and index % 3 == 0:  # the contact person at the business
        body["FirstName"], body["LastName"] = party.first, party.last
    if party.email:
        body["EmailAddress"] = party.email
    phones = []
    if party.phone:
        phones.append({"PhoneType": "DEFAULT", "PhoneNumber": party.phone})
    if party.mobile:
        phones.append({"PhoneType": "MOBILE", "PhoneNumber": party.mobile})
    if phones:
        body["Phones"] = phones
    if party.vat:  # Xero takes any text here: some fail the check
        body["TaxNumber"] = party.vat if index % 4 else party.vat[:-1] + str((int(party.vat[-1]) + 1) % 10)
    return body


def messy_contacts(package: str, count: int, *, seed: int) -> list[dict[str, Any]]:
    """Seed payloads for a package's sandbox: `count` messy contacts, the same for the same seed."""
    parties = generate_parties(count, seed=seed)
    if package == "sage":
        return [sage_contact(party) for party in parties]
    return [xero_contact(party, index) for index, party in enumerate(parties)]


def jobs_side_customers(package: str, count: int, *, seed: int, among: int) -> list[Customer]:
    """Customers the job system holds already: `count` clean parties of the package typed its own way."""
    chosen: list[Customer] = []
    for index, party in enumerate(generate_parties(among, seed=seed)):
        if len(chosen) == count:
            break
        if party.flaws or party.supplier or index % 7:
            continue
        address = Address(line1=party.line1, town=party.town, postcode=party.postcode.upper())
        if party.company:
            chosen.append(
                Customer(
                    source_id=f"JOB-{index}",
                    customer_type="commercial",
                    company_name=party.name,
                    address=address,
                    email=party.email,
                )
            )
        else:
            chosen.append(
                Customer(
                    source_id=f"JOB-{index}",
                    first_name=party.first,
                    last_name=party.last,
                    address=address,
                    email=party.email,
                )
            )
    return chosen


# --- the journey -----------------------------------------------------------------------------------


async def instant(seconds: float) -> None:
    return None


@dataclass
class Journey:
    package: str
    contacts: int
    preview: ImportPreview
    first_created: int
    second_created: int
    second_already_linked: int
    taken: int  # contacts the package did not say were customers, chosen as customers by a person
    undo: UndoReport
    invoiced: str
    times: dict[str, float]
    batches: int
    jobs_side: int


def in_process_runtime(store: Store, package: str, data_dir: Path) -> ConnectorFactory:
    return ConnectorFactory(
        store=store,
        settings=Settings(data_dir=data_dir),
        box=SecretBox("import-messy"),
        in_process={package: in_process_transport(UNLIMITED_APPS[package]())},
        sleep=instant,
        pacer_factory=lambda connection, entry: UnlimitedPacer(),
    )


async def journey(package: str, count: int, *, seed: int, data_dir: Path) -> Journey:
    """Seed, preview, commit, import again, invoice one customer, undo: with each step's time."""
    store = Store.open(f"sqlite:///{data_dir / f'import-{package}.db'}")
    connectors = in_process_runtime(store, package, data_dir)
    held = jobs_side_customers(package, count // 50, seed=seed, among=count)
    with store.unit_of_work() as uow:
        company = uow.companies.add(f"Messy {package.title()} Heating")
        uow.records(company.id).upsert(RecordWrite(customer) for customer in held)
        uow.commit()
    times: dict[str, float] = {}
    started = time.perf_counter()
    await seed_business(
        connectors, package, "Messy Books", contacts=messy_contacts(package, count, seed=seed)
    )
    connection = await connect_to_sandbox(connectors, company.id, package, "Messy Books")
    times["seed and connect"] = time.perf_counter() - started

    started = time.perf_counter()
    preview = await preview_import(connectors, company.id, "customer")
    times["dry run"] = time.perf_counter() - started

    # Where the package does not say which contacts are customers (Xero, before any invoice), the
    # preview asks, and the person answers from what they know: here, the generator's customers.
    customers = {party.reference for party in generate_parties(count, seed=seed) if not party.supplier}
    asked = {record.package_id for record in preview.of("ask")}
    take = [
        item.package_id
        for item in preview.transformed
        if item.package_id in asked and item.record is not None and item.record.account_reference in customers
    ]
    started = time.perf_counter()
    first = await commit_import(connectors, company.id, "customer", preview=preview, take=take)
    times["commit"] = time.perf_counter() - started

    started = time.perf_counter()
    second = await commit_import(connectors, company.id, "customer", connection_id=connection.id)
    times["second run"] = time.perf_counter() - started

    invoiced = next(
        record.source_id
        for record in preview.records
        if record.outcome == "create" or (record.outcome == "ask" and record.package_id in take)
    )
    with store.unit_of_work() as uow:
        uow.records(company.id).upsert(
            [
                RecordWrite(
                    Invoice(
                        source_id="INV-1",
                        number="INV-1",
                        date=date(2026, 1, 5),
                        customer_id=invoiced,
                        lines=(
                            DocumentLine(
                                description="Boiler service",
                                unit_price=Decimal("80.00"),
                                vat_rate="S",
                                nominal_code="4000",
                            ),
                        ),
                    )
                )
            ]
        )
        uow.commit()

    started = time.perf_counter()
    undo = undo_import(store, company.id, first.id)
    times["undo"] = time.perf_counter() - started
    batches = len(list_batches(store, company.id))
    store.close()
    return Journey(
        package=package,
        contacts=count,
        preview=preview,
        first_created=first.created,
        second_created=second.created,
        second_already_linked=int(second.summary.get("already_linked", 0)),
        taken=len(take),
        undo=undo,
        invoiced=invoiced,
        times=times,
        batches=batches,
        jobs_side=len(held),
    )


def print_journey(result: Journey) -> None:
    summary = result.preview.summary
    print(
        f"\n{result.package}: {result.contacts} contacts seeded, {result.jobs_side} of them already on the jobs side"
    )
    print(
        f"  dry run: {summary.contacts} offered as customers; {summary.create} would be created, "
        f"{summary.asked} asked about ({result.taken} chosen as customers), "
        f"{summary.skipped} skipped, {summary.offered_for_linking} offered for linking, "
        f"{summary.already_linked} already linked; {summary.duplicate_groups} groups of likely duplicates"
    )
    for code, count in summary.problems.items():
        print(f"    {code:<22} {count}")
    print(f"  commit: {result.first_created} created and linked")
    print(f"  second run: {result.second_created} created, {result.second_already_linked} already linked")
    print(
        f"  undo: {len(result.undo.removed)} removed, {len(result.undo.kept)} kept "
        + "; ".join(f"{k.source_id}: {k.reason}" for k in result.undo.kept)
    )
    print("  times: " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in result.times.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--package", choices=sorted(UNLIMITED_APPS), action="append")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ledgerlink-import-") as folder:
        for package in args.package or sorted(UNLIMITED_APPS):
            result = asyncio.run(journey(package, args.contacts, seed=args.seed, data_dir=Path(folder)))
            print_journey(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
