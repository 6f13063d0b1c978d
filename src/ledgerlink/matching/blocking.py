"""Candidate generation: which pairs are worth comparing at all.

Comparing every left record with every right record grows with the square of the data (10,000
customers each side would be 100 million comparisons). Instead each record gets a handful of keys,
and only records sharing a key are compared. Keys come in two strengths:

* exact keys (same email, phone, account reference, or postcode + house number) catch the pairs a
  bookkeeper would link on sight, however differently the names are typed;
* blocking keys (postcode, outward code + sound of the surname, sound of the whole name in either
  order, street + house number, town + surname...) catch pairs with typos, because a typo rarely
  hits every key at once.

A key shared by too many records (a generic company email, a big block of flats' postcode, "Smith"
in a large town) says little and would flood the scorer, so oversized blocks are skipped: the other
keys of the same records still bring the true pairs together.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ledgerlink.matching.normalise import NormalisedParty, phonetic

MAX_EXACT_BLOCK_PAIRS = 400
"""An exact key shared by more pairs than this (e.g. an office's shared email) is not a key at all."""

MAX_BLOCK_PAIRS = 600
"""A blocking key shared by more left x right pairs than this is too common to be worth comparing."""


def exact_keys(party: NormalisedParty) -> list[str]:
    """Keys that identify a party on their own when both sides carry them."""
    keys: list[str] = []
    if party.email:
        keys.append("email:" + party.email)
    if party.phone:
        keys.append("phone:" + party.phone)
    if party.reference:
        keys.append("ref:" + party.reference)
    address = party.address
    if address.postcode and address.house_number:
        keys.append(f"addr:{address.postcode}|{address.house_number}|{address.flat}")
    return keys


def _initial(text: str) -> str:
    return text[:1]


def blocking_keys(party: NormalisedParty) -> list[str]:
    """Keys that bring together records that may be the same party despite typos and gaps."""
    keys: list[str] = []
    address = party.address
    street_words = address.street.split()
    street_sound = phonetic(street_words[0]) if street_words else ""
    if address.postcode:
        keys.append("pc:" + address.postcode)
        keys.append("pcsorted:" + "".join(sorted(address.postcode.replace(" ", ""))))
    if address.town and street_sound:
        keys.append(f"townstreet:{address.town}|{street_sound}")
    if party.kind == "commercial" or party.company:
        words = [w for w in party.company if w != "and"]
        if words:
            first_sound = phonetic(words[0])
            keys.append("co:" + first_sound + "|" + (phonetic(words[1]) if len(words) > 1 else ""))
            keys.append("cocompact:" + "".join(words)[:8])
            if address.outward:
                keys.append(f"coout:{address.outward}|{first_sound}")
            if address.town:
                keys.append(f"cotown:{address.town}|{first_sound}")
    person = party.person
    first, last = person.first, person.last
    last_sound = phonetic(last.replace(" ", "")) if last else ""
    first_sound = phonetic(first) if len(first) > 1 else ""
    if last_sound and first_sound:
        keys.append("name:" + "|".join(sorted((first_sound, last_sound))))
    if last_sound:
        if address.outward:
            keys.append(f"outname:{address.outward}|{last_sound}")
        if address.house_number:
            keys.append(f"housename:{address.house_number}|{last_sound}")
        if address.town:
            keys.append(f"townname:{address.town}|{last_sound}|{_initial(first)}")
        if first:
            keys.append(f"nameinit:{last_sound}|{_initial(first)}|{_initial(address.postcode)}")
    if first_sound:
        if address.house_number:
            keys.append(f"housefirst:{address.house_number}|{first_sound}")
        if address.postcode:
            keys.append(f"pcfirst:{address.postcode}|{first_sound}")
    if street_sound and address.house_number:
        keys.append(f"street:{street_sound}|{address.house_number}|{_initial(address.town)}")
        if address.postcode:
            keys.append(f"streetpc:{street_sound}|{address.house_number}|{address.postcode[:2]}")
    if address.town and address.house_number and street_words:
        keys.append(f"townhouse:{address.town}|{address.house_number}|{street_words[0][:2]}")
    return keys


@dataclass(frozen=True, slots=True)
class CandidateStats:
    """How much work blocking left for the scorer, and how much it refused."""

    blocks: int
    oversized_blocks: int
    candidate_pairs: int


def _index(parties: Sequence[NormalisedParty], keyer: Iterable[int], exact: bool) -> dict[str, list[int]]:
    index: dict[str, list[int]] = {}
    make = exact_keys if exact else blocking_keys
    for i in keyer:
        for key in make(parties[i]):
            bucket = index.get(key)
            if bucket is None:
                index[key] = [i]
            elif bucket[-1] != i:
                bucket.append(i)
    return index


def candidate_pairs(
    left: Sequence[NormalisedParty],
    right: Sequence[NormalisedParty],
    left_indices: Sequence[int],
    right_indices: Sequence[int],
) -> tuple[list[tuple[int, int]], CandidateStats]:
    """Pairs of (left index, right index) sharing at least one usable key, each pair once.

    Only the given indices take part, so records fixed or excluded by a person's decisions are
    never proposed again. The order of the result follows the keys, and the engine sorts by score and
    id afterwards, so input order never decides anything.
    """
    seen: set[int] = set()
    pairs: list[tuple[int, int]] = []
    n_right = len(right) + 1
    blocks = 0
    oversized = 0
    for exact, cap in ((True, MAX_EXACT_BLOCK_PAIRS), (False, MAX_BLOCK_PAIRS)):
        left_index = _index(left, left_indices, exact)
        right_index = _index(right, right_indices, exact)
        for key, lefts in left_index.items():
            rights = right_index.get(key)
            if rights is None:
                continue
            blocks += 1
            if len(lefts) * len(rights) > cap:
                oversized += 1
                continue
            for li in lefts:
                base = li * n_right
                for ri in rights:
                    code = base + ri
                    if code not in seen:
                        seen.add(code)
                        pairs.append((li, ri))
    return pairs, CandidateStats(blocks=blocks, oversized_blocks=oversized, candidate_pairs=len(pairs))
