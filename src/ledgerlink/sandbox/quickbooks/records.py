"""What a QuickBooks sandbox company holds: its entities as QuickBooks' own JSON, by type and Id.

Entities are kept in the shape QuickBooks answers with (element names as in the published schema), so
a read gives back exactly what was written plus what QuickBooks derives (Id, SyncToken, MetaData,
totals, balances). Only the company-level switches that change QuickBooks' answers are typed fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ledgerlink.sandbox.quickbooks import errors

# The entities this sandbox serves, by the lower-case name of their endpoint.
ENTITIES: dict[str, str] = {
    "customer": "Customer",
    "vendor": "Vendor",
    "employee": "Employee",
    "item": "Item",
    "account": "Account",
    "taxcode": "TaxCode",
    "taxrate": "TaxRate",
    "invoice": "Invoice",
    "creditmemo": "CreditMemo",
    "payment": "Payment",
    "bill": "Bill",
    "billpayment": "BillPayment",
    "vendorcredit": "VendorCredit",
    "purchase": "Purchase",
}
READ_ONLY = frozenset({"TaxCode", "TaxRate"})  # created only through the tax service
NAME_LISTS = frozenset({"Customer", "Vendor", "Employee", "Item", "Account"})  # never deleted
SALES = frozenset({"Invoice", "CreditMemo"})
PURCHASES = frozenset({"Bill", "VendorCredit"})
NUMBERED = frozenset({"Invoice", "CreditMemo", "Bill", "VendorCredit"})


@dataclass
class Company:
    """One realm: its entities, its country (non-US companies need a tax code on every line) and the
    duplicate-document-number preference."""

    id: str
    name: str
    country: str = "GB"
    refuse_duplicate_doc_numbers: bool = True
    subscription_active: bool = True
    entities: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    next_id: int = 1

    def table(self, entity: str) -> dict[str, dict[str, Any]]:
        return self.entities.setdefault(entity, {})

    def get(self, entity: str, key: str) -> dict[str, Any]:
        record = self.table(entity).get(str(key))
        if record is None:
            raise errors.not_found(entity, str(key))
        return record

    def live(self, entity: str, reference: Any) -> dict[str, Any]:
        """The referenced entity; an unknown or inactive one is QuickBooks' 610."""
        key = str(reference.get("value", "")) if isinstance(reference, dict) else str(reference)
        record = self.table(entity).get(key)
        if record is None or record.get("Active") is False:
            raise errors.not_found(entity, key)
        return record

    def new_id(self) -> str:
        value = str(self.next_id)
        self.next_id += 1
        return value

    def counts(self) -> dict[str, int]:
        counts = {name: len(self.entities.get(name, {})) for name in ENTITIES.values()}
        return {**counts, "contacts": counts["Customer"] + counts["Vendor"]}
