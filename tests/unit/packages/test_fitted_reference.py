"""A reference longer than a package keeps is fitted before sending, the same way every time."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.packages.drafts import fitted_reference


def test_a_reference_that_fits_is_kept_as_it_is() -> None:
    assert fitted_reference("SMITH01", 10) == "SMITH01"
    assert fitted_reference("", 10) == ""


def test_a_long_one_keeps_its_start_and_ends_in_a_digest_of_the_whole() -> None:
    fitted = fitted_reference("CUSTOMER-0000012345", 10)
    assert len(fitted) == 10
    assert fitted.startswith("CUSTO-")
    assert fitted == fitted_reference("CUSTOMER-0000012345", 10)  # a replay finds the same


@given(
    st.text(min_size=11, max_size=80),
    st.text(min_size=11, max_size=80),
    st.integers(min_value=1, max_value=60),
)
def test_fitted_references_stay_within_the_limit_and_two_ids_rarely_meet(a: str, b: str, limit: int) -> None:
    assert len(fitted_reference(a, limit)) <= limit
    if a != b and a[:limit] == b[:limit] and limit > 8:
        assert fitted_reference(a, limit) != fitted_reference(b, limit)
