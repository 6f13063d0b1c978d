"""Scoring a candidate pair: how much the evidence says "same party", and why.

Each field contributes a weight of evidence, positive when it agrees and negative when it
disagrees, in the spirit of Fellegi and Sunter's record linkage: agreeing on a full UK postcode or an
email address says far more than agreeing on a town; a different house number at the same postcode
is strong evidence of a neighbour, not a typo. Missing fields contribute nothing, so a side that
does not record phones is not punished for it. The total is mapped to a score between 0 and 1, and
each contribution leaves a short reason a person can read.

People and companies are compared the ways that suit them: people by surname and first name, where
an initial fits any first name starting with it and first and last name may be swapped; companies by
their name's words without legal form ("Ltd", "Limited", "Plc") or the "&"/"and" difference.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA, JaroWinkler

from ledgerlink.matching.normalise import (
    FEMALE_TITLES,
    MALE_TITLES,
    NormalisedParty,
    PersonName,
)
from ledgerlink.matching.result import Band

SURE_TOTAL = 9.0
"""Total evidence from which a pair without conflicts may be linked automatically."""

LIKELY_TOTAL = 3.5
"""Total evidence from which a pair is worth a person's look; below it the record is created new."""

NICKNAMES: dict[str, str] = {
    "bill": "william", "will": "william", "billy": "william", "liam": "william", "bob": "robert",
    "rob": "robert", "bobby": "robert", "robbie": "robert", "jim": "james", "jimmy": "james",
    "jamie": "james", "mike": "michael", "mick": "michael", "micky": "michael", "dave": "david",
    "davy": "david", "steve": "stephen", "steven": "stephen", "tony": "anthony", "andy": "andrew",
    "drew": "andrew", "chris": "christopher", "kit": "christopher", "tom": "thomas",
    "tommy": "thomas", "dan": "daniel", "danny": "daniel", "matt": "matthew", "nick": "nicholas",
    "pete": "peter", "phil": "philip", "phillip": "philip", "rich": "richard", "dick": "richard",
    "rick": "richard", "ricky": "richard", "sam": "samuel", "ted": "edward", "ed": "edward",
    "eddie": "edward", "ned": "edward", "joe": "joseph", "joey": "joseph", "jack": "john",
    "johnny": "john", "jon": "john", "ben": "benjamin", "alex": "alexander", "sandy": "alexander",
    "fred": "frederick", "freddie": "frederick", "harry": "henry", "hal": "henry", "greg": "gregory",
    "ken": "kenneth", "kenny": "kenneth", "larry": "lawrence", "len": "leonard", "les": "leslie",
    "ron": "ronald", "ronnie": "ronald", "don": "donald", "gerry": "gerald", "jerry": "gerald",
    "terry": "terence", "tim": "timothy", "vince": "vincent", "wally": "walter", "liz": "elizabeth",
    "beth": "elizabeth", "betty": "elizabeth", "lizzie": "elizabeth", "eliza": "elizabeth",
    "kate": "katherine", "katie": "katherine", "kath": "katherine", "cathy": "katherine",
    "catherine": "katherine", "kathryn": "katherine", "sue": "susan", "susie": "susan",
    "jen": "jennifer", "jenny": "jennifer", "maggie": "margaret", "meg": "margaret",
    "peggy": "margaret", "pat": "patricia", "patty": "patricia", "trish": "patricia",
    "debbie": "deborah", "deb": "deborah", "becky": "rebecca", "becca": "rebecca", "vicky": "victoria",
    "vikki": "victoria", "mandy": "amanda", "sandra": "alexandra", "nicky": "nicola", "jo": "joanne",
    "jackie": "jacqueline", "val": "valerie", "chris.": "christine", "tina": "christina",
    "annie": "anne", "ann": "anne", "sally": "sarah", "sara": "sarah", "mary": "mary",
    "polly": "mary", "molly": "mary",
}  # fmt: skip
"""Common English short forms; "Bill" and "William" are the same person, not a typo."""


def _canonical_first(name: str) -> str:
    return NICKNAMES.get(name, name)


@dataclass(frozen=True, slots=True)
class Comparison:
    """The evidence about one pair: the total weight, its score, band and readable reasons.

    ``conflict`` is set when some field says "different party" strongly enough that, whatever the
    total, a person should decide (a different house number, a different flat, Mr against Mrs).
    """

    total: float
    score: float
    band: Band
    reasons: tuple[str, ...]
    conflict: bool


def _similarity(a: str, b: str) -> float:
    return JaroWinkler.normalized_similarity(a, b)


def _first_name_weight(a: str, b: str) -> tuple[float, float, str, bool]:
    """(weight, similarity, reason, conflict) for two first names, either of which may be an initial."""
    if not a or not b:
        return 0.0, 0.0, "", False
    if len(a) == 1 or len(b) == 1:
        if a[0] == b[0]:
            full = b if len(a) == 1 else a
            reason = "same initial" if len(full) == 1 else f"initial {full[0].upper()}. fits {full.title()}"
            return 1.0, 0.9, reason, False
        return -2.5, 0.0, "initials differ", True
    if a == b:
        return 3.5, 1.0, "", False
    if _canonical_first(a) == _canonical_first(b):
        return 2.5, 0.95, f"{a.title()} is short for {b.title()}" if len(a) < len(b) else "", False
    sim = _similarity(a, b)
    if sim >= 0.94:
        return 2.5, sim, "", False
    if sim >= 0.88:
        return 1.5, sim, "", False
    if sim >= 0.8:
        return 0.0, sim, "", False
    return -2.5, sim, "first names differ", True


def _last_name_weight(a: str, b: str) -> tuple[float, float]:
    """(weight, similarity) for two surnames; a typo still counts for much of an exact match."""
    if not a or not b:
        return 0.0, 0.0
    if a == b:
        return 4.0, 1.0
    if a.replace(" ", "") == b.replace(" ", ""):
        return 4.0, 1.0
    sim = _similarity(a, b)
    if sim >= 0.94:
        return 3.0, sim
    if sim >= 0.88:
        return 2.0, sim
    if sim >= 0.8:
        return 0.5, sim
    return -3.5, sim


@dataclass(frozen=True, slots=True)
class _NameEvidence:
    weight: float
    similarity: float
    reasons: tuple[str, ...]
    agrees: bool
    conflict: bool


def _titles_clash(a: PersonName, b: PersonName) -> bool:
    return (a.title in MALE_TITLES and b.title in FEMALE_TITLES) or (
        a.title in FEMALE_TITLES and b.title in MALE_TITLES
    )


def _may_be_swapped(a: PersonName, b: PersonName) -> bool:
    """Whether first and last name may have been typed the other way round on one side.

    Only worth trying when a first name and the other side's surname start alike.
    """
    return (a.first[:1] == b.last[:1] != "") or (a.last[:1] == b.first[:1] != "")


def _orientations(a: PersonName, b: PersonName) -> list[tuple[str, str, str, str, bool]]:
    """(a first, a last, b first, b last, swapped) to try: as typed, then either side's names swapped.

    Swapping either side, not just one, keeps the comparison the same whichever side is "left".
    """
    ways = [(a.first, a.last, b.first, b.last, False)]
    if _may_be_swapped(a, b):
        ways.append((a.first, a.last, b.last, b.first, True))
        ways.append((a.last, a.first, b.first, b.last, True))
    return ways


def _person_weight(a: PersonName, b: PersonName) -> float:
    """The weight ``_person_evidence`` would give, without building its reasons (the fast path)."""
    best = -math.inf
    for a_first, a_last, b_first, b_last, swapped in _orientations(a, b):
        if swapped and best >= MAX_NAME_WEIGHT - 0.5:
            break
        weight = _last_name_weight(a_last, b_last)[0] + _first_name_weight(a_first, b_first)[0]
        best = max(best, weight - (0.5 if swapped else 0.0))
    return best - 2.5 if _titles_clash(a, b) else best


def _person_evidence(a: PersonName, b: PersonName) -> _NameEvidence:
    """Compare two people's names, also with first and last name swapped on one side."""
    best: _NameEvidence | None = None
    for a_first, a_last, b_first, b_last, swapped in _orientations(a, b):
        if swapped and best is not None and best.weight >= MAX_NAME_WEIGHT - 0.5:
            break
        last_w, last_sim = _last_name_weight(a_last, b_last)
        first_w, first_sim, first_reason, first_conflict = _first_name_weight(a_first, b_first)
        weight = last_w + first_w - (0.5 if swapped else 0.0)
        known = [
            s for s, present in ((last_sim, a_last and b_last), (first_sim, a_first and b_first)) if present
        ]
        similarity = sum(known) / len(known) if known else 0.0
        reasons: list[str] = [f"name {similarity:.2f}"] if known else ["name missing on one side"]
        if a_last and b_last and len(known) == 1:
            reasons[0] = f"surname {last_sim:.2f}, first name missing on one side"
        elif not (a_last and b_last) and known:
            reasons[0] = f"first name {first_sim:.2f}, surname missing on one side"
        if first_reason:
            reasons.append(first_reason)
        if swapped:
            reasons.append("first and last name swapped")
        agrees = bool(a_last and b_last) and last_sim >= 0.88 and not first_conflict
        conflict = first_conflict or (bool(a_last and b_last) and last_sim < 0.8)
        evidence = _NameEvidence(weight, similarity, tuple(reasons), agrees, conflict)
        if best is None or (evidence.weight, evidence.agrees, not evidence.conflict) > (
            best.weight,
            best.agrees,
            not best.conflict,
        ):
            best = evidence
    assert best is not None
    if _titles_clash(a, b):
        return _NameEvidence(
            best.weight - 2.5,
            best.similarity,
            (*best.reasons, f"title {a.title.title()} vs {b.title.title()}"),
            False,
            True,
        )
    return best


def _company_evidence(a: NormalisedParty, b: NormalisedParty) -> _NameEvidence:
    """Compare company names by their words, ignoring legal form and "&"/"and"."""
    if not a.company_text or not b.company_text:
        return _NameEvidence(0.0, 0.0, ("company name missing on one side",), False, False)
    if a.company_text == b.company_text or a.company_text.replace(" ", "") == b.company_text.replace(" ", ""):
        return _NameEvidence(6.0, 1.0, ("same company name",), True, False)
    sim = max(
        fuzz.token_sort_ratio(a.company_text, b.company_text), fuzz.ratio(a.company_text, b.company_text)
    )
    sim = max(sim, 0.95 * fuzz.token_set_ratio(a.company_text, b.company_text)) / 100.0
    reason = f"company name {sim:.2f}"
    if sim >= 0.95:
        return _NameEvidence(4.5, sim, (reason,), True, False)
    if sim >= 0.88:
        return _NameEvidence(3.0, sim, (reason,), True, False)
    if sim >= 0.8:
        return _NameEvidence(1.0, sim, (reason,), False, False)
    if sim >= 0.6:
        return _NameEvidence(-4.0, sim, (reason,), False, True)
    # Nothing in common: another business at the same address (a new tenant), not a typo.
    return _NameEvidence(-7.0, sim, (reason,), False, True)


def _mixed_evidence(a: NormalisedParty, b: NormalisedParty) -> _NameEvidence:
    """A person on one side and a business on the other: a sole trader may be either."""
    company, person = (a, b) if a.kind == "commercial" else (b, a)
    person_text = person.full_name
    company_text = company.company_text or company.full_name
    if not person_text or not company_text:
        return _NameEvidence(0.0, 0.0, ("person on one side, company on the other",), False, False)
    sim = fuzz.token_set_ratio(person_text, company_text) / 100.0
    reasons = (f"name {sim:.2f}", "person on one side, company on the other")
    if sim >= 0.95:
        return _NameEvidence(2.0, sim, reasons, False, False)
    return _NameEvidence(-3.0, sim, reasons, False, True)


def _name_evidence(a: NormalisedParty, b: NormalisedParty) -> _NameEvidence:
    if a.kind == "commercial" and b.kind == "commercial":
        evidence = _company_evidence(a, b)
        if a.person.last and b.person.last and evidence.weight > 0:
            contact = _person_evidence(a.person, b.person)
            if contact.weight > 0:
                return _NameEvidence(
                    evidence.weight + 1.0,
                    evidence.similarity,
                    (*evidence.reasons, "same contact"),
                    True,
                    False,
                )
        return evidence
    if a.kind != b.kind:
        return _mixed_evidence(a, b)
    return _person_evidence(a.person, b.person)


def score_from_total(total: float) -> float:
    """Map total evidence to 0..1: LIKELY_TOTAL is 0.5, SURE_TOTAL about 0.88."""
    return round(1.0 / (1.0 + math.exp(-(total - LIKELY_TOTAL) / 2.5)), 4)


MAX_NAME_WEIGHT = 7.5
"""The most a name can add (surname and first name both identical), for the early way out."""

MAX_STREET_TOWN_WEIGHT = 5.0
"""The most street and town can add together."""


def compare(a: NormalisedParty, b: NormalisedParty) -> Comparison:
    """Weigh all the evidence about one pair, with every reason; the same pair always gets the same answer.

    Use this to explain a pair to a person, including why it is not a match.
    """
    result = _compare(a, b, quick=False)
    assert result is not None
    return result


def compare_quick(a: NormalisedParty, b: NormalisedParty) -> Comparison | None:
    """Like ``compare``, but None as soon as the pair cannot reach ``likely`` any more.

    Cheap exact comparisons come first; when even perfect names and streets could no longer lift
    the pair to ``likely``, the fuzzy comparisons and the reasons are skipped. Most candidate pairs
    from a block are plainly different parties, so this keeps large runs fast.
    """
    return _compare(a, b, quick=True)


def _compare(a: NormalisedParty, b: NormalisedParty, *, quick: bool) -> Comparison | None:
    total = 0.0
    id_reasons: list[str] = []
    conflict = False
    strong_identifier = False

    if a.email and b.email:
        if a.email == b.email:
            total += 7.0
            id_reasons.append("same email")
            strong_identifier = True
        else:
            total -= 1.0
            id_reasons.append("email differs")
    if a.phone and b.phone:
        if a.phone == b.phone:
            total += 6.0
            id_reasons.append("same phone")
            strong_identifier = True
        else:
            total -= 1.0
            id_reasons.append("phone differs")
    if a.reference and b.reference and a.reference == b.reference:
        total += 5.0
        id_reasons.append("same account reference")
        strong_identifier = True

    addr_a, addr_b = a.address, b.address
    address_agrees = False
    address_differs = False
    address_reasons: list[str] = []
    if addr_a.postcode and addr_b.postcode:
        if addr_a.postcode == addr_b.postcode:
            total += 4.0 if addr_a.uk_postcode else 3.0
            address_reasons.append("same postcode")
            address_agrees = True
        elif addr_a.outward and addr_a.outward == addr_b.outward:
            address_reasons.append(f"same area {addr_a.outward}, postcode differs")
        elif (
            not (addr_a.uk_postcode or addr_b.uk_postcode)
            and OSA.distance(addr_a.postcode, addr_b.postcode) == 1
        ):
            address_reasons.append("postcode differs by one character")
        else:
            total -= 2.5
            address_reasons.append("postcode differs")
            address_differs = True
    if addr_a.house_number and addr_b.house_number:
        if addr_a.house_number == addr_b.house_number:
            total += 2.0
            address_reasons.append("same house number")
        elif addr_a.house_number.rstrip("abcdefgh") == addr_b.house_number.rstrip("abcdefgh"):
            total -= 1.0
            address_reasons.append(f"house number {addr_a.house_number} vs {addr_b.house_number}")
            conflict = True
        else:
            total -= 3.0
            address_reasons.append("house number differs")
            conflict = True
            address_differs = True
    if addr_a.flat and addr_b.flat and addr_a.flat != addr_b.flat:
        total -= 3.0
        address_reasons.append("flat differs")
        conflict = True
    people = a.kind == "residential" and b.kind == "residential"
    name_weight = _person_weight(a.person, b.person) if people else MAX_NAME_WEIGHT
    if quick and total + name_weight + MAX_STREET_TOWN_WEIGHT < LIKELY_TOTAL:
        return None
    # A full UK postcode already names the street and town (a dozen or so addresses), so agreeing
    # on them as well says little more; elsewhere a postcode is a whole suburb and they count fully.
    same_uk_postcode = addr_a.uk_postcode and addr_a.postcode == addr_b.postcode
    if addr_a.town and addr_b.town:
        if addr_a.town == addr_b.town:
            total += 0.5 if same_uk_postcode else 1.5
            address_reasons.append("same town")
        elif _similarity(addr_a.town, addr_b.town) >= 0.9:
            total += 0.5 if same_uk_postcode else 1.0
            address_reasons.append("town spelled differently")
        else:
            total -= 1.0
            address_reasons.append("town differs")
    if addr_a.street and addr_b.street:
        if addr_a.street == addr_b.street:
            street_sim = 1.0
        else:
            street_sim = max(
                fuzz.token_set_ratio(addr_a.street, addr_b.street),
                fuzz.ratio(addr_a.street.replace(" ", ""), addr_b.street.replace(" ", "")),
            )
            street_sim /= 100.0
        if street_sim >= 0.95:
            total += 1.5 if same_uk_postcode else 3.5
            address_reasons.append("same street" if street_sim == 1.0 else f"street {street_sim:.2f}")
            address_agrees = address_agrees or bool(addr_a.house_number == addr_b.house_number != "")
        elif street_sim >= 0.85:
            total += 1.0 if same_uk_postcode else 2.0
            address_reasons.append(f"street {street_sim:.2f}")
            address_agrees = address_agrees or bool(addr_a.house_number == addr_b.house_number != "")
        elif street_sim >= 0.7:
            address_reasons.append(f"street {street_sim:.2f}")
        else:
            total -= 2.0
            address_reasons.append("street differs")
            address_differs = True
            if addr_a.house_number and addr_b.house_number:
                # A house number means little on another street, and a different number on another
                # street is a different address altogether, not two typos.
                total += -1.5 if addr_a.house_number == addr_b.house_number else -1.0
    if quick and total + name_weight < LIKELY_TOTAL:
        return None

    name = _name_evidence(a, b)
    total += name.weight
    conflict = conflict or name.conflict
    reasons = [*id_reasons, *name.reasons, *address_reasons]
    if address_differs and strong_identifier:
        reasons.append("moved house?")

    score = score_from_total(total)
    band: Band = "none"
    if total >= LIKELY_TOTAL:
        band = "likely"
        sure_evidence = address_agrees or strong_identifier
        if total >= SURE_TOTAL and name.agrees and sure_evidence and not conflict and not address_differs:
            band = "sure"
    return Comparison(total=total, score=score, band=band, reasons=tuple(reasons), conflict=conflict)
