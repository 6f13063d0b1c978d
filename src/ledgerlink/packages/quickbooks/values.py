"""How QuickBooks writes values and names its records: figures as JSON numbers of pennies precision
(read back through their text into Decimal), references as `{"value": id}`, and a contact's package id
naming its entity ("Customer:7", "Vendor:7"), as QuickBooks numbers each entity on its own."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ledgerlink.domain.money import to_pennies

Json = dict[str, Any]


def money(value: Decimal) -> float:
    return float(to_pennies(value))


def decimal(value: Any) -> Decimal:
    return Decimal(0) if value in (None, "") else Decimal(str(value))


def ref(value: str) -> Json:
    return {"value": value}


def party_id(entity: str, key: str) -> str:
    return f"{entity}:{key}"


def split_party(package_id: str) -> tuple[str, str]:
    """("Customer", "7") from "Customer:7"; a bare id is read as the customer's or vendor's by role."""
    entity, _, key = package_id.partition(":")
    return (entity, key) if key else ("", package_id)


def party_entity(role: str) -> str:
    return "Customer" if role == "customer" else "Vendor"
