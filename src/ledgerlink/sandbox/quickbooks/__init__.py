"""QuickBooks Online's sandbox: its companies and their writes (`models.py`) under QuickBooks' rules
(`names.py`, `lines.py`, `payments.py`), the bodies it accepts, its replies, its HTTP face (`app.py`
over `gate.py`, `reads.py`, `writes.py` and `signin.py`) and the chart and VAT codes a company is
seeded with."""

from __future__ import annotations

from ledgerlink.domain.records import RecordKind
from ledgerlink.sandbox.quickbooks.app import API, create_app
from ledgerlink.sandbox.quickbooks.sandbox import QuickBooksSandboxConfig
from ledgerlink.sandbox.registry import SandboxEntry

SANDBOX = SandboxEntry(
    name="quickbooks",
    config=QuickBooksSandboxConfig,
    create_app=create_app,
    counts={
        RecordKind.CUSTOMER: "Customer",
        RecordKind.SUPPLIER: "Vendor",
        RecordKind.INVOICE: "Invoice",
        RecordKind.CREDIT_NOTE: "CreditMemo",
        RecordKind.SUPPLIER_INVOICE: "Bill",
        RecordKind.SUPPLIER_CREDIT_NOTE: "VendorCredit",
        RecordKind.CUSTOMER_PAYMENT: "Payment",
        RecordKind.SUPPLIER_PAYMENT: "BillPayment",
    },
    api_prefix=API,  # the company's realmId is the first part of every path under it
)
