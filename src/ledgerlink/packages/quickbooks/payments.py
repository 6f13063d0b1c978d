"""Money between a business and its contacts: customer payments and bill payments linked to what they
settle, refunds of customer credit, and credits applied to invoices."""

from __future__ import annotations

from ledgerlink.packages.drafts import CreditAllocationDraft, DocumentType, PaymentDraft
from ledgerlink.packages.quickbooks.values import Json, money, ref, split_party

PAYMENTS: dict[DocumentType, str] = {
    DocumentType.CUSTOMER_RECEIPT: "Payment",
    DocumentType.SUPPLIER_PAYMENT: "BillPayment",
}
LINKED_TYPES: dict[DocumentType, str] = {
    DocumentType.SALES_INVOICE: "Invoice",
    DocumentType.SALES_CREDIT_NOTE: "CreditMemo",
    DocumentType.PURCHASE_INVOICE: "Bill",
    DocumentType.PURCHASE_CREDIT_NOTE: "VendorCredit",
}


def _linked(document_id: str, document_type: DocumentType) -> Json:
    return {"TxnId": split_party(document_id)[1], "TxnType": LINKED_TYPES[document_type]}


def payment_body(draft: PaymentDraft) -> Json:
    """A customer Payment (into a bank account) or a BillPayment (by cheque from one), linked to what
    it settles; what is not linked stays unapplied, as QuickBooks holds money on account."""
    lines = [
        {"Amount": money(a.amount), "LinkedTxn": [_linked(a.document_id, a.document_type)]}
        for a in draft.allocations
    ]
    _, party = split_party(draft.contact_id)
    if draft.document_type is DocumentType.CUSTOMER_RECEIPT:
        body: Json = {
            "CustomerRef": ref(party),
            "TotalAmt": money(draft.amount),
            "TxnDate": draft.date.isoformat(),
            "Line": lines,
            "DepositToAccountRef": ref(draft.bank_account_id),
        }
        if draft.reference:
            body["PaymentRefNum"] = draft.reference[:21]
        return body
    body = {
        "VendorRef": ref(party),
        "TotalAmt": money(draft.amount),
        "TxnDate": draft.date.isoformat(),
        "Line": lines,
        "PayType": "Check",
        "CheckPayment": {"BankAccountRef": ref(draft.bank_account_id)},
    }
    if draft.reference:
        body["DocNumber"] = draft.reference[:21]
    return body


def refund_body(draft: PaymentDraft, receivable_account_id: str) -> Json:
    """Money paid back to a customer against credit memos: a cheque from the bank account, booked to
    Accounts Receivable and linked to the credits it refunds."""
    _, party = split_party(draft.contact_id)
    body: Json = {
        "PaymentType": "Check",
        "AccountRef": ref(draft.bank_account_id),
        "EntityRef": {"value": party, "type": "Customer"},
        "TxnDate": draft.date.isoformat(),
        "TotalAmt": money(draft.amount),
        "Line": [
            {
                "DetailType": "AccountBasedExpenseLineDetail",
                "Amount": money(draft.amount),
                "AccountBasedExpenseLineDetail": {"AccountRef": ref(receivable_account_id)},
            }
        ],
        "LinkedTxn": [_linked(a.document_id, a.document_type) for a in draft.allocations],
    }
    if draft.reference:
        body["DocNumber"] = draft.reference[:21]
    return body


def allocation_body(draft: CreditAllocationDraft) -> tuple[str, Json]:
    """A credit applied to an invoice: a payment of nothing linking both, each for the amount."""
    _, party = split_party(draft.contact_id)
    if draft.purchase:
        lines = [
            {"Amount": money(draft.amount), "LinkedTxn": [{"TxnId": draft.invoice_id, "TxnType": "Bill"}]},
            {
                "Amount": money(draft.amount),
                "LinkedTxn": [{"TxnId": draft.credit_note_id, "TxnType": "VendorCredit"}],
            },
        ]
        return "BillPayment", {
            "VendorRef": ref(party),
            "TotalAmt": 0.0,
            "TxnDate": draft.date.isoformat(),
            "PayType": "Check",
            "Line": lines,
        }
    lines = [
        {"Amount": money(draft.amount), "LinkedTxn": [{"TxnId": draft.invoice_id, "TxnType": "Invoice"}]},
        {
            "Amount": money(draft.amount),
            "LinkedTxn": [{"TxnId": draft.credit_note_id, "TxnType": "CreditMemo"}],
        },
    ]
    return "Payment", {
        "CustomerRef": ref(party),
        "TotalAmt": 0.0,
        "TxnDate": draft.date.isoformat(),
        "Line": lines,
    }
