"""Xero's reply shapes: records as Xero writes them, and its error envelopes.

Dates go out the way Xero sends them, `/Date(ms+0000)/`, with the ISO "string twin" beside the ones
Xero twins; amounts are JSON numbers with two decimals.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from starlette.responses import Response

from ledgerlink.sandbox.kit import Reply
from ledgerlink.sandbox.xero.errors import Refused
from ledgerlink.sandbox.xero.models import Organisation
from ledgerlink.sandbox.xero.records import (
    ZERO_ID,
    Account,
    Allocation,
    BatchPayment,
    Contact,
    Document,
    Overpayment,
    Payment,
    TaxRate,
)

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def ms_date(value: dt.date | dt.datetime | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    elif value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    millis = (value - EPOCH) // dt.timedelta(milliseconds=1)
    return f"/Date({millis}+0000)/"


def iso(value: dt.date | dt.datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds")
    return f"{value.isoformat()}T00:00:00"


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


class XeroJSON(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return json.dumps(content, default=_default, separators=(",", ":")).encode()


def render(reply: Reply) -> Response:
    """A handler's reply as Xero sends it: JSON, or nothing at all when it has no body."""
    if reply.body is None:
        return Response(status_code=reply.status, headers=dict(reply.headers))
    return XeroJSON(reply.body, status_code=reply.status, headers=dict(reply.headers))


def envelope(collection: str, items: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "Id": str(uuid.uuid4()),
        "Status": "OK",
        "ProviderName": "ledgerlink sandbox",
        "DateTimeUTC": ms_date(dt.datetime.now(dt.UTC)),
        **extra,
        collection: items,
    }


# --- records ---------------------------------------------------------------------------------------


def account_json(account: Account) -> dict[str, Any]:
    body: dict[str, Any] = {
        "AccountID": account.id,
        "Code": account.code,
        "Name": account.name,
        "Status": account.status,
        "Type": account.type,
        "TaxType": account.tax_type,
        "Class": account.account_class,
        "EnablePaymentsToAccount": account.enable_payments,
        "ShowInExpenseClaims": False,
        "ReportingCode": "",
        "HasAttachments": False,
        "UpdatedDateUTC": ms_date(account.updated),
        "AddToWatchlist": False,
    }
    if account.system_account:
        body["SystemAccount"] = account.system_account
    if account.type == "BANK":
        body["BankAccountType"] = "BANK"
        body["BankAccountNumber"] = account.bank_account_number
        body["CurrencyCode"] = "GBP"
    return body


def tax_rate_json(rate: TaxRate) -> dict[str, Any]:
    return {
        "Name": rate.name,
        "TaxType": rate.tax_type,
        "ReportTaxType": rate.report_tax_type,
        "Status": rate.status,
        "DisplayTaxRate": rate.rate,
        "EffectiveRate": rate.rate,
        "TaxComponents": [{"Name": "VAT", "Rate": rate.rate, "IsCompound": False, "IsNonRecoverable": False}],
        "CanApplyToAssets": rate.can_apply["ASSETS"],
        "CanApplyToEquity": rate.can_apply["EQUITY"],
        "CanApplyToExpenses": rate.can_apply["EXPENSES"],
        "CanApplyToLiabilities": rate.can_apply["LIABILITIES"],
        "CanApplyToRevenue": rate.can_apply["REVENUE"],
    }


def contact_json(organisation: Organisation, contact: Contact, *, summary: bool = False) -> dict[str, Any]:
    body: dict[str, Any] = {
        "ContactID": contact.id,
        "ContactStatus": contact.status,
        "Name": contact.name,
        "FirstName": contact.first_name,
        "LastName": contact.last_name,
        "EmailAddress": contact.email,
        "UpdatedDateUTC": ms_date(contact.updated),
        "IsSupplier": contact.is_supplier,
        "IsCustomer": contact.is_customer,
        "HasAttachments": False,
        "HasValidationErrors": False,
    }
    if contact.number:
        body["ContactNumber"] = contact.number
    if contact.account_number:
        body["AccountNumber"] = contact.account_number
    if contact.tax_number:
        body["TaxNumber"] = contact.tax_number
    if not summary:
        body["Addresses"] = contact.addresses
        body["Phones"] = contact.phones
        body["ContactGroups"] = []
        body["ContactPersons"] = []
        receivable, payable = organisation.balances(contact.id)
        body["Balances"] = {
            "AccountsReceivable": {"Outstanding": receivable, "Overdue": Decimal("0.00")},
            "AccountsPayable": {"Outstanding": payable, "Overdue": Decimal("0.00")},
        }
    return body


def _contact_ref(organisation: Organisation, contact_id: str) -> dict[str, Any]:
    contact = organisation.contacts[contact_id]
    ref: dict[str, Any] = {"ContactID": contact.id, "Name": contact.name, "ContactStatus": contact.status}
    if contact.number:
        ref["ContactNumber"] = contact.number
    return ref


def _line_json(document: Document, index: int, unit_places: int = 2) -> dict[str, Any]:
    """A line as Xero shows it: the unit amount to 2 decimals unless `unitdp=4` was asked for."""
    line = document.lines[index]
    body: dict[str, Any] = {
        "LineItemID": line.id,
        "Description": line.description,
        "Quantity": line.quantity,
        "UnitAmount": line.unit_amount.quantize(Decimal(1).scaleb(-unit_places), rounding=ROUND_HALF_UP),
        "AccountCode": line.account_code,
        "TaxType": line.tax_type,
        "TaxAmount": line.tax_amount,
        "LineAmount": line.line_amount,
        "Tracking": [],
    }
    if line.discount_rate is not None:
        body["DiscountRate"] = line.discount_rate
    return body


def payment_json(organisation: Organisation, payment: Payment, *, nested: bool = False) -> dict[str, Any]:
    document = organisation.documents[payment.document_id]
    body: dict[str, Any] = {
        "PaymentID": payment.id,
        "Date": ms_date(payment.date),
        "Amount": payment.amount,
        "Reference": payment.reference,
        "CurrencyRate": Decimal("1.000000"),
        "HasAccount": True,
        "HasValidationErrors": False,
    }
    if nested:
        return body
    account = organisation.accounts[payment.account_id]
    ref_key, id_key, number_key = (
        ("CreditNote", "CreditNoteID", "CreditNoteNumber")
        if document.is_credit
        else ("Invoice", "InvoiceID", "InvoiceNumber")
    )
    body.update(
        {
            "BankAmount": payment.amount,
            "PaymentType": payment.payment_type,
            "Status": payment.status,
            "IsReconciled": payment.is_reconciled,
            "UpdatedDateUTC": ms_date(payment.updated),
            "Account": {"AccountID": account.id, "Code": account.code, "Name": account.name},
            ref_key: {
                "Type": document.type,
                id_key: document.id,
                number_key: document.number,
                "Contact": _contact_ref(organisation, document.contact_id),
            },
        }
    )
    if payment.batch_payment_id:
        body["BatchPaymentID"] = payment.batch_payment_id
    return body


def allocation_json(organisation: Organisation, allocation: Allocation) -> dict[str, Any]:
    invoice = organisation.documents[allocation.invoice_id]
    return {
        "AllocationID": allocation.id,
        "Amount": allocation.amount,
        "Date": ms_date(allocation.date),
        "Invoice": {"InvoiceID": invoice.id, "InvoiceNumber": invoice.number, "Type": invoice.type},
        "CreditNote": {"CreditNoteID": allocation.credit_note_id},
        "IsDeleted": False,
    }


def document_json(
    organisation: Organisation,
    document: Document,
    *,
    summary: bool = False,
    lines: bool = True,
    unit_places: int = 2,
) -> dict[str, Any]:
    """An invoice or credit note; `lines=False` leaves out its line items, as Xero's lists do unless
    a page was asked for; `summary` leaves out its payments and allocations too."""
    body: dict[str, Any] = {
        "Type": document.type,
        "Contact": _contact_ref(organisation, document.contact_id),
        "Date": ms_date(document.date),
        "DateString": iso(document.date),
        "Status": document.status,
        "LineAmountTypes": document.line_amount_types,
        "SubTotal": document.subtotal,
        "TotalTax": document.total_tax,
        "Total": document.total,
        "UpdatedDateUTC": ms_date(document.updated),
        "CurrencyCode": document.currency,
        "Reference": document.reference,
        "HasAttachments": False,
        "HasErrors": False,
    }
    if document.due_date is not None:
        body["DueDate"] = ms_date(document.due_date)
        body["DueDateString"] = iso(document.due_date)
    if document.fully_paid_on is not None:
        body["FullyPaidOnDate"] = ms_date(document.fully_paid_on)
    if document.is_credit:
        body.update(
            {
                "CreditNoteID": document.id,
                "CreditNoteNumber": document.number,
                "RemainingCredit": document.amount_due,
                "AppliedAmount": document.amount_credited,
            }
        )
        if not summary:
            body["Allocations"] = [
                allocation_json(organisation, organisation.allocations[a]) for a in document.allocation_ids
            ]
    else:
        body.update(
            {
                "InvoiceID": document.id,
                "InvoiceNumber": document.number,
                "AmountDue": document.amount_due,
                "AmountPaid": document.amount_paid,
                "AmountCredited": document.amount_credited,
                "IsDiscounted": any(line.discount_rate for line in document.lines),
            }
        )
        if document.url:
            body["Url"] = document.url
        if not summary:
            body["CreditNotes"] = [
                {
                    "CreditNoteID": organisation.allocations[a].credit_note_id,
                    "AppliedAmount": organisation.allocations[a].amount,
                }
                for a in document.allocation_ids
            ]
    if not summary and lines:
        body["LineItems"] = [_line_json(document, i, unit_places) for i in range(len(document.lines))]
    if not summary:
        body["Payments"] = [
            payment_json(organisation, organisation.payments[p], nested=True) for p in document.payment_ids
        ]
    return body


def batch_payment_json(organisation: Organisation, batch: BatchPayment) -> dict[str, Any]:
    account = organisation.accounts[batch.account_id]
    payments = [organisation.payments[p] for p in batch.payment_ids]
    return {
        "BatchPaymentID": batch.id,
        "Account": {"AccountID": account.id},
        "Date": ms_date(batch.date),
        "DateString": iso(batch.date),
        "Reference": batch.reference,
        "Type": "RECBATCH" if payments and payments[0].payment_type.startswith("ACCREC") else "PAYBATCH",
        "Status": "AUTHORISED",
        "TotalAmount": sum((p.amount for p in payments), Decimal("0.00")),
        "UpdatedDateUTC": ms_date(batch.updated),
        "IsReconciled": False,
        "Payments": [payment_json(organisation, p) for p in payments],
    }


def bank_transaction_json(organisation: Organisation, overpayment: Overpayment) -> dict[str, Any]:
    account = organisation.accounts[overpayment.account_id]
    return {
        "BankTransactionID": overpayment.bank_transaction_id,
        "OverpaymentID": overpayment.id,
        "Type": overpayment.type,
        "Contact": _contact_ref(organisation, overpayment.contact_id),
        "BankAccount": {"AccountID": account.id, "Code": account.code, "Name": account.name},
        "Date": ms_date(overpayment.date),
        "DateString": iso(overpayment.date),
        "Reference": overpayment.reference,
        "Status": overpayment.status,
        "LineAmountTypes": "NoTax",
        "SubTotal": overpayment.total,
        "TotalTax": Decimal("0.00"),
        "Total": overpayment.total,
        "IsReconciled": False,
        "CurrencyCode": "GBP",
        "UpdatedDateUTC": ms_date(overpayment.updated),
        "LineItems": [
            {
                "Description": "Overpayment",
                "LineAmount": overpayment.total,
                "Quantity": 1,
                "UnitAmount": overpayment.total,
            }
        ],
    }


def overpayment_json(organisation: Organisation, overpayment: Overpayment) -> dict[str, Any]:
    return {
        "OverpaymentID": overpayment.id,
        "Type": overpayment.type,
        "Contact": _contact_ref(organisation, overpayment.contact_id),
        "Date": ms_date(overpayment.date),
        "Status": overpayment.status,
        "LineAmountTypes": "NoTax",
        "SubTotal": overpayment.total,
        "TotalTax": Decimal("0.00"),
        "Total": overpayment.total,
        "RemainingCredit": overpayment.remaining,
        "AppliedAmount": overpayment.allocated,
        "Reference": overpayment.reference,
        "CurrencyCode": "GBP",
        "UpdatedDateUTC": ms_date(overpayment.updated),
        "Allocations": [],
        "Payments": [],
    }


def organisation_json(organisation: Organisation) -> dict[str, Any]:
    settings = organisation.settings
    body: dict[str, Any] = {
        "OrganisationID": organisation.id,
        "Name": organisation.name,
        "LegalName": organisation.name,
        "PaysTax": True,
        "Version": "UK",
        "OrganisationType": "COMPANY",
        "BaseCurrency": "GBP",
        "CountryCode": "GB",
        "IsDemoCompany": False,
        "OrganisationStatus": "ACTIVE",
        "FinancialYearEndDay": 31,
        "FinancialYearEndMonth": 3,
        "SalesTaxBasis": "ACCRUALS",
        "SalesTaxPeriod": "QUARTERLY1",
        "DefaultSalesTax": "Tax Exclusive",
        "DefaultPurchasesTax": "Tax Exclusive",
        "CreatedDateUTC": ms_date(organisation.created),
        "OrganisationEntityType": "COMPANY",
        "Timezone": "GMTSTANDARDTIME",
        "ShortCode": organisation.short_code,
        "Class": "STANDARD",
        "Edition": "BUSINESS",
    }
    if settings.period_lock_date:
        body["PeriodLockDate"] = ms_date(settings.period_lock_date)
    if settings.end_of_year_lock_date:
        body["EndOfYearLockDate"] = ms_date(settings.end_of_year_lock_date)
    return body


# --- errors ----------------------------------------------------------------------------------------


def failed_element(collection: str, sent: Mapping[str, Any], messages: list[str]) -> dict[str, Any]:
    """An element Xero refused, as it answers with summarizeErrors=false: the body sent, plus why."""
    element: dict[str, Any] = {key: value for key, value in sent.items() if key != "ValidationErrors"}
    element["StatusAttributeString"] = "ERROR"
    element["ValidationErrors"] = [{"Message": message} for message in messages]
    if collection in ("Invoices", "CreditNotes"):
        element["HasErrors"] = True
        id_key = "InvoiceID" if collection == "Invoices" else "CreditNoteID"
        element.setdefault(id_key, ZERO_ID)
    elif collection in ("Contacts", "Payments"):
        element["HasValidationErrors"] = True
    return element


def validation_exception(
    elements: list[dict[str, Any]], *, message: str = "A validation exception occurred"
) -> dict[str, Any]:
    return {"ErrorNumber": 10, "Type": "ValidationException", "Message": message, "Elements": elements}


def post_data_invalid(message: str) -> dict[str, Any]:
    return {"ErrorNumber": 14, "Type": "PostDataInvalidException", "Message": message}


def plain_error(status: int, title: str, detail: str) -> dict[str, Any]:
    """The problem-details shape Xero uses for 401, 403, 404 and 429."""
    return {"Type": None, "Title": title, "Status": status, "Detail": detail, "Instance": str(uuid.uuid4())}


def refused_response(refused: Refused) -> Response:
    """A request turned away before any handler ran, in Xero's problem shape."""
    body = plain_error(refused.status, refused.title, refused.detail)
    return XeroJSON(body, status_code=refused.status, headers=refused.headers)
