"""What an account's name means, in the words UK bookkeepers use, so two names can be called the same.

A suggestion may be taken in bulk only when it cannot reasonably be wrong, and the only safe ground for
that is the names: codes mean different things in different charts (4000 is sales everywhere, 7300 is
fuel in one chart and tools in another). So each name is read as a set of meanings ("Fuel" and "Motor
Vehicle Expenses" both speak of running vehicles; "Telephone", "Mobile phones" and "Telephone &
Internet" of phones; "Accountancy" and "Audit & Accountancy fees" of accountancy), and a package
account stands for a jobs-side one when it says everything the jobs-side name says and nothing it does
not. The one leeway is the general account of a family: "Motor Vehicle Expenses" holds fuel, vehicle
repairs and vehicle insurance; "Sales" holds every kind of sale. Words the vocabulary does not know are
kept as they are, so an unknown qualifier ("Medical Insurance") is never taken for the plain thing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ledgerlink.services.onboarding.vocabulary import (
    CATCH_ALL_FAMILIES,
    FAMILY_OF,
    FILLER,
    HEAD_NOUNS,
    INCOME_KINDS,
    MOTOR_KINDS,
    PHRASES,
    WORDS,
)

_SEPARATORS = re.compile(r"\s*(?:,|&|\+|/|\band\b|\s-\s|\(|\))\s*")


@dataclass(frozen=True)
class Meaning:
    """What a name says: one set of meanings per part ("Printing & Stationery" has two parts)."""

    parts: tuple[frozenset[str], ...]

    @property
    def all(self) -> frozenset[str]:
        return frozenset().union(*self.parts) if self.parts else frozenset()


_KNOWN = frozenset(WORDS.values()) | frozenset(" ".join(PHRASES.values()).split())


def _part(text: str) -> frozenset[str]:
    found: set[str] = set()
    for word in text.split():
        word = word.strip(".'’:;-–()")
        if not word or word in FILLER or re.fullmatch(r"\d+%?", word):
            continue
        found.add(word if word in _KNOWN else WORDS.get(word, f"~{word}"))
    if found & HEAD_NOUNS:
        # "Software subscriptions": the other words say which subscription, as an unknown word would
        found = {item if item in HEAD_NOUNS or _motor(item) else f"~{item}" for item in found}
    return frozenset(found)


def _motor(item: str) -> bool:
    return item == "motor" or item.startswith("motor.")


@lru_cache(maxsize=4096)
def meaning_of(name: str) -> Meaning:
    """The meanings of a name, part by part; a vehicle word in one part qualifies every part after it."""
    text = name.lower().replace("sub-contract", "subcontract").replace("e-mail", "email")
    text = re.sub(r"(?<=\w)-(?=\w)", " ", text)
    for phrase in sorted(PHRASES, key=len, reverse=True):
        text = " ".join(re.sub(rf"\b{re.escape(phrase)}\b", f" {PHRASES[phrase]} ", text).split())
    parts = [_part(piece) for piece in _SEPARATORS.split(text) if piece and piece.strip()]
    parts = [part for part in parts if part]
    # "Cable and electrical materials": a part that says nothing known shares the next part's noun
    for index, part in enumerate(parts):
        if not _known(part):
            others = parts[index + 1 :] + parts[:index][::-1]
            nouns = next((_known(other) for other in others if _known(other)), frozenset())
            parts[index] = part | nouns
    motor = False
    composed: list[frozenset[str]] = []
    for part in parts:
        motor = motor or "motor" in part or any(m.startswith("motor.") for m in part)
        if motor:
            kinds = {MOTOR_KINDS[m] for m in part if m in MOTOR_KINDS}
            if kinds:
                part = frozenset((part - set(MOTOR_KINDS)) | kinds)
            if any(m.startswith("motor.") for m in part):
                part = part - {"motor"}  # "Motor fuel" is fuel: the kind says the family
        composed.append(part)
    return Meaning(tuple(composed))


def _families(item: str) -> list[str]:
    """The general accounts that hold `item`, nearest first: materials, then goods, then direct costs."""
    chain: list[str] = []
    while item in FAMILY_OF:
        item = FAMILY_OF[item]
        chain.append(item)
    return chain


def _known(part: frozenset[str]) -> frozenset[str]:
    return frozenset(item for item in part if not item.startswith("~"))


def _covers(package: frozenset[str], jobs: frozenset[str]) -> bool:
    """Whether a package part says everything the jobs-side part says and nothing more.

    A family's general account holds its kinds ("Motor Vehicle Expenses" holds fuel), and a general
    account holds a qualified one ("Insurance" holds "Medical insurance", "Materials" holds "Roofing
    materials"): words the vocabulary does not know may be left unsaid by the package, never added.
    """
    known = _known(jobs)
    if not package or not known:
        return False
    if "other" in package and "other" not in known and known <= package and known <= CATCH_ALL_FAMILIES:
        # "Miscellaneous Motor Expenses" is what a package keeps for motor costs that have no account of
        # their own: it holds "Motor expenses" as a whole, never a kind ("Fuel") that has its own
        package = package - {"other"}
    for item in known:
        if item not in package and not any(family in package for family in _families(item)):
            return False
    widened = jobs | {family for item in known for family in _families(item)}
    return package <= widened


def same_meaning(jobs_name: str, package_name: str, *, sales: bool = False, bank: bool = False) -> bool:
    """Whether the package account means what the jobs-side account means, by the rule above.

    Every part of the jobs-side name must be held by one part of the package's (whose other parts, as in
    "IT Software and Consumables", only make it broader). On a sales account the line of work sold
    ("Sales - installations") is still sales, so the package's plain sales account holds it. Among bank
    accounts "bank" says nothing ("Bank current account" is the "Current Account").
    """
    jobs, package = meaning_of(jobs_name), meaning_of(package_name)
    jobs_parts, package_parts = jobs.parts, package.parts
    if bank:
        jobs_parts = tuple(part - {"bank"} for part in jobs_parts if part - {"bank"})
        package_parts = tuple(part - {"bank"} for part in package_parts if part - {"bank"})
    if sales:
        # every income account is income: said or not, it is part of each name's meaning
        if "sales" in jobs.all:
            jobs_parts = (frozenset(m for m in jobs.all if m == "sales" or m in INCOME_KINDS),)
        jobs_parts = tuple(part | {"sales"} for part in jobs_parts)
        package_parts = tuple(part | {"sales"} for part in package_parts)
    if not jobs_parts or not package_parts:
        return False
    return all(any(_covers(part, wanted) for part in package_parts) for wanted in jobs_parts)


def exactly_the_same(jobs_name: str, package_name: str) -> bool:
    """Same name, ignoring case, spacing and punctuation: the strongest ground there is."""

    def plain(name: str) -> str:
        return " ".join(re.sub(r"[^a-z0-9]+", " ", name.lower()).split())

    return plain(jobs_name) == plain(package_name)


def distance(jobs_name: str, package_name: str) -> int:
    """How far the package's account is from saying exactly the jobs-side name: 0 the same meaning,
    1 a general account one family up, and so on; used to pick the closest of several."""
    jobs, package = meaning_of(jobs_name).all, meaning_of(package_name).all
    if jobs == package:
        return 0
    steps = [
        _families(item).index(other) + 1
        for item in _known(jobs)
        for other in package
        if other in _families(item)
    ]
    return max(steps, default=1) + (0 if _known(jobs) <= package else 1)


def equal_meaning(jobs_name: str, package_name: str) -> bool:
    """Whether the two names say exactly the same things (not one a family's general account)."""
    return meaning_of(jobs_name).all == meaning_of(package_name).all


# What any income or catch-all account says: never on its own a sign of another meaning.
_NEUTRAL = frozenset({"other", "sales"})


def related(jobs_name: str, package_name: str) -> bool:
    """Whether the package account could be speaking of what the jobs-side name speaks of: everything it
    says in known words is said by the jobs-side name too, or is a kind of it, or holds it, or is held by
    it. Names alike in spelling only are no ground to offer one for the other: "Car Hire" shares only
    "hire" with "Skip hire" (a vehicle, not taking waste away), "Office Equipment Depreciation" only
    "equipment" with "Tools and equipment"; "Repairs and Servicing" is related to "Vehicle repairs" (a
    kind of repairs) and "Motor Vehicle Expenses" to "Fuel". Names the vocabulary cannot read are."""
    wanted = _known(meaning_of(jobs_name).all) - _NEUTRAL
    offered = _known(meaning_of(package_name).all) - _NEUTRAL
    if not wanted or not offered:
        return True

    def near(one: str, other: str) -> bool:
        kind = one.rsplit(".", 1)[-1] == other.rsplit(".", 1)[-1]
        return kind or other in _families(one) or one in _families(other)

    return all(any(near(item, said) for said in wanted) for item in offered)


def direct_cost(name: str) -> bool:
    """Whether a cost's name says it is a direct cost of the work (materials, subcontractors, parts)."""
    return bool(meaning_of(name).all & {"materials", "goods", "subcontractors", "direct"})


def general_account(name: str) -> bool:
    """Whether the name is a catch-all ("General Expenses", "Miscellaneous Expenses", "Sundries")."""
    return meaning_of(name).all == {"other"}


def nothing_said(name: str) -> bool:
    """Whether a name says nothing but that it is an account ("Bank", "Bank account")."""
    return not meaning_of(name).all - {"bank"}
