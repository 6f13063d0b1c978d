"""What an import reads of a QuickBooks customer or vendor: the elements `contacts.py` reads."""

from __future__ import annotations

from ledgerlink.packages.holdings import ContactPart, ImportField

IMPORT_FIELDS: tuple[ImportField, ...] = (
    ImportField("Id", ContactPart.ID),
    ImportField(
        "the entity read", ContactPart.ROLES, "Customer to the customer import, Vendor to the supplier import"
    ),
    ImportField("DisplayName (else CompanyName)", ContactPart.NAME, "a company when CompanyName is set"),
    ImportField("GivenName, FamilyName", ContactPart.PERSON_NAMES),
    ImportField("AcctNum", ContactPart.REFERENCE),
    ImportField("PrimaryEmailAddr.Address", ContactPart.EMAIL),
    ImportField("PrimaryPhone.FreeFormNumber", ContactPart.PHONE),
    ImportField("Mobile.FreeFormNumber", ContactPart.MOBILE),
    ImportField("BillAddr.Line1, BillAddr.Line2, BillAddr.Line3", ContactPart.ADDRESS_LINES),
    ImportField("BillAddr.City", ContactPart.TOWN),
    ImportField("BillAddr.CountrySubDivisionCode", ContactPart.COUNTY),
    ImportField("BillAddr.PostalCode", ContactPart.POSTCODE),
    ImportField("BillAddr.Country", ContactPart.COUNTRY),
    ImportField("TaxIdentifier", ContactPart.VAT_NUMBER),
    ImportField("Active", ContactPart.ACTIVE),
)
