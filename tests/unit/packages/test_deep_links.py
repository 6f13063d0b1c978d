"""Each package says where its own web app shows a record; the engine only asks."""

from __future__ import annotations

from ledgerlink.domain.records import RecordKind
from ledgerlink.packages.registry import get_package, package_names


def test_every_package_with_a_web_app_links_its_invoices_and_customers_to_it() -> None:
    for name in package_names():
        entry = get_package(name)
        if not entry.deep_links:  # a package without a web app of its own links nothing
            assert entry.deep_link(RecordKind.INVOICE, "abc") == ""
            continue
        invoice = entry.deep_link(RecordKind.INVOICE, "abc 123")
        customer = entry.deep_link(RecordKind.CUSTOMER, "c-1")

        assert invoice.startswith("https://"), (name, invoice)
        assert invoice.endswith("abc%20123"), (name, invoice)
        assert customer.startswith("https://"), (name, customer)
        assert customer.endswith("c-1"), (name, customer)


def test_nothing_is_linked_without_the_package_s_id_or_where_the_package_has_no_page() -> None:
    for name in package_names():
        entry = get_package(name)
        assert entry.deep_link(RecordKind.INVOICE, "") == ""
        assert entry.deep_link(RecordKind.CUSTOMER_PAYMENT, "p-1") == ""
