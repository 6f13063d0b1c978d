"""Demo books: the same seed makes the same books, and they look like a real UK trades business's."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal

import phonenumbers
from stdnum.gb import vat as gb_vat

from ledgerlink.domain.contact_details import UK_POSTCODE
from ledgerlink.domain.ledger import build_ledger, effect_order
from ledgerlink.domain.records import Customer, CustomerPayment, Invoice, RecordKind, Supplier
from ledgerlink.domain.validation import ReferenceData, has_errors, validate
from ledgerlink.services.demo.books import gb_vat_number, generate, generate_parts
from ledgerlink.services.demo.lists import FEMALE_FIRST_NAMES

TODAY = date(2026, 6, 30)


def test_the_same_seed_makes_the_same_books_and_another_seed_other_books() -> None:
    first = generate(seed=3, invoices=200, today=TODAY)
    again = generate(seed=3, invoices=200, today=TODAY)
    other = generate(seed=4, invoices=200, today=TODAY)
    assert [r.version for r in first.records] == [r.version for r in again.records]
    assert [r.version for r in first.records] != [r.version for r in other.records]


def test_the_books_hold_every_kind_in_believable_proportions() -> None:
    data = generate(seed=1, invoices=1000, today=TODAY)
    counts = Counter(record.kind for record in data.records)
    assert counts[RecordKind.INVOICE] == 1000
    assert counts[RecordKind.CUSTOMER] == 150
    assert 20 <= counts[RecordKind.CREDIT_NOTE] <= 80
    assert 800 <= counts[RecordKind.CUSTOMER_PAYMENT] <= 1100
    assert counts[RecordKind.SUPPLIER_INVOICE] == 300
    invoices = [r for r in data.records if isinstance(r, Invoice)]
    assert min(i.date for i in invoices) >= date(2024, 6, 30)
    assert max(i.date for i in invoices) <= TODAY
    rates = Counter(line.vat_rate for i in invoices for line in i.lines)
    assert rates["S"] > rates["R"] > 0
    assert rates["Z"] > 0
    methods = Counter(p.method for p in data.records if isinstance(p, CustomerPayment))
    assert set(methods) == {"card", "bacs", "cash", "cheque"}
    assert any(isinstance(p, CustomerPayment) and not p.allocations for p in data.records)
    assert any(isinstance(p, CustomerPayment) and p.is_refund for p in data.records)
    names = {s.name for s in data.records if isinstance(s, Supplier)}
    assert {"Plumb Center", "Screwfix Direct Ltd", "Travis Perkins"} <= names


def test_customers_have_uk_postcodes_real_phone_numbers_and_valid_vat_numbers() -> None:
    customers = [r for r in generate(seed=2, invoices=2000, today=TODAY).records if isinstance(r, Customer)]
    for customer in customers:
        assert UK_POSTCODE.match(customer.address.postcode), customer.address.postcode
        for number in filter(None, (customer.phone, customer.mobile)):
            assert phonenumbers.is_valid_number(phonenumbers.parse(number, "GB")), number
        if customer.vat_number:
            assert gb_vat.is_valid(customer.vat_number)
    assert any(c.mobile for c in customers)
    assert any(not c.email for c in customers)
    assert {c.customer_type for c in customers} == {"residential", "commercial"}
    assert gb_vat_number("1234567") == "GB123456782"


def test_every_record_passes_validation_and_nothing_is_overpaid() -> None:
    data = generate(seed=5, invoices=500, today=TODAY)
    reference = ReferenceData.of(data.nominal_accounts, data.vat_rates, data.payment_methods)
    ledger = build_ledger([], reference.percent_by_rate)
    for record in sorted(data.records, key=effect_order):
        findings = validate(record, reference, ledger.open_items)
        assert not has_errors(findings), [str(f) for f in findings]
        ledger.apply(record)
    assert all(item.outstanding >= Decimal(0) for item in ledger.open_items.values())


def test_the_books_in_parts_are_the_same_books_and_each_part_can_be_fed_in_turn() -> None:
    whole = generate(seed=6, invoices=700, today=TODAY)
    parts = list(generate_parts(seed=6, invoices=700, today=TODAY, part_invoices=200))
    assert len(parts) == 1 + 4 + 1 + 2  # parties; sales by 200; payments on account and refunds; bills
    in_parts = [record for part in parts for record in part]
    assert sorted(r.version for r in in_parts) == sorted(r.version for r in whole.records)
    reference = ReferenceData.of(whole.nominal_accounts, whole.vat_rates, whole.payment_methods)
    ledger = build_ledger([], reference.percent_by_rate)
    for part in parts:  # what earlier parts left open, and nothing of later parts
        for record in sorted(part, key=effect_order):
            findings = validate(record, reference, ledger.open_items)
            assert not has_errors(findings), [str(f) for f in findings]
            ledger.apply(record)


def test_the_demo_never_gives_two_firms_one_name_nor_a_title_that_does_not_fit_the_first_name() -> None:
    customers = [
        r
        for r in generate(seed=11, invoices=3000, today=date(2026, 11, 1)).records
        if isinstance(r, Customer)
    ]
    by_name: dict[str, list[Customer]] = defaultdict(list)
    for customer in customers:
        if customer.customer_type == "commercial":
            by_name[customer.company_name].append(customer)
    for name, holders in by_name.items():  # only the same firm typed in twice shares a name
        assert len({holder.address for holder in holders}) == 1, name
    for customer in customers:
        if customer.first_name in FEMALE_FIRST_NAMES:
            assert customer.title not in ("Mr",), customer
        elif len(customer.first_name) > 1 and customer.customer_type == "residential":
            assert customer.title not in ("Mrs", "Ms", "Miss"), customer
