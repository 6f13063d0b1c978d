"""A company that has sent its books to a sandbox, and a person working in the package beside it.

The changes tests start here: a customer, two invoices and a supplier bill sent through the outbox,
then a bookkeeper in the package records payments, voids documents and deletes payments through the
sandbox's `/_sandbox/as_person` call, in the package's own API shapes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from starlette.applications import Starlette

from ledgerlink.domain.records import (
    Allocation,
    Customer,
    CustomerPayment,
    DocumentLine,
    Invoice,
    Record,
    RecordKind,
    Supplier,
    SupplierInvoice,
)
from ledgerlink.packages.pacing import UnlimitedPacer
from ledgerlink.sandbox.build import sandbox_app
from ledgerlink.sandbox.kit import in_process_transport
from ledgerlink.services.demo.books import reference_lists
from ledgerlink.services.demo.sandbox_session import connect_to_sandbox, sandbox_client, seed_business
from ledgerlink.services.feeding.records import ingest
from ledgerlink.services.onboarding.connect import save_settings
from ledgerlink.services.onboarding.nominals import Nominals
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.services.operations.secrets import SecretBox
from ledgerlink.services.sending.controls import send_now
from ledgerlink.settings import Settings
from ledgerlink.store import Store
from ledgerlink.store.connections import Connection

CUT_OFF = date(2026, 1, 1)


async def instant(seconds: float) -> None:
    return None


def line(net: str, nominal: str = "4020") -> DocumentLine:
    return DocumentLine(
        description="Boiler service", unit_price=Decimal(net), vat_rate="S", nominal_code=nominal
    )


BOOKS: tuple[Record, ...] = (
    Customer(source_id="C1", first_name="Jane", last_name="Smith", account_reference="SMITH01"),
    Invoice(
        source_id="J-1", number="INV-1", date=date(2026, 10, 5), customer_id="C1", lines=(line("100.00"),)
    ),
    Invoice(
        source_id="J-2", number="INV-2", date=date(2026, 10, 6), customer_id="C1", lines=(line("50.00"),)
    ),
    CustomerPayment(
        source_id="P-1",
        customer_id="C1",
        date=date(2026, 10, 8),
        amount=Decimal("20.00"),
        method="card",
        allocations=(Allocation(document_id="J-2", amount=Decimal("20.00")),),
    ),
    Supplier(source_id="S1", name="Plumb Center", account_reference="PLUMB01"),
    SupplierInvoice(
        source_id="B-1",
        number="PC-881",
        date=date(2026, 10, 7),
        supplier_id="S1",
        due_date=date(2026, 11, 7),
        lines=(line("40.00", "5000"),),
    ),
)


@dataclass
class PackageSide:
    """The store, the connectors to the sandbox, and the company that sent BOOKS there."""

    package: str
    store: Store
    connectors: ConnectorFactory
    company_id: int
    connection: Connection
    app: Starlette  # the sandbox, in this process

    def linked(self, kind: RecordKind, source_id: str) -> str:
        with self.store.unit_of_work() as uow:
            link = uow.links(self.connection.id).find(kind, source_id)
        assert link is not None, f"{kind} {source_id} is not linked"
        return link.package_id

    def bank_account(self, method: str = "bacs") -> str:
        with self.store.unit_of_work() as uow:
            return uow.mappings(self.connection.id).as_dict()[("payment_method", method)]

    async def admin(self, method: str, path: str, body: Any = None) -> Any:
        async with sandbox_client(self.connectors, self.package) as client:
            reply = await client.request(method, path, json=body)
        assert reply.status_code < 400, reply.text
        return reply.json() if reply.content else None

    async def as_person(
        self, method: str, path: str, body: Any = None, *, query: dict[str, str] | None = None
    ) -> Any:
        """A change made in the package's own screens; a refusal fails the test with its text."""
        async with sandbox_client(self.connectors, self.package) as client:
            reply = await client.post(
                "/_sandbox/as_person",
                json={"method": method, "path": path, "body": body, "query": query},
            )
        assert reply.status_code < 400, reply.text
        return reply.json() if reply.content else None

    async def pays(self, invoice: str, amount: str, *, kind: RecordKind = RecordKind.INVOICE) -> str:
        """The bookkeeper records a payment against a document; answers the package's payment id."""
        return await self.pays_package_document(
            self.linked(kind, invoice), amount, supplier=kind.label != "invoice"
        )

    async def pays_package_document(self, document_id: str, amount: str, *, supplier: bool = False) -> str:
        bank = self.bank_account()
        if self.package == "sage":
            contact = await self.as_person(
                "GET", f"/{'purchase' if supplier else 'sales'}_invoices/{document_id}"
            )
            body = {
                "contact_payment": {
                    "transaction_type_id": "VENDOR_PAYMENT" if supplier else "CUSTOMER_RECEIPT",
                    "contact_id": contact["contact"]["id"],
                    "bank_account_id": bank,
                    "date": "2026-10-20",
                    "total_amount": float(amount),
                    "allocated_artefacts": [{"artefact_id": document_id, "amount": float(amount)}],
                }
            }
            return str((await self.as_person("POST", "/contact_payments", body))["id"])
        body = {
            "Payments": [
                {
                    "Invoice": {"InvoiceID": document_id},
                    "Account": {"AccountID": bank},
                    "Date": "2026-10-20",
                    "Amount": float(amount),
                }
            ]
        }
        return str((await self.as_person("PUT", "/Payments", body))["Payments"][0]["PaymentID"])

    async def deletes_payment(self, payment_id: str) -> None:
        if self.package == "sage":
            await self.as_person("DELETE", f"/contact_payments/{payment_id}")
        else:
            await self.as_person("POST", f"/Payments/{payment_id}", {"Payments": [{"Status": "DELETED"}]})

    async def voids_invoice(self, invoice: str) -> None:
        document_id = self.linked(RecordKind.INVOICE, invoice)
        if self.package == "sage":
            query = {"void_reason": "raised in error"}
            await self.as_person("DELETE", f"/sales_invoices/{document_id}", query=query)
        else:
            body = {"Invoices": [{"InvoiceID": document_id, "Status": "VOIDED"}]}
            await self.as_person("POST", f"/Invoices/{document_id}", body)

    async def voids_bill(self, bill: str) -> None:
        """The bookkeeper takes a supplier's bill out of the books: Sage deletes it, Xero voids it."""
        document_id = self.linked(RecordKind.SUPPLIER_INVOICE, bill)
        if self.package == "sage":
            await self.as_person("DELETE", f"/purchase_invoices/{document_id}")
        else:
            body = {"Invoices": [{"InvoiceID": document_id, "Status": "VOIDED"}]}
            await self.as_person("POST", f"/Invoices/{document_id}", body)

    async def allocates_credit(
        self, credit_note: str, invoice: str, amount: str, *, supplier: bool = False
    ) -> str:
        """The bookkeeper sets a credit note against an invoice (or a supplier's credit note against
        their bill); answers the package's allocation id."""
        credit_kind = RecordKind.SUPPLIER_CREDIT_NOTE if supplier else RecordKind.CREDIT_NOTE
        credit_id = self.linked(credit_kind, credit_note)
        invoice_id = self.linked(RecordKind.SUPPLIER_INVOICE if supplier else RecordKind.INVOICE, invoice)
        if self.package == "sage":
            contact = await self.as_person(
                "GET", f"/{'purchase' if supplier else 'sales'}_invoices/{invoice_id}"
            )
            body = {
                "contact_allocation": {
                    "transaction_type_id": "VENDOR_ALLOCATION" if supplier else "CUSTOMER_ALLOCATION",
                    "contact_id": contact["contact"]["id"],
                    "date": "2026-10-21",
                    "allocated_artefacts": [
                        {"artefact_id": invoice_id, "amount": float(amount)},
                        {"artefact_id": credit_id, "amount": -float(amount)},
                    ],
                }
            }
            return str((await self.as_person("POST", "/contact_allocations", body))["id"])
        body = {
            "Allocations": [
                {"Invoice": {"InvoiceID": invoice_id}, "Amount": float(amount), "Date": "2026-10-21"}
            ]
        }
        reply = await self.as_person("PUT", f"/CreditNotes/{credit_id}/Allocations", body)
        return str(reply["Allocations"][0]["AllocationID"])

    async def removes_allocation(self, credit_note: str, allocation_id: str) -> None:
        """The bookkeeper takes a credit note's allocation off its invoice again."""
        if self.package == "sage":
            await self.as_person("DELETE", f"/contact_allocations/{allocation_id}")
        else:
            credit_id = self.linked(RecordKind.CREDIT_NOTE, credit_note)
            await self.as_person("DELETE", f"/CreditNotes/{credit_id}/Allocations/{allocation_id}")

    async def invoices_in_package_only(self, net: str) -> str:
        """An invoice a person raised in the package itself, which ledgerlink never sent."""
        contact = self.linked(RecordKind.CUSTOMER, "C1")
        if self.package == "sage":
            account = await self.as_person("GET", "/ledger_accounts", query={"visible_in": "sales"})
            body = {
                "sales_invoice": {
                    "contact_id": contact,
                    "date": "2026-10-10",
                    "invoice_lines": [
                        {
                            "description": "Call-out",
                            "ledger_account_id": account["$items"][0]["id"],
                            "quantity": 1,
                            "unit_price": float(net),
                            "tax_rate_id": "GB_STANDARD",
                            "tax_amount": float(Decimal(net) / 5),
                        }
                    ],
                }
            }
            return str((await self.as_person("POST", "/sales_invoices", body))["id"])
        body = {
            "Invoices": [
                {
                    "Type": "ACCREC",
                    "Contact": {"ContactID": contact},
                    "Date": "2026-10-10",
                    "DueDate": "2026-11-10",
                    "Status": "AUTHORISED",
                    "LineItems": [
                        {
                            "Description": "Call-out",
                            "Quantity": 1,
                            "UnitAmount": float(net),
                            "AccountCode": "200",
                            "TaxType": "OUTPUT2",
                        }
                    ],
                }
            ]
        }
        return str((await self.as_person("PUT", "/Invoices", body))["Invoices"][0]["InvoiceID"])


async def sent_books(package: str, tmp_path: Path, *, database_url: str | None = None) -> PackageSide:
    """A company connected to a fresh sandbox business, mapped from suggestions, BOOKS sent."""
    store = Store.open(database_url or f"sqlite:///{tmp_path / 'ledgerlink.db'}")
    app = sandbox_app(package, limits=False)
    connectors = ConnectorFactory(
        store=store,
        settings=Settings(data_dir=tmp_path),
        box=SecretBox("package side"),
        in_process={package: in_process_transport(app)},
        sleep=instant,
        pacer_factory=lambda connection, entry: UnlimitedPacer(),
    )
    nominals, rates, methods = reference_lists()
    with store.unit_of_work() as uow:
        company = uow.companies.add("Hollis Heating")
        reference = uow.reference(company.id)
        reference.put_nominal_accounts(nominals)
        reference.put_vat_rates(rates)
        reference.put_payment_methods(methods)
        report = ingest(uow, company.id, list(BOOKS))
        assert not report.rejected, report.rejected
        uow.commit()
    await seed_business(connectors, package, "Hollis Books")
    connection = await connect_to_sandbox(connectors, company.id, package, "Hollis Books")
    connection = save_settings(connectors, company.id, connection.id, cut_off_date=CUT_OFF)
    mapping = Nominals(store, connection)
    connector = connectors.connector(connection)
    try:
        await mapping.read_lists(connector)
    finally:
        await connector.aclose()
    mapping.accept_suggestions(checked=True)
    report = await send_now(connectors, company.id)
    assert not report.failed, report.failed
    return PackageSide(package, store, connectors, company.id, connection, app)
