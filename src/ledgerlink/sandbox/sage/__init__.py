"""Sage Accounting's sandbox: its state and rules (`models.py`), the bodies it accepts, its replies,
its HTTP face (`app.py`) and the businesses it is seeded with."""

from __future__ import annotations

from ledgerlink.domain.records import RecordKind
from ledgerlink.sandbox.registry import SandboxEntry
from ledgerlink.sandbox.sage.app import API, create_app
from ledgerlink.sandbox.sage.sandbox import SageSandboxConfig

SANDBOX = SandboxEntry(
    name="sage",
    config=SageSandboxConfig,
    create_app=create_app,
    counts={
        RecordKind.CUSTOMER: "contacts",
        RecordKind.SUPPLIER: "contacts",
        RecordKind.INVOICE: "sales_invoices",
        RecordKind.CREDIT_NOTE: "sales_credit_notes",
        RecordKind.SUPPLIER_INVOICE: "purchase_invoices",
        RecordKind.SUPPLIER_CREDIT_NOTE: "purchase_credit_notes",
        RecordKind.CUSTOMER_PAYMENT: "contact_payments",
        RecordKind.SUPPLIER_PAYMENT: "contact_payments",
    },
    api_prefix=API,
    business_header="X-Business",
)
