"""The matching engine's reasons as a bookkeeper reads them: "names almost the same", not "name 0.95".

The engine keeps its figures (the command line and the CSV of decisions show them); a page says what
they mean.
"""

from __future__ import annotations

import re

_SCORED = re.compile(r"^(name|surname|first name) (\d+\.\d+)(.*)$")

BAND_WORDS: dict[str, str] = {
    "sure": "sure match",
    "likely": "likely match: check it",
    "none": "nothing like it in the package",
}


def _alike(similarity: float, plural: str) -> str:
    if similarity >= 0.995:
        return f"same {plural[:-1]}"
    if similarity >= 0.9:
        return f"{plural} almost the same"
    if similarity >= 0.75:
        return f"{plural} alike"
    if similarity >= 0.5:
        return f"{plural} partly alike"
    return f"{plural} differ"


def reason_in_words(reason: str) -> str:
    """One reason, its similarity figure said in words; any other reason is already words."""
    found = _SCORED.match(reason)
    if found is None:
        return reason
    part, figure, rest = found.groups()
    return _alike(float(figure), f"{part}s") + rest


def reasons_in_words(reasons: tuple[str, ...] | list[str]) -> list[str]:
    return [reason_in_words(reason) for reason in reasons]


def band_in_words(band: str) -> str:
    return BAND_WORDS.get(band, band)
