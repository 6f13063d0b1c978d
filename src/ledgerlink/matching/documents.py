"""Linking a document dated before the cut-off to the package's own open copy of it.

On the side-by-side path the bookkeeper's unpaid invoices and bills from before the cut-off are in the
package already; money received against them later must be sent against that copy. A document is known
by three things a bookkeeper would check: its number, its contact and what is still open on it. All
three agreeing is a sure match; two of them a match to check (a part-payment one side has not seen yet,
a number typed differently, a contact not linked yet); fewer is none. Bands are the ones contact linking
uses: "sure" is linked at once, "likely" waits for a person.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from ledgerlink.matching.result import Band

_NOT_SIGNIFICANT = re.compile(r"[^0-9a-z]+")


@dataclass(frozen=True)
class Document:
    """One side's document: `kind` tells sales from purchase and invoice from credit note; `numbers`
    every number it is known by (the package's own and the reference it keeps); `contact_id` the
    package's id of its contact ("" where the contact is not linked yet)."""

    id: str
    kind: str
    numbers: tuple[str, ...]
    contact_id: str
    open_amount: Decimal


@dataclass(frozen=True)
class DocumentProposal:
    left_id: str
    right_id: str
    band: Band
    reasons: tuple[str, ...]


def _number_key(number: str) -> str:
    """INV-1001, inv 1001 and INV1001 are one number; leading zeros in its digits are not significant."""
    key = _NOT_SIGNIFICANT.sub("", number.lower())
    return re.sub(r"(?<![0-9])0+(?=[0-9])", "", key)


def compare(left: Document, right: Document) -> tuple[int, tuple[str, ...]]:
    """How many of number, contact and open amount agree, and the words for each that does."""
    if left.kind != right.kind:
        return 0, ()
    reasons: list[str] = []
    mine = {_number_key(n) for n in left.numbers if _number_key(n)}
    theirs = {_number_key(n) for n in right.numbers if _number_key(n)}
    if mine & theirs:
        reasons.append("same number")
    if left.contact_id and left.contact_id == right.contact_id:
        reasons.append("same contact")
    if left.open_amount == right.open_amount:
        reasons.append(f"same amount open ({left.open_amount:.2f})")
    return len(reasons), tuple(reasons)


def match_documents(left: Sequence[Document], right: Sequence[Document]) -> list[DocumentProposal]:
    """One package document for each of ours at most, best agreement first.

    A document with two equally good candidates, or a candidate two of ours want equally, is never
    sure: a person chooses.
    """
    scored = [
        (agreed, reasons, a, b)
        for a in left
        for b in right
        if (found := compare(a, b))[0] >= 2
        for agreed, reasons in [found]
    ]
    scored.sort(key=lambda item: (-item[0], item[2].id, item[3].id))
    best_for_left: dict[str, int] = {}
    best_for_right: dict[str, int] = {}
    ties: set[tuple[str, str]] = set()
    for agreed, _, a, b in scored:
        for best, key in ((best_for_left, a.id), (best_for_right, b.id)):
            if key in best and best[key] == agreed:
                ties.add((a.id, b.id))
            best.setdefault(key, agreed)
    taken_left: set[str] = set()
    taken_right: set[str] = set()
    proposals: list[DocumentProposal] = []
    for agreed, reasons, a, b in scored:
        if a.id in taken_left or b.id in taken_right:
            continue
        contested = any((a.id == x or b.id == y) for x, y in ties)
        band: Band = "sure" if agreed == 3 and not contested else "likely"
        if contested:
            reasons = (*reasons, "another document fits as well")
        proposals.append(DocumentProposal(a.id, b.id, band, reasons))
        taken_left.add(a.id)
        taken_right.add(b.id)
    return sorted(proposals, key=lambda p: p.left_id)
