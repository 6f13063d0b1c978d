"""Tryton's sandbox: real `trytond` servers, one per business, behind the kit's consent page, admin API,
limits and faults. The books are Tryton's own; the sandbox only starts the servers and keeps the door."""

from __future__ import annotations

from ledgerlink.domain.records import RecordKind
from ledgerlink.sandbox.registry import SandboxEntry
from ledgerlink.sandbox.tryton.app import create_app
from ledgerlink.sandbox.tryton.sandbox import TrytonSandboxConfig

SANDBOX = SandboxEntry(
    name="tryton",
    config=TrytonSandboxConfig,
    create_app=create_app,
    counts={
        RecordKind.CUSTOMER: "parties",
        RecordKind.SUPPLIER: "parties",
        RecordKind.INVOICE: "sales_documents",
        RecordKind.CREDIT_NOTE: "sales_documents",
        RecordKind.SUPPLIER_INVOICE: "purchase_documents",
        RecordKind.SUPPLIER_CREDIT_NOTE: "purchase_documents",
        RecordKind.CUSTOMER_PAYMENT: "payments",
        RecordKind.SUPPLIER_PAYMENT: "payments",
    },
    real_engine=True,
)
