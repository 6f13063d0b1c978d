"""Customers and vendors: a draft to QuickBooks' JSON under a DisplayName that is unique across
customers, vendors and employees, and QuickBooks' record back to the port's contact."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ledgerlink.domain.package_contact import PackageContact
from ledgerlink.domain.records import Address
from ledgerlink.packages.drafts import ContactDraft
from ledgerlink.packages.quickbooks.values import Json, party_id

FORBIDDEN = str.maketrans({":": "-", "\t": " ", "\n": " "})  # QuickBooks refuses these in names
NAME_MAX = 100


def display_names(draft: ContactDraft) -> tuple[str, ...]:
    """The names to try, in order: a DisplayName is unique across customers, vendors and employees, so
    one already held gets the role, then the role and our reference, visibly and the same every time."""
    base = " ".join(draft.name.translate(FORBIDDEN).split())[: NAME_MAX - 30] or draft.source_id
    role = "Customer" if draft.role == "customer" else "Supplier"
    marker = draft.reference or draft.source_id
    return (base, f"{base} ({role})", f"{base} ({role} {marker})"[:NAME_MAX])


def contact_body(draft: ContactDraft, display_name: str) -> Json:
    body: Json = {"DisplayName": display_name}
    if draft.is_company:
        body["CompanyName"] = draft.name.translate(FORBIDDEN)[:NAME_MAX]
    if draft.first_name:
        body["GivenName"] = draft.first_name[:100]
    if draft.last_name:
        body["FamilyName"] = draft.last_name[:100]
    if draft.email:
        body["PrimaryEmailAddr"] = {"Address": draft.email}
    if draft.phone:
        body["PrimaryPhone"] = {"FreeFormNumber": draft.phone}
    if draft.mobile:
        body["Mobile"] = {"FreeFormNumber": draft.mobile}
    address = draft.address
    if any((address.line1, address.town, address.postcode)):
        lines = {
            f"Line{n}": text
            for n, text in enumerate((address.line1, address.line2, address.line3), 1)
            if text
        }
        body["BillAddr"] = {
            **lines,
            "City": address.town,
            "CountrySubDivisionCode": address.county,
            "PostalCode": address.postcode,
            "Country": address.country,
        }
    if draft.reference:
        body["AcctNum"] = draft.reference[:100]
    if draft.vat_number and draft.role == "supplier":
        body["TaxIdentifier"] = draft.vat_number
    return body


def _timestamp(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def contact_from_quickbooks(entity: str, item: Mapping[str, Any]) -> PackageContact:
    address = item.get("BillAddr") or {}
    lines = [str(address.get(f"Line{n}") or "") for n in (1, 2, 3)]
    return PackageContact(
        id=party_id(entity, str(item["Id"])),
        name=str(item.get("DisplayName") or item.get("CompanyName") or ""),
        reference=str(item.get("AcctNum") or ""),
        is_customer=entity == "Customer",
        is_supplier=entity == "Vendor",
        is_company=bool(item.get("CompanyName")) if "CompanyName" in item or "GivenName" in item else None,
        first_name=str(item.get("GivenName") or ""),
        last_name=str(item.get("FamilyName") or ""),
        email=str((item.get("PrimaryEmailAddr") or {}).get("Address") or ""),
        phone=str((item.get("PrimaryPhone") or {}).get("FreeFormNumber") or ""),
        mobile=str((item.get("Mobile") or {}).get("FreeFormNumber") or ""),
        address=Address(
            line1=lines[0],
            line2=lines[1],
            line3=lines[2],
            town=str(address.get("City") or ""),
            county=str(address.get("CountrySubDivisionCode") or ""),
            postcode=str(address.get("PostalCode") or ""),
            country=str(address.get("Country") or "GB")[:2].upper() or "GB",
        ),
        vat_number=str(item.get("TaxIdentifier") or ""),
        active=bool(item.get("Active", True)),
        updated_at=_timestamp((item.get("MetaData") or {}).get("LastUpdatedTime")),
        raw=dict(item),
    )
