"""The path a person chooses is the company's: signing out before connecting does not forget it."""

from __future__ import annotations

from tests.integration.web.conftest import Browser, Tenant


async def test_the_chosen_path_is_kept_when_the_person_signs_out_before_connecting(
    browser: Browser, tenants: tuple[Tenant, Tenant]
) -> None:
    hollis, _ = tenants
    await browser.sign_in(hollis.email)
    chosen = await browser.post("/wizard/start", {"path": "package-first"})
    await browser.post("/sign-out")
    await browser.sign_in(hollis.email)

    home = await browser.get("/wizard")
    start = await browser.get("/wizard/start")

    assert chosen.status_code == 303
    assert home.headers["location"] == "/wizard/get-started"
    assert 'value="package-first" checked' in start.text
