"""A person's browser (Debian's Chromium through Playwright) on the web app served over loopback, with the
Sage and Xero sandboxes each on its own loopback port so the sign-in redirect really leaves the app and
comes back."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ledgerlink.packages.pacing import UnlimitedPacer
from ledgerlink.sandbox.build import sandbox_app
from ledgerlink.sandbox.kit import BackgroundServer
from ledgerlink.services.demo.books import generate
from ledgerlink.services.feeding.records import ingest
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.services.operations.secrets import SecretBox
from ledgerlink.settings import Settings
from ledgerlink.store import Store
from ledgerlink.web import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[3] / "artifacts" / "screenshots"
COMPANY = "Demo Heating"
EMAIL = "office@demo-heating.example.com"
PASSWORD = "correct horse battery"
TODAY = date(2026, 11, 1)


@dataclass
class LoopbackRuntime(ConnectorFactory):
    """Reaches each package's sandbox at the loopback address a test started it on."""

    sandbox_urls: Mapping[str, str] = field(default_factory=dict)

    def sandbox_base(self, package: str) -> str:
        return self.sandbox_urls[package]


async def instant(seconds: float) -> None:
    return None


@dataclass
class World:
    store: Store
    company_id: int
    connectors: LoopbackRuntime
    base_url: str
    sandbox_urls: Mapping[str, str]

    @property
    def sandbox_url(self) -> str:
        return self.sandbox_urls["sage"]


def open_world(tmp_path: Path, *, demo_records: bool = True) -> Iterator[World]:
    """The company's jobs side (the demo's reference lists, and its records unless told otherwise), both
    sandboxes without rate limits, and the web app, each on a loopback port."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium")
    store = Store.open(f"sqlite:///{tmp_path}/browser.db")
    demo = generate(seed=3, invoices=40, today=TODAY)
    with store.unit_of_work() as uow:
        company = uow.companies.add(COMPANY)
        reference = uow.reference(company.id)
        reference.put_nominal_accounts(demo.nominal_accounts)
        reference.put_vat_rates(demo.vat_rates)
        reference.put_payment_methods(demo.payment_methods)
        if demo_records:
            assert not ingest(uow, company.id, demo.records).rejected
        uow.commit()
    settings = Settings(data_dir=tmp_path, secret_key="browser tests")
    with ExitStack() as servers:
        sage = servers.enter_context(BackgroundServer(sandbox_app("sage", limits=False)))
        xero = servers.enter_context(BackgroundServer(sandbox_app("xero", limits=False)))
        connectors = LoopbackRuntime(
            store=store,
            settings=settings,
            box=SecretBox("browser tests"),
            pacer_factory=lambda connection, entry: UnlimitedPacer(),
            sleep=instant,
            sandbox_urls={"sage": sage.url, "xero": xero.url},
        )
        web = servers.enter_context(BackgroundServer(create_app(store, settings, connectors)))
        yield World(store, company.id, connectors, web.url, connectors.sandbox_urls)
    store.close()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    yield from open_world(tmp_path)


class Person:
    """The page a person looks at, and a camera that keeps a picture of every step.

    What the browser refuses to run (an inline script or handler the content security policy blocks) it
    says only in its console, and a page that still looks right hides it: each refusal is kept, and the
    walk fails on any.
    """

    def __init__(self, page: Any, folder: Path) -> None:
        self.page = page
        self.folder = folder
        self.shots = 0
        self.refusals: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.refusals.append(f"page error: {error}"))

    def _console(self, message: Any) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.refusals.append(f"{self.page.url}: {message.text}")

    def shot(self, name: str) -> None:
        self.shots += 1
        self.folder.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(self.folder / f"{self.shots:02d}-{name}.png"), full_page=True)


DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}  # a phone held upright


@pytest.fixture
def viewport() -> dict[str, int]:
    """The screen the person looks at: a laptop's, unless a test asks for a phone's."""
    return DESKTOP


@pytest.fixture
def person(world: World, request: pytest.FixtureRequest, viewport: dict[str, int]) -> Iterator[Person]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(
            base_url=world.base_url,
            viewport=viewport,
            is_mobile=viewport["width"] < 600,
            has_touch=viewport["width"] < 600,
        )
        page.set_default_timeout(30_000)
        folder = SCREENSHOTS / re.sub(r"[^a-z0-9_]+", "-", request.node.name.lower())
        try:
            person = Person(page, folder)
            yield person
            assert not person.refusals, "\n".join(person.refusals)
        finally:
            browser.close()
