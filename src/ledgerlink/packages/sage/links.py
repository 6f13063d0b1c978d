"""Where a person sees one of Sage's records in Sage Accounting itself: its web app's addresses (the
ones Sage's own API reference shows for its objects), by kind of record.

Kinds whose address Sage does not show are linked to nothing rather than to a guess.
"""

from ledgerlink.domain.records import RecordKind

DEEP_LINKS: dict[RecordKind, str] = {
    RecordKind.CUSTOMER: "https://accounts-extra.sageone.com/contacts/customers/{id}",
    RecordKind.INVOICE: "https://accounts-extra.sageone.com/invoicing/sales_invoices/{id}",
    RecordKind.SUPPLIER_INVOICE: "https://accounts-extra.sageone.com/invoicing/purchase_invoices/{id}",
    RecordKind.SUPPLIER_CREDIT_NOTE: "https://accounts-extra.sageone.com/invoicing/purchase_credit_notes/{id}",
}
