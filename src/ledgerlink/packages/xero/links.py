"""Where a person sees one of Xero's records in Xero itself: its web app's addresses, by kind of record.

Xero opens them in the organisation the person last used; payments have no address of their own (they
show on the invoice they pay), so a payment is linked to nothing.
"""

from ledgerlink.domain.records import RecordKind

DEEP_LINKS: dict[RecordKind, str] = {
    RecordKind.CUSTOMER: "https://go.xero.com/Contacts/View/{id}",
    RecordKind.SUPPLIER: "https://go.xero.com/Contacts/View/{id}",
    RecordKind.INVOICE: "https://go.xero.com/AccountsReceivable/View.aspx?InvoiceID={id}",
    RecordKind.CREDIT_NOTE: "https://go.xero.com/AccountsReceivable/ViewCreditNote.aspx?creditNoteID={id}",
    RecordKind.SUPPLIER_INVOICE: "https://go.xero.com/AccountsPayable/View.aspx?InvoiceID={id}",
    RecordKind.SUPPLIER_CREDIT_NOTE: "https://go.xero.com/AccountsPayable/ViewCreditNote.aspx?creditNoteID={id}",
}
