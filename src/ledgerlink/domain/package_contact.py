"""A contact as an accounting package holds it: what linking and importing compare with the jobs side.

It lives in the domain, not with the package port, because the store keeps contacts as last read (so
linking can be reviewed offline) and services compare them with records; neither should need to know
how a package is reached to hold one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from ledgerlink.domain.records import Address


@dataclass(frozen=True)
class PackageContact:
    """A contact as the package holds it, flattened to what linking and importing need."""

    id: str
    name: str
    reference: str = ""
    is_customer: bool = False
    is_supplier: bool = False
    is_company: bool | None = None  # None: the package does not say
    first_name: str = ""
    last_name: str = ""
    contact_person: str = ""
    email: str = ""
    phone: str = ""
    mobile: str = ""
    address: Address = field(default_factory=Address)
    vat_number: str = ""
    active: bool = True
    updated_at: datetime | None = None
    raw: Mapping[str, object] = field(default_factory=dict, compare=False)
