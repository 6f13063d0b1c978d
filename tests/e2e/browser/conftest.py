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
from ledgerlink.sandbox.kit import BackgroundServer
from ledgerlink.sandbox.sage.app import SageSandboxConfig
from ledgerlink.sandbox.sage.app import create_app as sage_app
from ledgerlink.sandbox.xero.app import XeroSandboxConfig
from ledgerlink.sandbox.xero.app import create_app as xero_app
from ledgerlink.services.demo_data import generate
from ledgerlink.services.records import ingest
from ledgerlink.services.runtime import Runtime
from ledgerlink.services.secrets import SecretBox
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
class LoopbackRuntime(Runtime):
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
    runtime: LoopbackRuntime
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
    unlimited_xero = XeroSandboxConfig(
        minute_limit=None, day_limit=None, concurrency=None, app_minute_limit=None
    )
    with ExitStack() as servers:
        sage = servers.enter_context(
            BackgroundServer(sage_app(SageSandboxConfig(rate_limit_per_minute=None)))
        )
        xero = servers.enter_context(BackgroundServer(xero_app(unlimited_xero)))
        runtime = LoopbackRuntime(
            store=store,
            settings=settings,
            box=SecretBox("browser tests"),
            pacer_factory=lambda connection, entry: UnlimitedPacer(),
            sleep=instant,
            sandbox_urls={"sage": sage.url, "xero": xero.url},
        )
        web = servers.enter_context(BackgroundServer(create_app(store, settings, runtime)))
        yield World(store, company.id, runtime, web.url, runtime.sandbox_urls)
    store.close()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    yield from open_world(tmp_path)


class Person:
    """The page a person looks at, and a camera that keeps a picture of every step."""

    def __init__(self, page: Any, folder: Path) -> None:
        self.page = page
        self.folder = folder
        self.shots = 0

    def shot(self, name: str) -> None:
        self.shots += 1
        self.folder.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(self.folder / f"{self.shots:02d}-{name}.png"), full_page=True)


@pytest.fixture
def person(world: World, request: pytest.FixtureRequest) -> Iterator[Person]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(base_url=world.base_url, viewport={"width": 1280, "height": 900})
        page.set_default_timeout(30_000)
        folder = SCREENSHOTS / re.sub(r"[^a-z0-9_]+", "-", request.node.name.lower())
        try:
            yield Person(page, folder)
        finally:
            browser.close()
