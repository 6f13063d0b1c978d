"""A match's reasons read as words on a page, never as the engine's figures."""

from __future__ import annotations

import pytest

from ledgerlink.services.linking.words import band_in_words, reason_in_words


@pytest.mark.parametrize(
    ("reason", "words"),
    [
        ("name 1.00", "same name"),
        ("name 0.95", "names almost the same"),
        ("name 0.80", "names alike"),
        ("name 0.31", "names differ"),
        (
            "surname 0.92, first name missing on one side",
            "surnames almost the same, first name missing on one side",
        ),
        ("same postcode", "same postcode"),
    ],
)
def test_a_similarity_figure_is_said_in_words(reason: str, words: str) -> None:
    assert reason_in_words(reason) == words


def test_a_band_is_said_in_words() -> None:
    assert band_in_words("likely") == "likely match: check it"
