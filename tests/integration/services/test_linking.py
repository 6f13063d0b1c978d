"""Linking on the side-by-side path against the Sage and Xero sandboxes: the package already holds the
demo company's customers, typed differently, beside two traps (a namesake elsewhere, a person who moved)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ledgerlink.domain.outbox import EntryState
from ledgerlink.domain.records import Address, Customer, RecordKind, Supplier
from ledgerlink.errors import LinkConflict, StepNotReady
from ledgerlink.packages.pacing import UnlimitedPacer
from ledgerlink.sandbox.build import sandbox_app
from ledgerlink.sandbox.kit import in_process_transport
from ledgerlink.services.demo.books import DemoData, generate
from ledgerlink.services.demo.sandbox_session import connect_to_sandbox, sandbox_client, seed_business
from ledgerlink.services.feeding.records import ingest
from ledgerlink.services.linking.proposals import LEFT_FOR_REVIEW, finish_step, link_progress, run_linking
from ledgerlink.services.linking.review import (
    accept_sure,
    decide,
    export_csv,
    import_csv,
    review_items,
    search_contacts,
)
from ledgerlink.services.onboarding.connect import save_settings
from ledgerlink.services.onboarding.nominals import Nominals
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.services.operations.secrets import SecretBox
from ledgerlink.services.sending.controls import send_now
from ledgerlink.settings import Settings
from ledgerlink.store import Store
from ledgerlink.store.connections import Connection, LinkRepository
from ledgerlink.store.linking import DecisionRepository, ProposalRepository
from ledgerlink.store.outbox import OutboxRepository

UNLIMITED_APPS = {
    "sage": lambda: sandbox_app("sage", limits=False),
    "xero": lambda: sandbox_app("xero", limits=False),
    "quickbooks": lambda: sandbox_app("quickbooks", limits=False),
}
STREET_WORDS = {"Road": "Rd", "Lane": "Ln", "Street": "St", "Avenue": "Ave", "Drive": "Dr", "Terrace": "Tce"}


async def instant(seconds: float) -> None:
    return None


@dataclass
class Books:
    """The jobs side, the sandbox business beside it, and who is who."""

    connectors: ConnectorFactory
    company_id: int
    connection: Connection
    demo: DemoData
    package: str
    roles: dict[str, str]  # role -> jobs source id
    references: dict[str, str]  # role -> the package contact's reference, to find its id

    @property
    def store(self) -> Store:
        return self.connectors.store

    def customers(self) -> list[Customer]:
        return [r for r in self.demo.records if isinstance(r, Customer)]

    def suppliers(self) -> list[Supplier]:
        return [r for r in self.demo.records if isinstance(r, Supplier)]

    def package_id(self, role: str) -> str:
        hits = search_contacts(self.store, self.company_id, self.references[role])
        assert len(hits) == 1, (role, hits)
        return str(hits[0].contact.id)

    def link_of(self, kind: RecordKind, source_id: str) -> str | None:
        with self.store.unit_of_work() as uow:
            link = LinkRepository(uow.session, self.connection.id).find(kind, source_id)
        return link.package_id if link else None

    def proposal(self, role: str) -> tuple[str, str]:
        with self.store.unit_of_work() as uow:
            found = ProposalRepository(uow.session, self.connection.id).get(
                RecordKind.CUSTOMER, self.roles[role]
            )
        assert found is not None
        return found.band, found.package_id

    def entry_state(self, source_id: str) -> tuple[EntryState, str]:
        with self.store.unit_of_work() as uow:
            entry = OutboxRepository(uow.session, self.connection.id, self.company_id).find(
                RecordKind.CUSTOMER, source_id
            )
        assert entry is not None
        return entry.state, entry.reason

    async def package_contacts(self) -> int:
        async with sandbox_client(self.connectors, self.package) as client:
            state = (await client.get("/_sandbox/state")).json()
        business = next(b for b in state["businesses"] if b["name"] == "Side by Side Books")
        return int(business["counts"]["contacts"])


def _abbreviated(line: str) -> str:
    for word, short in STREET_WORDS.items():
        line = line.replace(f" {word}", f" {short}")
    return line


def _spec(record: Customer | Supplier, reference: str, **changes: Any) -> dict[str, Any]:
    """A package contact for a jobs record, in neutral words, before the changes a person typed."""
    if isinstance(record, Customer):
        first, last = record.first_name, record.last_name
        name = record.display_name if record.customer_type == "commercial" else f"{first} {last}"
        mobile = record.mobile
    else:
        first = last = ""
        name = record.name
        mobile = ""
    spec: dict[str, Any] = {
        "role": "supplier" if isinstance(record, Supplier) else "customer",
        "name": name,
        "first": first if isinstance(record, Customer) and record.customer_type == "residential" else "",
        "last": last if isinstance(record, Customer) and record.customer_type == "residential" else "",
        "line1": record.address.line1,
        "town": record.address.town,
        "postcode": record.address.postcode,
        "email": record.email,
        "phone": record.phone,
        "mobile": mobile,
        "reference": reference,
    }
    spec.update(changes)
    return spec


def _wire(package: str, spec: dict[str, Any]) -> dict[str, Any]:
    if package == "sage":
        body: dict[str, Any] = {
            "name": spec["name"],
            "type": spec["role"],
            "reference": spec["reference"],
            "address": {
                "address_line_1": spec["line1"],
                "city": spec["town"],
                "postal_code": spec["postcode"],
            },
        }
        for key, field in (("email", "email"), ("telephone", "phone"), ("mobile", "mobile")):
            if spec[field]:
                body[key] = spec[field]
        return body
    if package == "quickbooks":
        return _quickbooks_wire(spec)
    body = {
        "Name": spec["name"],
        "AccountNumber": spec["reference"],
        "Addresses": [
            {
                "AddressType": "STREET",
                "AddressLine1": spec["line1"],
                "City": spec["town"],
                "PostalCode": spec["postcode"],
            }
        ],
        "Phones": [
            {"PhoneType": kind, "PhoneNumber": spec[field]}
            for kind, field in (("DEFAULT", "phone"), ("MOBILE", "mobile"))
            if spec[field]
        ],
    }
    if spec["first"] or spec["last"]:
        body["FirstName"], body["LastName"] = spec["first"], spec["last"]
    if spec["email"]:
        body["EmailAddress"] = spec["email"]
    return body


def _quickbooks_wire(spec: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": spec["role"],
        "DisplayName": spec["name"],
        "AcctNum": spec["reference"],
        "BillAddr": {"Line1": spec["line1"], "City": spec["town"], "PostalCode": spec["postcode"]},
    }
    if spec["first"] or spec["last"]:
        body["GivenName"], body["FamilyName"] = spec["first"], spec["last"]
    for key, field in (("PrimaryEmailAddr", "email"), ("PrimaryPhone", "phone"), ("Mobile", "mobile")):
        if spec[field]:
            body[key] = {"Address": spec[field]} if field == "email" else {"FreeFormNumber": spec[field]}
    return body


def _roles(demo: DemoData) -> dict[str, Customer]:
    """Customers with no twin on the jobs side (a name and an address of their own), by role."""
    customers = [r for r in demo.records if isinstance(r, Customer)]
    names = [(c.first_name.lower(), c.last_name.lower()) for c in customers]
    places = [(c.last_name.lower(), c.address.postcode) for c in customers]
    alone = [
        c
        for c, name, place in zip(customers, names, places, strict=True)
        if names.count(name) == 1 and places.count(place) == 1 and c.first_name and len(c.first_name) > 1
    ]
    residential = [c for c in alone if c.customer_type == "residential"]
    with_email = [c for c in residential if c.email]
    with_phone = [c for c in residential if (c.phone or c.mobile) and c not in with_email[:2]]
    commercial = [c for c in alone if c.customer_type == "commercial" and c.email]
    initials = next(c for c in with_phone if c.phone)
    roles = {
        "surname_first": with_email[0],
        "moved": with_email[1],
        "initials": initials,
        "company": commercial[0],
        "namesake": next(c for c in residential if c not in (with_email[0], with_email[1], initials)),
    }
    assert len({c.source_id for c in roles.values()}) == len(roles)
    return roles


def _package_contacts(package: str, demo: DemoData, roles: dict[str, Customer]) -> list[dict[str, Any]]:
    initials, surname_first = roles["initials"], roles["surname_first"]
    moved, company, namesake = roles["moved"], roles["company"], roles["namesake"]
    company_name = (
        company.company_name.replace(" Ltd", " Limited")
        if " Ltd" in company.company_name
        else (f"{company.company_name} Ltd")
    )
    suppliers = [r for r in demo.records if isinstance(r, Supplier)]
    specs = [
        _spec(
            initials,
            "PKG1",
            name=f"{initials.first_name[0]}. {initials.last_name}",
            first=f"{initials.first_name[0]}.",
            line1=_abbreviated(initials.address.line1),
            postcode=initials.address.postcode.replace(" ", ""),
            phone="+44 " + initials.phone.lstrip("0"),
            email="",
            mobile="",
        ),
        _spec(
            surname_first,
            "PKG2",
            name=f"{surname_first.last_name}, {surname_first.first_name}",
            postcode=surname_first.address.postcode.lower(),
            phone="",
            mobile="",
        ),
        _spec(company, "PKG3", name=company_name.upper(), line1=_abbreviated(company.address.line1)),
        # the same name, someone else: another town, another email, another phone
        _spec(
            namesake,
            "PKG4",
            line1="1 Harbour View",
            town="Truro",
            postcode="TR1 2AB",
            email=f"{namesake.first_name.lower()}.{namesake.last_name.lower()}@example.net",
            phone="01872 555123",
            mobile="",
        ),
        # the same person at the address they left: same email, nothing else in common
        _spec(
            moved, "PKG5", line1="7 Old Mill Close", town="Ipswich", postcode="IP4 1QX", phone="", mobile=""
        ),
        {
            "role": "customer",
            "name": "Edna Thistlewood",
            "first": "Edna",
            "last": "Thistlewood",
            "line1": "3 Fenn Way",
            "town": "Cromer",
            "postcode": "NR27 9AA",
            "email": "",
            "phone": "",
            "mobile": "",
            "reference": "PKG6",
        },
        _spec(suppliers[0], "PKG7", name=suppliers[0].name.upper()),
        _spec(suppliers[1], "PKG8", line1=_abbreviated(suppliers[1].address.line1), phone=""),
    ]
    return [_wire(package, spec) for spec in specs]


async def side_by_side(package: str, store: Store, tmp_path: Path) -> Books:
    demo = generate(seed=7, invoices=60, today=date(2026, 11, 1))
    with store.unit_of_work() as uow:
        company = uow.companies.add("Side by Side Heating")
        reference = uow.reference(company.id)
        reference.put_nominal_accounts(demo.nominal_accounts)
        reference.put_vat_rates(demo.vat_rates)
        reference.put_payment_methods(demo.payment_methods)
        report = ingest(uow, company.id, demo.records)
        uow.commit()
    assert not report.rejected
    connectors = ConnectorFactory(
        store=store,
        settings=Settings(data_dir=tmp_path),
        box=SecretBox("linking"),
        in_process={package: in_process_transport(UNLIMITED_APPS[package]())},
        sleep=instant,
        pacer_factory=lambda connection, entry: UnlimitedPacer(),
    )
    roles = _roles(demo)
    await seed_business(
        connectors, package, "Side by Side Books", contacts=_package_contacts(package, demo, roles)
    )
    connection = await connect_to_sandbox(connectors, company.id, package, "Side by Side Books")
    connection = save_settings(
        connectors, company.id, connection.id, onboarding_path="side-by-side", cut_off_date=date(2023, 1, 1)
    )
    nominals = Nominals(store, connection)
    connector = connectors.connector(connection)
    await nominals.read_lists(connector)
    await connector.aclose()
    nominals.accept_suggestions(checked=True)
    nominals.give_every_consent()  # the person allows what the package needs made (QuickBooks' items)
    connection = nominals.connection
    assert nominals.check().clean
    references = {
        "initials": "PKG1",
        "surname_first": "PKG2",
        "company": "PKG3",
        "namesake": "PKG4",
        "moved": "PKG5",
        "stranger": "PKG6",
        "supplier_1": "PKG7",
        "supplier_2": "PKG8",
    }
    return Books(
        connectors,
        company.id,
        connection,
        demo,
        package,
        {role: customer.source_id for role, customer in roles.items()},
        references,
    )


# --- the whole side-by-side path ---------------------------------------------------------------------


@pytest.mark.parametrize("package", ["quickbooks", "sage", "xero"])
async def test_sure_matches_are_linked_traps_are_not_and_sending_makes_no_duplicates(
    package: str, store: Store, tmp_path: Path
) -> None:
    books = await side_by_side(package, store, tmp_path)
    before = await books.package_contacts()

    summary = await run_linking(books.connectors, books.company_id, "customer")

    assert summary.contacts_read == 8
    linked = {pair.source_id: pair.package_id for pair in summary.linked_now}
    assert linked == {
        books.roles[role]: books.package_id(role) for role in ("initials", "surname_first", "company")
    }
    # the namesake elsewhere is never linked surely, and the person who moved is put to a person
    assert books.link_of(RecordKind.CUSTOMER, books.roles["namesake"]) is None
    assert books.proposal("namesake")[0] != "sure"
    assert books.proposal("moved") == ("likely", books.package_id("moved"))
    waiting = {item.source_id: item for item in review_items(books.store, books.company_id, "customer")}
    assert books.roles["moved"] in waiting
    assert any("moved" in reason for reason in waiting[books.roles["moved"]].reasons)
    assert waiting[books.roles["moved"]].package is not None
    others = {c.source_id for c in books.customers()} - set(books.roles.values())
    with books.store.unit_of_work() as uow:
        proposals = ProposalRepository(uow.session, books.connection.id).all(RecordKind.CUSTOMER)
    assert {source_id: proposals[source_id].band for source_id in others} == dict.fromkeys(others, "none")
    assert summary.sure == 3
    assert summary.none >= len(others)

    # sending is refused until both linking steps are done
    with pytest.raises(StepNotReady, match="link existing customers"):
        await send_now(books.connectors, books.company_id)
    with pytest.raises(StepNotReady, match=books.roles["moved"]):
        finish_step(books.store, books.company_id, "customer")

    decide(books.store, books.company_id, "customer", books.roles["moved"], "accept")
    decide(books.store, books.company_id, "customer", books.roles["namesake"], "leave")
    progress = finish_step(books.store, books.company_id, "customer")
    assert progress.step_done
    assert progress.linked == 4

    with pytest.raises(StepNotReady, match="link existing suppliers"):
        await send_now(books.connectors, books.company_id)
    suppliers = await run_linking(books.connectors, books.company_id, "supplier")
    supplier_ids = [s.source_id for s in books.suppliers()]
    assert {pair.source_id: pair.package_id for pair in suppliers.linked_now} == {
        supplier_ids[0]: books.package_id("supplier_1"),
        supplier_ids[1]: books.package_id("supplier_2"),
    }
    finish_step(books.store, books.company_id, "supplier")

    report = await send_now(books.connectors, books.company_id)
    assert report.stopped == ""
    assert not report.failed, report.failed
    unlinked = (len(books.customers()) - 4) + (len(supplier_ids) - 2)
    # the namesake, left for review, is not created until a person decides
    assert await books.package_contacts() == before + unlinked - 1
    assert books.entry_state(books.roles["namesake"]) == (EntryState.DO_NOT_SEND, LEFT_FOR_REVIEW)
    # a linked customer's invoices went to the contact the package already had
    assert books.link_of(RecordKind.CUSTOMER, books.roles["initials"]) == books.package_id("initials")

    decide(books.store, books.company_id, "customer", books.roles["namesake"], "create_new")
    await send_now(books.connectors, books.company_id)
    assert await books.package_contacts() == before + unlinked
    assert books.link_of(RecordKind.CUSTOMER, books.roles["namesake"]) not in (
        None,
        books.package_id("namesake"),
    )


# --- decisions -------------------------------------------------------------------------------------


async def test_linking_one_package_contact_to_two_records_is_refused_naming_both(
    store: Store, tmp_path: Path
) -> None:
    books = await side_by_side("xero", store, tmp_path)
    await run_linking(books.connectors, books.company_id, "customer")
    taken = books.package_id("initials")
    holder = books.roles["initials"]
    other = books.roles["namesake"]

    with pytest.raises(LinkConflict) as refused:
        decide(books.store, books.company_id, "customer", other, "manual", package_id=taken)

    assert holder in str(refused.value)
    assert other in str(refused.value)
    assert books.link_of(RecordKind.CUSTOMER, other) is None
    assert books.link_of(RecordKind.CUSTOMER, holder) == taken


async def test_a_rerun_respects_rejections_unlinks_and_create_new(any_store: Store, tmp_path: Path) -> None:
    store = any_store
    books = await side_by_side("sage", store, tmp_path)
    await run_linking(books.connectors, books.company_id, "customer")
    moved, initials, stranger = books.roles["moved"], books.roles["initials"], books.roles["namesake"]

    decide(books.store, books.company_id, "customer", moved, "reject")
    decide(books.store, books.company_id, "customer", initials, "unlink")
    decide(books.store, books.company_id, "customer", stranger, "create_new")
    again = await run_linking(books.connectors, books.company_id, "customer")

    assert books.proposal("moved") == ("none", "")
    assert books.link_of(RecordKind.CUSTOMER, initials) is None  # an unlink is never undone by a run
    assert books.proposal("namesake") == ("none", "")
    assert again.linked_now == ()
    with store.unit_of_work() as uow:
        history = [
            d.decision
            for d in DecisionRepository(uow.session, books.connection.id).history(
                RecordKind.CUSTOMER, initials
            )
        ]
    assert history == ["matched", "unlink"]
    # the unlinked record waits for a decision again
    with pytest.raises(StepNotReady, match=initials):
        finish_step(books.store, books.company_id, "customer")
    decide(books.store, books.company_id, "customer", initials, "accept")
    assert books.link_of(RecordKind.CUSTOMER, initials) == books.package_id("initials")


async def test_without_auto_linking_nothing_is_linked_until_the_sure_ones_are_accepted(
    store: Store, tmp_path: Path
) -> None:
    books = await side_by_side("xero", store, tmp_path)
    summary = await run_linking(books.connectors, books.company_id, "customer", auto=False)
    assert summary.linked_now == ()
    assert summary.sure == 3
    assert link_progress(books.store, books.company_id, "customer").linked == 0

    accepted = accept_sure(books.store, books.company_id, "customer")

    assert {pair.source_id for pair in accepted.linked} == {
        books.roles[role] for role in ("initials", "surname_first", "company")
    }
    assert books.link_of(RecordKind.CUSTOMER, books.roles["company"]) == books.package_id("company")


async def test_decisions_round_trip_through_a_spreadsheet(any_store: Store, tmp_path: Path) -> None:
    store = any_store
    books = await side_by_side("xero", store, tmp_path)
    await run_linking(books.connectors, books.company_id, "customer", auto=False)
    sheet = tmp_path / "review.csv"
    exported = export_csv(books.store, books.company_id, sheet)
    lines = sheet.read_text().splitlines()
    assert lines[0] == (
        "kind,source_id,jobs_name,jobs_address,jobs_email,package_id,package_name,package_address,"
        "score,band,reasons,decision"
    )
    assert exported == len(lines) - 1

    rows = list(csv.DictReader(sheet.open()))
    by_id = {row["source_id"]: row for row in rows}
    plan = {
        books.roles["initials"]: "accept",
        books.roles["moved"]: "accept",
        books.roles["surname_first"]: "reject",
        books.roles["company"]: f"link:{books.package_id('company')}",
        books.roles["namesake"]: "leave",
    }
    others = [row["source_id"] for row in rows if row["source_id"] not in plan]
    plan[others[0]] = "create-new"
    plan[others[1]] = "maybe"
    for source_id, decision in plan.items():
        by_id[source_id]["decision"] = decision
    with sheet.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=rows[0].keys())
        writer.writeheader()
        writer.writerows(rows)
    bad_line = 2 + rows.index(by_id[others[1]])

    report = import_csv(books.store, books.company_id, sheet)

    assert report.applied == 6
    assert [(p.line, "maybe" in p.message) for p in report.problems] == [(bad_line, True)]
    assert books.link_of(RecordKind.CUSTOMER, books.roles["initials"]) == books.package_id("initials")
    assert books.link_of(RecordKind.CUSTOMER, books.roles["moved"]) == books.package_id("moved")
    assert books.link_of(RecordKind.CUSTOMER, books.roles["company"]) == books.package_id("company")
    assert books.link_of(RecordKind.CUSTOMER, books.roles["surname_first"]) is None
    statuses = {
        item.source_id: item.status
        for item in review_items(
            books.store, books.company_id, "customer", statuses=("left", "create_new", "linked")
        )
    }
    assert statuses[books.roles["namesake"]] == "left"
    assert statuses[others[0]] == "create_new"
    with store.unit_of_work() as uow:
        decisions = len(DecisionRepository(uow.session, books.connection.id).all(RecordKind.CUSTOMER))

    again = import_csv(books.store, books.company_id, sheet)

    assert (again.applied, again.unchanged, len(again.problems)) == (0, 6, 1)
    with store.unit_of_work() as uow:
        assert len(DecisionRepository(uow.session, books.connection.id).all(RecordKind.CUSTOMER)) == decisions


async def test_a_sure_match_whose_contact_was_taken_meanwhile_goes_to_review_naming_both(
    store: Store, tmp_path: Path
) -> None:
    books = await side_by_side("xero", store, tmp_path)
    await run_linking(books.connectors, books.company_id, "customer", auto=False)
    contact = books.package_id("initials")
    by_hand = books.roles["namesake"]
    decide(books.store, books.company_id, "customer", by_hand, "manual", package_id=contact)

    accepted = accept_sure(books.store, books.company_id, "customer")

    assert books.roles["initials"] not in {pair.source_id for pair in accepted.linked}
    assert len(accepted.conflicts) == 1
    assert by_hand in accepted.conflicts[0]
    assert books.roles["initials"] in accepted.conflicts[0]
    assert books.link_of(RecordKind.CUSTOMER, books.roles["initials"]) is None
    waiting = {item.source_id: item for item in review_items(books.store, books.company_id, "customer")}
    assert waiting[books.roles["initials"]].band == "likely"
    assert by_hand in waiting[books.roles["initials"]].reasons[0]


async def test_a_spreadsheet_never_runs_an_exported_cell_and_the_ids_read_back_are_the_ids_written(
    store: Store, tmp_path: Path
) -> None:
    books = await side_by_side("xero", store, tmp_path)
    with store.unit_of_work() as uow:
        ingest(
            uow,
            books.company_id,
            [
                Customer(
                    source_id="-C9",
                    first_name='=HYPERLINK("http://evil.example","x")',
                    last_name="Smith",
                    address=Address(line1="-5 Main St", town="Leeds", postcode="LS6 2AB"),
                    email="@home",
                )
            ],
        )
        uow.commit()
    await run_linking(books.connectors, books.company_id, "customer", auto=False)
    sheet = tmp_path / "review.csv"
    export_csv(books.store, books.company_id, sheet)

    with sheet.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header, written = rows[0], next(row for row in rows if row[1] == "'-C9")
    cell = dict(zip(header, written, strict=True))
    assert cell["jobs_name"].startswith("'=HYPERLINK(")
    assert cell["jobs_address"].startswith("'-5 Main St")
    assert cell["jobs_email"] == "'@home"
    assert all(not value.startswith(("=", "+", "-", "@")) for row in rows for value in row[:8])

    written[header.index("decision")] = "create-new"
    with sheet.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    report = import_csv(books.store, books.company_id, sheet)

    assert (report.applied, report.problems) == (1, ())
    decided = review_items(books.store, books.company_id, "customer", statuses=("create_new",))
    assert "-C9" in [item.source_id for item in decided]
