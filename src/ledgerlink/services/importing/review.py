"""What a person reads of an import, contact by contact: each field as the package has it and as it
will be kept, what is left out and why; two contacts that are one party merged into one record.

The data-quality report (quality.py) says what happens to each contact; this says what happens to each
of its fields, so the tidying ("ls62ab" to "LS6 2AB", a one-line address split into street, town and
postcode) is seen before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledgerlink.domain.package_contact import PackageContact
from ledgerlink.domain.records import Address, Customer, Supplier
from ledgerlink.services.importing.transform import Issue, Transformed
from ledgerlink.store import Store, StoredRecord

Change = str  # "kept", "tidied", "left out", "added", "moved" (a mobile typed as the phone)


@dataclass(frozen=True)
class FieldChange:
    """One field of a contact: as the package has it, as ledgerlink will keep it, and why it differs."""

    label: str
    before: str
    after: str
    change: Change
    why: str = ""


def _address_text(address: Address) -> str:
    parts = [*address.lines, address.town, address.county, address.postcode]
    return ", ".join(part for part in parts if part)


def _address_parts(address: Address) -> str:
    named = [
        ("street", ", ".join(address.lines)),
        ("town", address.town),
        ("county", address.county),
        ("postcode", address.postcode),
    ]
    return "; ".join(f"{name}: {value}" for name, value in named if value)


def _change(label: str, before: str, after: str, issues: dict[str, Issue], field: str) -> FieldChange | None:
    before, after = before.strip(), after.strip()
    if not before and not after:
        return None
    issue = issues.get(field)
    if before and not after:
        return FieldChange(label, before, "", "left out", issue.message if issue else "not used on this side")
    if not before:
        return FieldChange(label, "", after, "added", "worked out from the other fields")
    if before == after:
        return FieldChange(label, before, after, "kept", issue.message if issue else "")
    why = issue.message if issue else "written the usual way"
    return FieldChange(label, before, after, "tidied", why)


def field_changes(item: Transformed) -> tuple[FieldChange, ...]:
    """Each field of the contact before and after; a contact kept out has every field left out."""
    contact = item.contact
    if contact is None:
        return ()
    issues = {issue.field: issue for issue in item.issues if issue.field}
    record = item.record
    rows: list[FieldChange | None] = []
    if record is None:
        reason = item.errors[0].message if item.errors else "not imported"
        for label, value in _package_fields(contact):
            rows.append(FieldChange(label, value, "", "left out", reason) if value else None)
        return tuple(row for row in rows if row is not None)
    if isinstance(record, Customer):
        names = " ".join(p for p in (record.title, record.first_name, record.last_name) if p)
        if record.customer_type == "commercial":
            rows.append(_change("name", contact.name, record.company_name, issues, "name"))
            person = contact.contact_person or f"{contact.first_name} {contact.last_name}".strip()
            rows.append(_change("contact person", person, names, issues, "contact_person"))
        else:
            rows.append(_change("name", contact.name, names, issues, "name"))
        rows.append(_change("VAT number", contact.vat_number, record.vat_number, issues, "vat_number"))
        if contact.mobile.strip() or not record.mobile or record.phone:  # else: the phone moved there
            rows.append(_change("mobile", contact.mobile, record.mobile, issues, "mobile"))
    else:
        rows.append(_change("name", contact.name, record.name, issues, "name"))
    rows.append(_change("reference", contact.reference, record.account_reference, issues, "reference"))
    rows.append(_change("email", contact.email, record.email, issues, "email"))
    mobile_now = record.mobile if isinstance(record, Customer) else ""
    if contact.phone.strip() and not record.phone and mobile_now and not contact.mobile.strip():
        rows.append(
            FieldChange("phone", contact.phone, "", "moved", f"a mobile number: kept as mobile {mobile_now}")
        )
    else:
        rows.append(_change("phone", contact.phone, record.phone, issues, "phone"))
    before, after = _address_text(contact.address), _address_parts(record.address)
    if before or after:
        postcode = issues.get("address.postcode")
        same = before == _address_text(record.address) and record.address.town == contact.address.town
        why = postcode.message if postcode else ("" if same else "split into street, town and postcode")
        rows.append(FieldChange("address", before, after, "kept" if same else "tidied", why))
    return tuple(row for row in rows if row is not None)


def _package_fields(contact: PackageContact) -> list[tuple[str, str]]:
    return [
        ("name", contact.name),
        ("reference", contact.reference),
        ("email", contact.email),
        ("phone", contact.phone),
        ("mobile", contact.mobile),
        ("address", _address_text(contact.address)),
        ("VAT number", contact.vat_number),
    ]


def merged(kept: Customer | Supplier, other: Customer | Supplier) -> Customer | Supplier:
    """One record for two contacts that are the same party: `kept` as it is, its empty fields filled
    from `other` (an email, a phone, an address the first had not been given)."""
    if type(kept) is not type(other):
        return kept
    filled: dict[str, object] = {}
    for name in type(kept).model_fields:
        if name in ("source_id", "customer_type", "address"):
            continue
        if getattr(kept, name) in ("", None) and getattr(other, name) not in ("", None):
            filled[name] = getattr(other, name)
    if not (kept.address.lines or kept.address.postcode) and (other.address.lines or other.address.postcode):
        filled["address"] = other.address
    return kept.model_copy(update=filled)


def imported_records(store: Store, company_id: int, batch_id: int) -> list[StoredRecord]:
    """The records an import batch created that the company still holds, by name: what a person checks
    after importing, and what the job system can read back through the REST API."""
    with store.unit_of_work() as uow:
        imports = uow.imports(company_id)
        kind = imports.get(batch_id).record_kind
        found = uow.records(company_id).load((kind, source_id) for source_id, _ in imports.records(batch_id))
    return sorted(found, key=lambda stored: stored.record.display_name.casefold())  # type: ignore[union-attr]
