"""The wizard's nominal step: an account made in the package from the page, and the package's refusal."""

from __future__ import annotations

import pytest

from tests.e2e.browser.conftest import Person, World
from tests.e2e.browser.steps import choose_path, connect_on_sandbox, create_first_administrator

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_an_account_is_created_in_sage_from_the_wizard_and_a_taken_code_is_refused_in_sages_words(
    world: World, person: Person
) -> None:
    page = person.page
    create_first_administrator(person)
    choose_path(person, "new-package")
    connect_on_sandbox(person, world, "sage", "Demo Heating Books")
    page.fill("input[name=cut_off_date]", "2020-01-01")
    page.click("text=Save and continue")
    page.wait_for_url("**/wizard/nominals")

    page.click("button:has-text('Create 4030 Sales - repairs in the package')")
    created = page.inner_text(".flash")
    row = page.inner_text("#map-nominal-4030")
    page.click("button:has-text('Create 7300 Tools and equipment in the package')")
    refused = page.inner_text(".flash")
    person.shot("create-refused")

    assert created == "Created 4030 Sales - repairs in the package; Sales - repairs now goes to it."
    assert "mapped to 4030 Sales - repairs" in row
    assert "the package refused to create 7300 Tools and equipment" in refused
    assert "has already been taken" in refused  # Sage's own 7300 is Fuel and Oil
