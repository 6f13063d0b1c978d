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

MAX_WEAK_BLOCK_PAIRS = 50
"""Keys built from a name's sound or a town alone are broad: a smaller block of them is already noise."""

EXACT_KINDS: frozenset[str] = frozenset({"email", "phone", "ref", "addr"})

WEAK_KEYS: frozenset[str] = frozenset(
    {"name", "outname", "townname", "nameinit", "townstreet", "co", "cotown", "cocompact", "pcsorted"}
)


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
    person_last = party.person.last.replace(" ", "")
    if address.postcode:
        keys.append("pc:" + address.postcode)
        if not address.uk_postcode:
            # Codes without a known structure get typo-tolerant keys instead of an outward code:
            # the code with its digits sorted (transpositions) and without its last character.
            keys.append(f"pcsorted:{''.join(sorted(address.postcode))}|{address.street[:1]}")
            if address.house_number:
                keys.append(f"pcprefix:{address.postcode[:-1]}|{address.house_number}")
            if person_last:
                keys.append(f"pcprefixname:{address.postcode[:-1]}|{phonetic(person_last)}")
    if address.town and street_sound:
        second = phonetic(street_words[1]) if len(street_words) > 1 else ""
        keys.append(f"townstreet:{address.town}|{street_sound}|{second}")
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
            keys.append(f"housename:{address.house_number}|{last_sound}|{_initial(first)}")
        if address.town:
            keys.append(f"townname:{address.town}|{last_sound}|{_initial(first)}")
        if first:
            keys.append(f"nameinit:{last_sound}|{_initial(first)}|{address.postcode[:2]}")
    if first_sound:
        if address.house_number:
            keys.append(f"housefirst:{address.house_number}|{first_sound}|{_initial(last)}")
        if address.postcode:
            keys.append(f"pcfirst:{address.postcode}|{first_sound}")
    if street_sound and address.house_number:
        keys.append(f"street:{street_sound}|{address.house_number}|{_initial(address.town)}")
        if address.postcode:
            keys.append(f"streetpc:{street_sound}|{address.house_number}|{address.postcode[:2]}")
    if address.town and address.house_number and street_words:
        # The alphabetically first word, so that address lines typed in another order still meet.
        keys.append(f"townhouse:{address.town}|{address.house_number}|{min(street_words)[:2]}")
    return keys


@dataclass(frozen=True, slots=True)
class CandidateStats:
    """How much work blocking left for the scorer, and how much it refused."""

    blocks: int
    oversized_blocks: int
    candidate_pairs: int


def _cap(key: str) -> int:
    kind = key[: key.index(":")]
    if kind in EXACT_KINDS:
        return MAX_EXACT_BLOCK_PAIRS
    return MAX_WEAK_BLOCK_PAIRS if kind in WEAK_KEYS else MAX_BLOCK_PAIRS


def _keys(party: NormalisedParty) -> list[str]:
    return exact_keys(party) + blocking_keys(party)


def candidate_pairs(
    left: Sequence[NormalisedParty],
    right: Sequence[NormalisedParty],
    left_indices: Iterable[int],
    right_indices: Iterable[int],
) -> tuple[list[tuple[int, int]], CandidateStats]:
    """Pairs of (left index, right index) sharing at least one usable key, each pair once.

    Only the given indices take part, so records fixed or excluded by a person's decisions are
    never proposed again. The order of the result follows the keys, and the engine sorts by score and
    id afterwards, so input order never decides anything.
    """
    right_index: dict[str, list[int]] = {}
    for i in right_indices:
        for key in _keys(right[i]):
            bucket = right_index.get(key)
            if bucket is None:
                right_index[key] = [i]
            else:
                bucket.append(i)
    left_index: dict[str, list[int]] = {}
    for i in left_indices:
        for key in _keys(left[i]):
            if key in right_index:
                bucket = left_index.get(key)
                if bucket is None:
                    left_index[key] = [i]
                else:
                    bucket.append(i)
    # Each pair is one integer (left * width + right) in a set: far cheaper than a set of tuples.
    seen: set[int] = set()
    width = len(right) + 1
    oversized = 0
    for key, lefts in left_index.items():
        rights = right_index[key]
        if len(lefts) * len(rights) > _cap(key):
            oversized += 1
            continue
        if len(rights) == 1:
            only = rights[0]
            seen.update([li * width + only for li in lefts])
        else:
            for li in lefts:
                base = li * width
                seen.update([base + ri for ri in rights])
    pairs = [divmod(code, width) for code in sorted(seen)]
    stats = CandidateStats(blocks=len(left_index), oversized_blocks=oversized, candidate_pairs=len(pairs))
    return pairs, stats
