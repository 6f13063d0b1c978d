"""Matching speed and memory at scale: 100,000 generated records against 100,000.

The records are made up by a seeded generator, so the answers are known: UK-style names (common
surnames far more common than rare ones), companies, streets, towns and postcodes. The right side
holds corrupted copies of 80% of the left (typos, initials, titles, "Smith, John", abbreviated
street types, postcodes without their space, +44 phones, missing fields, a few people who moved
house but kept their email or phone) and 20% records with no counterpart.

Run: ``.venv/bin/python benchmarks/matching_scale.py [N]`` (N defaults to 100000).
"""

from __future__ import annotations

import random
import resource
import string
import sys
import time
from dataclasses import replace

from ledgerlink.matching import Party, match

FIRST_NAMES = [
    "john",
    "james",
    "david",
    "michael",
    "robert",
    "william",
    "richard",
    "thomas",
    "christopher",
    "daniel",
    "paul",
    "mark",
    "andrew",
    "george",
    "peter",
    "stephen",
    "kevin",
    "ian",
    "simon",
    "gary",
    "jack",
    "harry",
    "oliver",
    "charlie",
    "samuel",
    "joseph",
    "alan",
    "brian",
    "colin",
    "derek",
    "graham",
    "keith",
    "martin",
    "neil",
    "philip",
    "raymond",
    "roger",
    "stuart",
    "trevor",
    "adam",
    "ben",
    "callum",
    "dean",
    "mary",
    "susan",
    "margaret",
    "sarah",
    "karen",
    "helen",
    "emma",
    "claire",
    "julie",
    "lisa",
    "laura",
    "rachel",
    "nicola",
    "louise",
    "jennifer",
    "elizabeth",
    "amanda",
    "joanne",
    "michelle",
    "deborah",
    "alison",
    "angela",
    "anne",
    "carol",
    "christine",
    "donna",
    "emily",
    "sophie",
    "olivia",
    "amelia",
    "jessica",
    "charlotte",
    "hannah",
    "lucy",
    "chloe",
    "grace",
    "ruby",
    "ellie",
    "megan",
    "katie",
    "beverley",
    "gillian",
    "hazel",
    "irene",
    "janet",
    "kathleen",
    "linda",
    "maureen",
    "pauline",
    "sandra",
    "sharon",
    "tracey",
    "wendy",
]
SURNAMES = [
    "smith",
    "jones",
    "williams",
    "taylor",
    "brown",
    "davies",
    "evans",
    "wilson",
    "thomas",
    "johnson",
    "roberts",
    "robinson",
    "thompson",
    "wright",
    "walker",
    "white",
    "edwards",
    "hughes",
    "green",
    "hall",
    "lewis",
    "harris",
    "clarke",
    "patel",
    "jackson",
    "wood",
    "turner",
    "martin",
    "cooper",
    "hill",
    "ward",
    "morris",
    "moore",
    "clark",
    "lee",
    "king",
    "baker",
    "harrison",
    "morgan",
    "allen",
    "james",
    "scott",
    "phillips",
    "watson",
    "davis",
    "parker",
    "price",
    "bennett",
    "young",
    "griffiths",
    "mitchell",
    "kelly",
    "cook",
    "carter",
    "richardson",
    "bailey",
    "collins",
    "bell",
    "shaw",
    "murphy",
    "miller",
    "cox",
    "richards",
    "khan",
    "marshall",
    "anderson",
    "simpson",
    "ellis",
    "adams",
    "singh",
    "begum",
    "wilkinson",
    "foster",
    "chapman",
    "powell",
    "webb",
    "rogers",
    "gray",
    "mason",
    "ali",
    "hunt",
    "hussain",
    "campbell",
    "matthews",
    "owen",
    "palmer",
    "holmes",
    "mills",
    "barnes",
    "knight",
    "lloyd",
    "butler",
    "russell",
    "barker",
    "fisher",
    "stevens",
    "jenkins",
    "murray",
    "dixon",
    "harvey",
    "graham",
    "pearson",
    "ahmed",
    "fletcher",
    "walsh",
    "kaur",
    "gibson",
    "howard",
    "andrews",
    "stewart",
    "elliott",
    "reynolds",
    "saunders",
    "payne",
    "fox",
    "ford",
    "pearce",
    "day",
    "brooks",
    "west",
    "lawrence",
    "cole",
    "atkinson",
    "bradley",
    "spencer",
    "gill",
    "dawson",
    "ball",
    "burton",
    "obrien",
    "watts",
    "rose",
    "booth",
    "perry",
    "ryan",
    "grant",
    "wells",
    "armstrong",
    "francis",
    "rees",
    "hayes",
    "hart",
    "hudson",
    "newman",
    "barrett",
    "webster",
    "hunter",
    "gregory",
    "carr",
    "lowe",
    "page",
    "marsh",
    "riley",
    "dunn",
    "woods",
    "parsons",
    "berry",
    "stone",
    "reid",
    "holland",
    "hawkins",
    "harding",
    "porter",
    "robertson",
    "newton",
    "oconnor",
    "kennedy",
    "burns",
    "bates",
    "sutton",
    "holt",
    "kemp",
    "nicholson",
    "ashworth",
    "bolton",
    "brennan",
    "fairclough",
]
STREETS = [
    "elm",
    "oak",
    "ash",
    "beech",
    "birch",
    "cedar",
    "chestnut",
    "holly",
    "maple",
    "pine",
    "willow",
    "alder",
    "rowan",
    "hazel",
    "station",
    "church",
    "mill",
    "park",
    "high",
    "victoria",
    "albert",
    "queens",
    "kings",
    "princess",
    "york",
    "windsor",
    "grange",
    "manor",
    "orchard",
    "meadow",
    "field",
    "brook",
    "river",
    "bridge",
    "castle",
    "abbey",
    "priory",
    "chapel",
    "school",
    "market",
    "green",
    "hill",
    "valley",
    "spring",
    "highfield",
    "springfield",
    "westfield",
    "greenfield",
    "newlands",
    "broadway",
    "fairview",
    "belmont",
    "clifton",
    "ashfield",
    "woodland",
    "moorland",
    "heather",
    "lavender",
    "primrose",
    "rose",
    "daisy",
    "poplar",
    "sycamore",
    "laburnum",
]
STREET_TYPES = ("road", "street", "avenue", "lane", "close", "drive", "crescent", "way", "gardens", "grove")
ABBREVIATED = {
    "road": "rd",
    "street": "st",
    "avenue": "ave",
    "lane": "ln",
    "close": "cl",
    "drive": "dr",
    "crescent": "cres",
    "gardens": "gdns",
    "grove": "gr",
}
TOWNS = (
    ("Leeds", "LS"), ("Bradford", "BD"), ("York", "YO"), ("Manchester", "M"), ("Sheffield", "S"),
    ("Birmingham", "B"), ("Bristol", "BS"), ("Liverpool", "L"), ("Newcastle", "NE"), ("Nottingham", "NG"),
    ("Leicester", "LE"), ("Coventry", "CV"), ("Hull", "HU"), ("Derby", "DE"), ("Stoke", "ST"),
    ("Wakefield", "WF"), ("Huddersfield", "HD"), ("Halifax", "HX"), ("Harrogate", "HG"), ("Doncaster", "DN"),
    ("Preston", "PR"), ("Blackburn", "BB"), ("Bolton", "BL"), ("Oldham", "OL"), ("Stockport", "SK"),
    ("Chester", "CH"), ("Lincoln", "LN"), ("Norwich", "NR"), ("Cambridge", "CB"), ("Oxford", "OX"),
)  # fmt: skip
TRADES = ("plumbing", "heating", "builders", "properties", "lettings", "electrical", "roofing", "joinery")
SUFFIXES = (
    ("Ltd", "Limited"),
    ("Limited", "Ltd"),
    ("Ltd", "Ltd."),
    ("", ""),
    ("& Sons Ltd", "and Sons Limited"),
)
TITLES_M = ("Mr", "Dr")
TITLES_F = ("Mrs", "Ms", "Miss")
FEMALE_START = FIRST_NAMES.index("mary")


def zipf_choice(rng: random.Random, items: list[str], weights: list[float]) -> str:
    return rng.choices(items, weights=weights, k=1)[0]


def typo(rng: random.Random, word: str) -> str:
    """One keyboard slip: a letter dropped, doubled, swapped with its neighbour or replaced."""
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return word[:i] + word[i + 1 :]
    if kind == 1:
        return word[:i] + word[i] + word[i:]
    if kind == 2:
        return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    return word[:i] + rng.choice(string.ascii_lowercase) + word[i + 1 :]


def generate(n: int, seed: int = 20240601) -> tuple[list[Party], list[Party], dict[str, str]]:
    """``n`` left records, ``n`` right records, and the true (left id -> right id) pairs."""
    rng = random.Random(seed)
    surname_weights = [1.0 / (rank + 1) ** 0.9 for rank in range(len(SURNAMES))]
    first_weights = [1.0 / (rank + 1) ** 0.5 for rank in range(len(FIRST_NAMES))]
    # Streets belong to postcode districts; each has a few postcodes along it.
    streets: list[tuple[str, str, list[str]]] = []
    for town, area in TOWNS:
        for district in range(1, 25):
            for _ in range(40):
                name = f"{rng.choice(STREETS)} {rng.choice(STREET_TYPES)}"
                sector = rng.randrange(1, 10)
                codes = [
                    f"{area}{district} {sector}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
                    for _ in range(3)
                ]
                streets.append((town, name, codes))

    def person_or_company(i: int) -> Party:
        town, street, codes = rng.choice(streets)
        house = rng.randrange(1, 240)
        postcode = codes[min(house // 80, 2)]
        surname = zipf_choice(rng, SURNAMES, surname_weights)
        first = zipf_choice(rng, FIRST_NAMES, first_weights)
        female = FIRST_NAMES.index(first) >= FEMALE_START
        # Everyone has their own address: the counter keeps two people of the same name apart.
        email = f"{first}.{surname}{i}@example.{rng.choice(('com', 'co.uk', 'net'))}"
        phone = f"07{rng.randrange(100, 999)} {rng.randrange(100000, 999999)}"
        common = {
            "address_lines": (f"{house} {street.title()}",),
            "town": town,
            "postcode": postcode,
            "email": email if rng.random() < 0.6 else "",
            "phone": phone if rng.random() < 0.6 else "",
        }
        if rng.random() < 0.12:
            suffix = rng.choice(SUFFIXES)[0]
            company = f"{surname.title()} {rng.choice(TRADES).title()} {suffix}".strip()
            return Party(id=f"L{i}", kind="commercial", company_name=company, **common)  # type: ignore[arg-type]
        title = rng.choice(TITLES_F if female else TITLES_M)
        return Party(
            id=f"L{i}",
            kind="residential",
            title=title,
            first_name=first.title(),
            last_name=surname.title(),
            **common,  # type: ignore[arg-type]
        )

    def corrupt(p: Party, new_id: str) -> Party:
        """The same party as the other system might hold it."""
        fields: dict[str, object] = {"id": new_id, "kind": None if rng.random() < 0.5 else p.kind}
        if p.kind == "commercial":
            name = p.company_name
            for full, short in SUFFIXES:
                if full and name.endswith(full) and rng.random() < 0.5:
                    name = name[: -len(full)] + short
                    break
            if rng.random() < 0.1:
                words = name.split()
                words[0] = typo(rng, words[0])
                name = " ".join(words)
            fields["name"] = name
            fields["company_name"] = ""
        else:
            first, last = p.first_name, p.last_name
            if rng.random() < 0.1:
                last = typo(rng, last)
            if rng.random() < 0.1:
                first = typo(rng, first)
            style = rng.random()
            if style < 0.25:
                fields.update(name=f"{p.title} {first[0]}. {last}", first_name="", last_name="", title="")
            elif style < 0.35:
                fields.update(name=f"{last}, {first}", first_name="", last_name="", title="")
            elif style < 0.6:
                fields.update(name=f"{first} {last}", first_name="", last_name="", title="")
            else:
                fields.update(first_name=first, last_name=last, title="" if rng.random() < 0.5 else p.title)
        line = p.address_lines[0]
        words = line.split()
        if rng.random() < 0.4 and words[-1].lower() in ABBREVIATED:
            words[-1] = ABBREVIATED[words[-1].lower()].title()
        if rng.random() < 0.05:
            words[1] = typo(rng, words[1])
        fields["address_lines"] = (" ".join(words),)
        postcode = p.postcode
        if rng.random() < 0.3:
            postcode = postcode.replace(" ", "").lower()
        if rng.random() < 0.03:
            postcode = ""
        fields["postcode"] = postcode
        fields["town"] = p.town if rng.random() < 0.8 else ""
        email = p.email.upper() if rng.random() < 0.1 else p.email
        fields["email"] = email if rng.random() < 0.8 else ""
        phone = p.phone
        if phone and rng.random() < 0.3:
            phone = "+44 " + phone[1:]
        fields["phone"] = phone if rng.random() < 0.8 else ""
        moved = replace(p, **fields)  # type: ignore[arg-type]
        if rng.random() < 0.03 and (moved.email or moved.phone):
            other = person_or_company(-1)
            moved = replace(
                moved, address_lines=other.address_lines, town=other.town, postcode=other.postcode
            )
        return moved

    left = [person_or_company(i) for i in range(n)]
    truth: dict[str, str] = {}
    right: list[Party] = []
    for i, p in enumerate(left):
        if rng.random() < 0.8:
            rid = f"R{i}"
            right.append(corrupt(p, rid))
            truth[p.id] = rid
    extra = n - len(right)
    for j in range(extra):
        right.append(replace(person_or_company(n + j), id=f"R{n + j}x"))
    rng.shuffle(right)
    return left, right, truth


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    t0 = time.perf_counter()
    left, right, truth = generate(n)
    generated = time.perf_counter() - t0
    started = time.perf_counter()
    cpu_started = time.process_time()
    result = match(left, right)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def figures(band_filter: tuple[str, ...]) -> str:
        pairs = [(p.left_id, p.right_id) for p in result.proposals if p.band in band_filter]
        correct = sum(1 for a, b in pairs if truth.get(a) == b)
        precision = correct / len(pairs) if pairs else 1.0
        recall = correct / len(truth) if truth else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return (
            f"pairs {len(pairs):>6}  correct {correct:>6}  precision {precision:.4f}  "
            f"recall {recall:.4f}  F1 {f1:.4f}"
        )

    print(f"generated {len(left)} left, {len(right)} right, {len(truth)} true pairs in {generated:.1f} s")
    print(
        f"candidate pairs {result.stats.candidate_pairs}, oversized blocks skipped "
        f"{result.stats.oversized_blocks}, review items {len(result.review)}"
    )
    print(f"sure          {figures(('sure',))}")
    print(f"sure+likely   {figures(('sure', 'likely'))}")
    print(
        f"match time {elapsed:.1f} s wall ({cpu:.1f} s CPU), "
        f"peak memory (max RSS of the process) {peak_mb:.0f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
