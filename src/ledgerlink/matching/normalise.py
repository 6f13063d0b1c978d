"""Turn the many ways people type names, addresses and contact details into comparable forms.

Two systems rarely disagree about who a customer is; they disagree about how to write it down:
"Mr J. Smith" and "John Smith", "4 Elm Rd" and "4 Elm Road", "LS62AB" and "LS6 2AB", "+44 7700
900123" and "07700 900123". Everything here removes such differences of spelling so that the
scoring only sees differences of substance. Functions are pure and cheap: they run once per record.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import jellyfish

from ledgerlink.domain.contact_details import find_postcode, uk_postcode
from ledgerlink.matching.party import Kind, Party

TITLES: frozenset[str] = frozenset(
    {
        "mr", "mrs", "ms", "miss", "mx", "master", "dr", "doctor", "prof", "professor", "rev",
        "revd", "reverend", "sir", "dame", "lady", "lord", "fr", "father", "capt", "captain",
        "col", "major", "maj", "cllr", "councillor",
    }
)  # fmt: skip
"""Honorifics that say nothing about who a person is, only how to address them."""

MALE_TITLES: frozenset[str] = frozenset({"mr", "master", "sir", "lord", "fr", "father"})
FEMALE_TITLES: frozenset[str] = frozenset({"mrs", "ms", "miss", "dame", "lady"})

NAME_SUFFIXES: frozenset[str] = frozenset({"jr", "jnr", "junior", "sr", "snr", "senior", "esq"})

LEGAL_SUFFIXES: tuple[tuple[str, ...], ...] = (
    ("public", "limited", "company"),
    ("limited", "liability", "partnership"),
    ("limited",),
    ("ltd",),
    ("plc",),
    ("llp",),
    ("lp",),
    ("llc",),
    ("inc",),
    ("incorporated",),
    ("corp",),
    ("corporation",),
    ("co",),
    ("company",),
    ("pty",),
    ("cic",),
)
"""Legal forms, longest first: "Smith Ltd" and "Smith Limited" are the same business."""

COMPANY_HINTS: frozenset[str] = frozenset(
    {
        "ltd", "limited", "plc", "llp", "inc", "corp", "company", "co", "services", "plumbing",
        "heating", "electrical", "builders", "construction", "properties", "property", "lettings",
        "estates", "housing", "association", "trust", "council", "school", "church", "group",
        "holdings", "partners", "sons", "bros", "brothers", "supplies", "hotel", "pub", "cafe",
        "restaurant", "management", "agency", "centre", "center", "club", "society", "uk",
    }
)  # fmt: skip
"""Words that mark a name as a business when a side does not say which kind a party is."""

STREET_ABBREVIATIONS: dict[str, str] = {
    "rd": "road", "st": "street", "str": "street", "ave": "avenue", "av": "avenue", "ln": "lane",
    "dr": "drive", "drv": "drive", "cl": "close", "cres": "crescent", "cresc": "crescent",
    "cr": "crescent", "ct": "court", "crt": "court", "pl": "place", "gdns": "gardens",
    "gdn": "garden", "gr": "grove", "gro": "grove", "sq": "square", "ter": "terrace",
    "terr": "terrace", "tce": "terrace", "pde": "parade", "hwy": "highway", "cct": "circuit",
    "blvd": "boulevard", "mt": "mount", "pk": "park", "wy": "way", "hse": "house", "bldg": "building",
    "bldgs": "buildings", "cott": "cottage", "cotts": "cottages", "mws": "mews", "est": "estate",
    "wlk": "walk", "grn": "green", "hts": "heights", "n": "north", "s": "south", "e": "east",
    "w": "west", "upr": "upper", "lwr": "lower", "gt": "great", "lt": "little", "apt": "flat",
    "apartment": "flat", "unit": "flat", "cnr": "corner", "pde.": "parade",
}  # fmt: skip
"""Common street-type and direction abbreviations, mapped to one spelling."""

SUB_BUILDING_WORDS: frozenset[str] = frozenset({"flat", "suite", "room", "floor"})

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_HOUSE_NUMBER = re.compile(r"^(\d+)([a-z]?)$")
_DIGITS = re.compile(r"\D+")


@lru_cache(maxsize=1 << 18)
def fold(text: str) -> str:
    """Lower-case, strip accents, join apostrophes, turn all other punctuation into single spaces.

    "O'Brien" becomes "obrien" so it meets "OBrien"; "Smith & Sons" becomes "smith and sons".
    """
    if not text:
        return ""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = text.lower().replace("'", "").replace("’", "").replace("&", " and ")
    return _NON_ALNUM.sub(" ", text).strip()


def normalise_postcode(raw: str) -> str:
    """A UK postcode in its standard form ("ls62ab" -> "LS6 2AB"); anything else upper-cased, unspaced.

    Non-UK codes (an Australian "4223", an Irish Eircode) are kept as exact strings, so they still
    compare equal to themselves without pretending to have a UK structure.
    """
    compact = re.sub(r"[^A-Za-z0-9]", "", raw).upper()
    return uk_postcode(compact) or compact


def postcode_outward(postcode: str) -> str:
    """The outward code ("LS6" of "LS6 2AB") of a normalised UK postcode, or "" for any other code."""
    head, sep, _ = postcode.partition(" ")
    return head if sep else ""


def normalise_phone(raw: str) -> str:
    """Digits only, with the UK country code turned into the trunk 0: "+44 (0)7700 900123" -> "07700900123".

    Fewer than seven digits cannot identify anyone, so they count as no phone.
    """
    digits = _DIGITS.sub("", raw)
    if raw.lstrip().startswith("+") or digits.startswith("00"):
        digits = digits.lstrip("0")
        if digits.startswith("44"):
            rest = digits[2:]
            digits = "0" + (rest[1:] if rest.startswith("0") else rest)
    elif digits.startswith("44") and len(digits) in (12, 13):
        rest = digits[2:]
        digits = "0" + (rest[1:] if rest.startswith("0") else rest)
    return digits if len(digits) >= 7 else ""


def normalise_email(raw: str) -> str:
    """Trimmed and lower-cased; "" when it is not an address at all (no "@")."""
    email = raw.strip().lower()
    return email if "@" in email and not email.startswith("@") and not email.endswith("@") else ""


def normalise_reference(raw: str) -> str:
    """Account references compared without case, spaces or punctuation: "smi-001" == "SMI001"."""
    return re.sub(r"[^A-Za-z0-9]", "", raw).upper()


def expand_street_words(words: list[str]) -> list[str]:
    """Replace street abbreviations by their full word, keeping "St" as Saint when it starts a name."""
    out: list[str] = []
    for i, word in enumerate(words):
        if word == "st" and i + 1 < len(words) and not words[i + 1].isdigit() and i == 0:
            out.append("saint")
        else:
            out.append(STREET_ABBREVIATIONS.get(word, word))
    return out


@dataclass(frozen=True, slots=True)
class Address:
    """An address split into the parts that identify a dwelling."""

    house_number: str
    flat: str
    street: str
    town: str
    postcode: str
    outward: str
    uk_postcode: bool


def _extract_postcode(lines: list[str], town: str) -> tuple[list[str], str, str]:
    """Find a UK postcode typed into the address lines or town when the postcode field is empty."""
    for index in range(len(lines) - 1, -1, -1):
        found = find_postcode(lines[index])
        if found:
            lines = list(lines)
            lines[index] = found[0]
            return [line for line in lines if line], town, found[1]
    found = find_postcode(town)
    if found:
        return lines, found[0], found[1]
    return lines, town, ""


def normalise_address(lines: tuple[str, ...], town: str, postcode: str) -> Address:
    """Split address lines into house number, flat, street words, town and postcode.

    The house number is what tells two neighbours apart, so it is kept separately from the street
    name; a flat number ("Flat 2, 4 Elm Rd") is kept apart from the house number for the same reason.
    When no town is given the last line without digits stands in for it.
    """
    raw_lines = [part.strip() for line in lines for part in line.split(",") if part.strip()]
    if not postcode.strip():
        raw_lines, town, postcode = _extract_postcode(raw_lines, town)
    if not town.strip() and len(raw_lines) > 1 and not any(ch.isdigit() for ch in raw_lines[-1]):
        town = raw_lines.pop()
    words = expand_street_words(fold(" ".join(raw_lines)).split())
    flat = ""
    house = ""
    street_words: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word in SUB_BUILDING_WORDS and i + 1 < len(words) and not flat:
            flat = words[i + 1]
            i += 2
            continue
        if not house and _HOUSE_NUMBER.match(word):
            house = word
        elif not house and i + 1 < len(words) and word.isdigit() and len(words[i + 1]) == 1:
            house = word + words[i + 1]
            i += 1
        else:
            street_words.append(word)
        i += 1
    pc = normalise_postcode(postcode)
    outward = postcode_outward(pc)
    return Address(
        house_number=house,
        flat=flat,
        street=" ".join(street_words),
        town=" ".join(expand_street_words(fold(town).split())),
        postcode=pc,
        outward=outward,
        uk_postcode=bool(outward),
    )


@dataclass(frozen=True, slots=True)
class PersonName:
    """A person's name reduced to comparable parts; ``title`` is kept only as a gender hint."""

    title: str
    first: str
    middle: tuple[str, ...]
    last: str


def split_person_name(name: str, title: str = "", first: str = "", last: str = "") -> PersonName:
    """Parse a person's name from separate fields, or from free text when only that is given.

    Free text may come as "Mr J. Smith", "John Smith", or "Smith, John"; a comma means the surname
    comes first. Word order without a comma ("Smith John") is left as typed and handled by the
    scorer, which also tries first and last name the other way round.
    """
    title_f = fold(title)
    if first.strip() or last.strip():
        first_words = [w for w in fold(first).split() if w not in TITLES]
        last_words = [w for w in fold(last.replace("-", "")).split() if w not in NAME_SUFFIXES]
        return PersonName(
            title=title_f.split()[0] if title_f else "",
            first=first_words[0] if first_words else "",
            middle=tuple(first_words[1:]),
            last=" ".join(last_words),
        )
    # A double-barrelled surname is one name: "Kirby-Fahey" must not become first "Kirby".
    name = name.replace("-", "")
    surname_first = "," in name
    if surname_first:
        head, _, tail = name.partition(",")
        words = fold(tail).split() + fold(head).split()
    else:
        words = fold(name).split()
    found_titles = title_f.split()[:1]
    kept: list[str] = []
    for word in words:
        if word in TITLES:
            found_titles.append(word)
        elif word not in NAME_SUFFIXES and word != "and":
            kept.append(word)
    # "Mr & Mrs J Smith" is a couple: its titles say nothing about which of the two is meant.
    found_title = found_titles[0] if len(set(found_titles)) == 1 else ""
    if not kept:
        return PersonName(found_title, "", (), "")
    if len(kept) == 1:
        return PersonName(found_title, "", (), kept[0])
    return PersonName(found_title, kept[0], tuple(kept[1:-1]), kept[-1])


def company_tokens(name: str) -> tuple[str, ...]:
    """A company name's words without legal form, a leading "the", or the "&"/"and" difference.

    "The Smith & Sons Ltd." and "Smith and Sons Limited" both become ("smith", "and", "sons").
    """
    words = fold(name).split()
    if words and words[0] == "the":
        words = words[1:]
    changed = True
    while changed and words:
        changed = False
        for suffix in LEGAL_SUFFIXES:
            n = len(suffix)
            if len(words) > n and tuple(words[-n:]) == suffix:
                words = words[:-n]
                changed = True
                break
    return tuple(words)


def looks_commercial(name: str) -> bool:
    """Whether a free-text name reads like a business ("Elm Plumbing Ltd") rather than a person."""
    words = fold(name).split()
    return any(word in COMPANY_HINTS for word in words)


@lru_cache(maxsize=200_000)
def phonetic(word: str) -> str:
    """A sound-alike key (Soundex) so that "Smith", "Smyth" and "Smithe" fall in one block."""
    if not word:
        return ""
    return jellyfish.soundex(word)


@dataclass(frozen=True, slots=True)
class NormalisedParty:
    """A ``Party`` with every field in comparable form, computed once before any comparison."""

    id: str
    kind: Kind
    person: PersonName
    company: tuple[str, ...]
    company_text: str
    address: Address
    email: str
    phone: str
    reference: str

    @property
    def full_name(self) -> str:
        """The person's name as one comparable string (first middle last)."""
        p = self.person
        return " ".join(part for part in (p.first, *p.middle, p.last) if part)


def infer_kind(party: Party) -> Kind:
    """The party's kind as given, or a best guess: a company name, or a name that reads like one."""
    if party.kind is not None:
        return party.kind
    if party.company_name.strip() and not (party.first_name.strip() or party.last_name.strip()):
        return "commercial"
    if party.name.strip() and not (party.first_name or party.last_name) and looks_commercial(party.name):
        return "commercial"
    return "residential"


def normalise_party(party: Party) -> NormalisedParty:
    """Everything the blocker and the scorer need, in comparable form."""
    kind = infer_kind(party)
    company_source = party.company_name or (party.name if kind == "commercial" else "")
    company = company_tokens(company_source)
    person_source = party.name if kind == "residential" or party.company_name else ""
    person = split_person_name(person_source, party.title, party.first_name, party.last_name)
    return NormalisedParty(
        id=party.id,
        kind=kind,
        person=person,
        company=company,
        company_text=" ".join(company),
        address=normalise_address(party.address_lines, party.town, party.postcode),
        email=normalise_email(party.email),
        phone=normalise_phone(party.phone),
        reference=normalise_reference(party.reference),
    )
