"""Xero's sandbox: its state and rules (`models.py`), the bodies it accepts, its queries and replies,
its HTTP face (`app.py`) and the organisations it is seeded with."""

from __future__ import annotations

from ledgerlink.domain.records import RecordKind
from ledgerlink.sandbox.registry import SandboxEntry
from ledgerlink.sandbox.xero.app import API, create_app
from ledgerlink.sandbox.xero.sandbox import XeroSandboxConfig

SANDBOX = SandboxEntry(
    name="xero",
    config=XeroSandboxConfig,
    create_app=create_app,
    counts={
        RecordKind.CUSTOMER: "contacts",
        RecordKind.SUPPLIER: "contacts",
        RecordKind.INVOICE: "invoices",
        RecordKind.CREDIT_NOTE: "credit_notes",
        RecordKind.SUPPLIER_INVOICE: "invoices",
        RecordKind.SUPPLIER_CREDIT_NOTE: "credit_notes",
        RecordKind.CUSTOMER_PAYMENT: "payments",
        RecordKind.SUPPLIER_PAYMENT: "payments",
    },
    # A payment larger than what its invoice still owes becomes an overpayment.
    aliases={"payments": ("payments", "overpayments")},
    api_prefix=API,
    business_header="Xero-Tenant-Id",
)
