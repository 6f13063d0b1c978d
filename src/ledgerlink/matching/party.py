"""The record the matching engine compares: one customer or supplier from either side.

Both the job system and the accounting package describe a party with roughly the same fields, but
each fills in a different subset of them and types them differently. ``Party`` carries whatever a
side has; every field may be empty, and the engine treats an empty field as "unknown", never as a
disagreement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["residential", "commercial"]


@dataclass(frozen=True, slots=True)
class Party:
    """One customer or supplier as one side knows it.

    ``name`` is free text (a person's full name or a company's name) for sides that keep a single
    name field; ``first_name``/``last_name``/``company_name`` are used when a side keeps them apart.
    ``kind`` is ``None`` when the side does not say; the engine then infers it from the name.
    """

    id: str
    kind: Kind | None = None
    name: str = ""
    title: str = ""
    first_name: str = ""
    last_name: str = ""
    company_name: str = ""
    address_lines: tuple[str, ...] = ()
    town: str = ""
    postcode: str = ""
    email: str = ""
    phone: str = ""
    reference: str = ""
