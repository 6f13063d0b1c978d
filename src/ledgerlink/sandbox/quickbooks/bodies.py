"""The request bodies QuickBooks accepts: the element names each entity may carry and those it needs.

A body with an element QuickBooks does not know is refused (2020), as is one missing a required
element (2010); values are checked where QuickBooks checks them (forbidden characters in names,
document numbers past 21 characters, references that are not `{"value": ...}`).
"""

from __future__ import annotations

from typing import Any

from ledgerlink.sandbox.quickbooks.errors import QuickBooksFault, invalid_value, validation

COMMON = frozenset({"Id", "SyncToken", "sparse", "domain", "MetaData", "Active"})
_NAME = frozenset(
    {
        "DisplayName",
        "Title",
        "GivenName",
        "MiddleName",
        "FamilyName",
        "Suffix",
        "CompanyName",
        "PrimaryEmailAddr",
        "PrimaryPhone",
        "Mobile",
        "BillAddr",
        "ShipAddr",
        "Notes",
        "CurrencyRef",
        "PrintOnCheckName",
        "WebAddr",
        "Balance",
        "OpenBalanceDate",
    }
)
_TXN = frozenset(
    {
        "DocNumber",
        "TxnDate",
        "PrivateNote",
        "CurrencyRef",
        "ExchangeRate",
        "Line",
        "TxnTaxDetail",
        "GlobalTaxCalculation",
        "TotalAmt",
        "LinkedTxn",
    }
)
ALLOWED: dict[str, frozenset[str]] = {
    "Customer": _NAME
    | {"AcctNum", "DefaultTaxCodeRef", "ParentRef", "Job", "BillWithParent", "Taxable", "SalesTermRef"},
    "Vendor": _NAME | {"AcctNum", "TermRef", "Vendor1099", "TaxIdentifier"},
    "Employee": _NAME,
    "Item": frozenset(
        {
            "Name",
            "Description",
            "Type",
            "IncomeAccountRef",
            "ExpenseAccountRef",
            "AssetAccountRef",
            "UnitPrice",
            "PurchaseCost",
            "SalesTaxCodeRef",
            "PurchaseTaxCodeRef",
            "Taxable",
            "Sku",
            "TrackQtyOnHand",
            "QtyOnHand",
            "InvStartDate",
            "FullyQualifiedName",
        }
    ),
    "Account": frozenset(
        {
            "Name",
            "AcctNum",
            "AccountType",
            "AccountSubType",
            "Description",
            "ParentRef",
            "SubAccount",
            "TaxCodeRef",
        }
    ),
    "Invoice": _TXN
    | {
        "CustomerRef",
        "DueDate",
        "SalesTermRef",
        "CustomerMemo",
        "BillEmail",
        "BillAddr",
        "ShipAddr",
        "Balance",
        "EmailStatus",
        "ApplyTaxAfterDiscount",
    },
    "CreditMemo": _TXN
    | {
        "CustomerRef",
        "CustomerMemo",
        "BillEmail",
        "BillAddr",
        "RemainingCredit",
        "Balance",
        "InvoiceRef",
        "ApplyTaxAfterDiscount",
    },
    "Payment": frozenset(
        {
            "CustomerRef",
            "TotalAmt",
            "Line",
            "DepositToAccountRef",
            "PaymentMethodRef",
            "PaymentRefNum",
            "TxnDate",
            "PrivateNote",
            "CurrencyRef",
            "UnappliedAmt",
            "ARAccountRef",
            "ProcessPayment",
        }
    ),
    "Bill": _TXN | {"VendorRef", "DueDate", "SalesTermRef", "APAccountRef", "Balance"},
    "VendorCredit": _TXN | {"VendorRef", "APAccountRef", "Balance"},
    "BillPayment": frozenset(
        {
            "VendorRef",
            "TotalAmt",
            "Line",
            "PayType",
            "CheckPayment",
            "CreditCardPayment",
            "DocNumber",
            "TxnDate",
            "PrivateNote",
            "CurrencyRef",
            "APAccountRef",
        }
    ),
}
ALLOWED["Purchase"] = frozenset(
    {
        "PaymentType",
        "AccountRef",
        "EntityRef",
        "Line",
        "TotalAmt",
        "TxnDate",
        "DocNumber",
        "PrivateNote",
        "LinkedTxn",
        "PaymentMethodRef",
        "PaymentRefNum",
        "GlobalTaxCalculation",
        "Memo",
    }
)
REQUIRED: dict[str, tuple[str, ...]] = {
    "Item": ("Name",),
    "Account": ("Name", "AccountType"),
    "Invoice": ("CustomerRef", "Line"),
    "CreditMemo": ("CustomerRef", "Line"),
    "Payment": ("CustomerRef", "TotalAmt"),
    "Bill": ("VendorRef", "Line"),
    "VendorCredit": ("VendorRef", "Line"),
    "BillPayment": ("VendorRef", "TotalAmt", "PayType", "Line"),
    "Purchase": ("PaymentType", "AccountRef", "Line"),
}
REFERENCES = (
    "CustomerRef",
    "VendorRef",
    "IncomeAccountRef",
    "ExpenseAccountRef",
    "DepositToAccountRef",
    "APAccountRef",
    "ParentRef",
)
FORBIDDEN_IN_NAMES = (":", "\t", "\n")


def required_missing(element: str) -> QuickBooksFault:
    return validation(
        "2010",
        "Request has invalid or unsupported property",
        f"Required parameter {element} is missing in the request",
        element,
    )


def check(entity: str, body: Any, *, update: bool) -> dict[str, Any]:
    """The body, or the Fault QuickBooks answers for it."""
    if not isinstance(body, dict):
        raise invalid_value(entity, f"the {entity} body must be an object")
    unknown = sorted(set(body) - COMMON - ALLOWED.get(entity, frozenset()))
    if unknown:
        raise validation(
            "2020",
            "Request has invalid or unsupported property",
            f"Property Name:{unknown[0]} specified is unsupported or invalid",
            unknown[0],
        )
    if update:
        for element in ("Id", "SyncToken"):
            if element not in body:
                raise required_missing(element)
    elif not body.get("sparse"):
        for element in REQUIRED.get(entity, ()):
            if body.get(element) in (None, "", []):
                raise required_missing(element)
    for element in REFERENCES:
        if element in body and not (isinstance(body[element], dict) and body[element].get("value")):
            raise invalid_value(element, f'{element} must be a reference: {{"value": "<Id>"}}')
    for element in ("DisplayName", "Name"):
        name = body.get(element)
        if isinstance(name, str) and any(c in name for c in FORBIDDEN_IN_NAMES):
            raise invalid_value(element, f"{element} may not contain a colon, tab or newline")
    number = body.get("DocNumber")
    if isinstance(number, str) and len(number) > 21:
        raise validation(
            "6000",
            "A business validation error has occurred while processing your request",
            "Document Number is too long: the maximum is 21 characters",
            "DocNumber",
        )
    if "Line" in body and not isinstance(body["Line"], list):
        raise invalid_value("Line", "Line must be a list")
    return body
