"""Matching quality and speed on FEBRL 4: 5,000 originals against 5,000 corrupted duplicates.

Only what an accounting package would hold is used: given name, surname, street number and address
lines, suburb (as town), postcode and state. Date of birth and social security id are left out.
A true pair shares the number in ``rec_id`` (rec-1070-org ~ rec-1070-dup-0).

Run: ``.venv/bin/python benchmarks/matching_febrl.py``. The dataset is looked for in
``$LEDGERLINK_SHARED_DIR/datasets/febrl4`` and then in ``../shared/datasets/febrl4`` next to the
repository.
"""

from __future__ import annotations

import csv
import os
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ledgerlink.matching import Party, match

REPO = Path(__file__).resolve().parent.parent


def dataset_candidates() -> list[Path]:
    """Where the FEBRL 4 folder may be, in the order looked at."""
    places: list[Path] = []
    shared = os.environ.get("LEDGERLINK_SHARED_DIR")
    if shared:
        places.append(Path(shared) / "datasets" / "febrl4")
    places.append(REPO.parent / "shared" / "datasets" / "febrl4")
    return places


def find_dataset() -> Path | None:
    """The first folder holding both FEBRL 4 files, or None."""
    for place in dataset_candidates():
        if (place / "dataset4a.csv").is_file() and (place / "dataset4b.csv").is_file():
            return place
    return None


def true_key(rec_id: str) -> str:
    """The number shared by an original and its duplicate: "rec-1070-dup-0" -> "1070"."""
    return rec_id.split("-")[1]


def read_parties(path: Path) -> list[Party]:
    """FEBRL rows as parties, with only the fields an accounting package would keep."""
    parties: list[Party] = []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, skipinitialspace=True):
            row = {k.strip(): (v or "").strip() for k, v in row.items()}
            street = " ".join(part for part in (row["street_number"], row["address_1"]) if part)
            lines = tuple(part for part in (street, row["address_2"], row["state"]) if part)
            parties.append(
                Party(
                    id=row["rec_id"],
                    kind="residential",
                    first_name=row["given_name"],
                    last_name=row["surname"],
                    address_lines=lines,
                    town=row["suburb"],
                    postcode=row["postcode"],
                )
            )
    return parties


@dataclass(frozen=True)
class Quality:
    """Precision, recall and F1 of a set of predicted pairs against the true pairs."""

    predicted: int
    correct: int
    truth: int

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.truth if self.truth else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def line(self, label: str) -> str:
        return (
            f"{label:<22} pairs {self.predicted:>5}  correct {self.correct:>5}  "
            f"precision {self.precision:.4f}  recall {self.recall:.4f}  F1 {self.f1:.4f}"
        )


def quality(pairs: Iterable[tuple[str, str]], truth: int) -> Quality:
    """Score predicted (left id, right id) pairs against the rec_id rule."""
    listed = list(pairs)
    correct = sum(1 for a, b in listed if true_key(a) == true_key(b))
    return Quality(predicted=len(listed), correct=correct, truth=truth)


def exact_name_baseline(left: Sequence[Party], right: Sequence[Party]) -> list[tuple[str, str]]:
    """Link records whose lower-cased first and last names are identical and unique on both sides."""

    def key(p: Party) -> tuple[str, str]:
        return (p.first_name.lower(), p.last_name.lower())

    def unique(parties: Sequence[Party]) -> dict[tuple[str, str], str]:
        counts: dict[tuple[str, str], int] = {}
        ids: dict[tuple[str, str], str] = {}
        for p in parties:
            counts[key(p)] = counts.get(key(p), 0) + 1
            ids[key(p)] = p.id
        return {k: v for k, v in ids.items() if counts[k] == 1 and all(k)}

    left_ids, right_ids = unique(left), unique(right)
    return [(left_ids[k], right_ids[k]) for k in sorted(left_ids.keys() & right_ids.keys())]


def main() -> int:
    place = find_dataset()
    if place is None:
        looked = ", ".join(str(p) for p in dataset_candidates())
        print(f"FEBRL 4 not found: looked in {looked} (set LEDGERLINK_SHARED_DIR to the shared folder)")
        return 2
    left = read_parties(place / "dataset4a.csv")
    right = read_parties(place / "dataset4b.csv")
    truth = len({true_key(p.id) for p in left} & {true_key(p.id) for p in right})

    started = time.perf_counter()
    cpu_started = time.process_time()
    result = match(left, right)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started

    sure = [(p.left_id, p.right_id) for p in result.proposals if p.band == "sure"]
    both = [(p.left_id, p.right_id) for p in result.proposals]
    baseline = quality(exact_name_baseline(left, right), truth)
    print(f"FEBRL 4 from {place}: {len(left)} left, {len(right)} right, {truth} true pairs")
    print(
        f"candidate pairs {result.stats.candidate_pairs}, oversized blocks skipped "
        f"{result.stats.oversized_blocks}, review items {len(result.review)}"
    )
    print(quality(sure, truth).line("sure"))
    print(quality(both, truth).line("sure+likely"))
    print(baseline.line("exact-name baseline"))
    print(f"time {elapsed:.2f} s wall ({cpu:.2f} s CPU)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
