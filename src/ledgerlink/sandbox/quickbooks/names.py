"""What QuickBooks keeps unique: a DisplayName across customers, vendors and employees together, an
item's or account's Name, and (when the company asks for it) a document number."""

from __future__ import annotations

from typing import Any

from ledgerlink.sandbox.quickbooks import errors
from ledgerlink.sandbox.quickbooks.records import NUMBERED, PURCHASES, Company

PARTIES = ("Customer", "Vendor", "Employee")


def check_name(company: Company, entity: str, body: dict[str, Any], own_id: str | None) -> None:
    """Refuse a name already held (6240); a party without a DisplayName takes its person's name."""
    if entity in PARTIES:
        name = (
            body.get("DisplayName")
            or " ".join(
                str(body[p])
                for p in ("Title", "GivenName", "MiddleName", "FamilyName", "Suffix")
                if body.get(p)
            )
            or body.get("CompanyName")
        )
        if not name:
            raise errors.invalid_value("DisplayName", "DisplayName (or a person's name) is required")
        body["DisplayName"] = str(name)
        tables: tuple[str, ...] = PARTIES
    elif entity in ("Item", "Account"):
        name = body.get("Name")
        tables = (entity,)
    else:
        return
    wanted = str(name).strip().lower()
    for table in tables:
        for record in company.table(table).values():
            held = record.get("DisplayName" if table in PARTIES else "Name", "")
            if (record["Id"] != own_id or table != entity) and str(held).strip().lower() == wanted:
                raise errors.duplicate_name(str(name))


def check_doc_number(company: Company, entity: str, body: dict[str, Any], own_id: str | None) -> None:
    """Refuse a document number already used (6140): a supplier's only within that supplier."""
    number = body.get("DocNumber")
    if entity not in NUMBERED or not number or not company.refuse_duplicate_doc_numbers:
        return
    party = "VendorRef" if entity in PURCHASES else None
    for record in company.table(entity).values():
        if record["Id"] == own_id or record.get("DocNumber") != number:
            continue
        if party and record.get(party, {}).get("value") != body.get(party, {}).get("value"):
            continue  # suppliers' numbers clash only within one supplier
        raise errors.duplicate_doc_number(str(number))
