"""The web app in process (httpx over ASGI), with people, API keys and records in two companies."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from ledgerlink.domain.records import (
    Customer,
    Invoice,
    NominalAccount,
    NominalKind,
    PaymentMethod,
    standard_vat_rates,
)
from ledgerlink.services.access import add_user, create_api_key
from ledgerlink.services.feeding.records import ingest
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.services.operations.secrets import SecretBox
from ledgerlink.settings import Settings
from ledgerlink.store import Store
from ledgerlink.web import create_app

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Tenant:
    company_id: int
    email: str
    api_key: str
    customer_id: str


def reference_lists(store: Store, company_id: int) -> None:
    with store.unit_of_work() as uow:
        reference = uow.reference(company_id)
        reference.put_nominal_accounts(
            [
                NominalAccount(code="4000", name="Sales", kind=NominalKind.SALES),
                NominalAccount(code="1200", name="Bank", kind=NominalKind.BANK),
            ]
        )
        reference.put_vat_rates(list(standard_vat_rates()))
        reference.put_payment_methods([PaymentMethod(code="BACS", name="BACS", bank_nominal_code="1200")])
        uow.commit()


def make_tenant(store: Store, name: str, customer_id: str) -> Tenant:
    with store.unit_of_work() as uow:
        company = uow.companies.add(name)
        uow.commit()
    reference_lists(store, company.id)
    email = f"office@{company.slug}.example.com"
    add_user(store, company, email=email, password=PASSWORD, is_admin=True)
    key = create_api_key(store, company.id, name="jobs").plain
    with store.unit_of_work() as uow:
        customer = Customer(source_id=customer_id, first_name="Ann", last_name=name.split()[0])
        invoice = Invoice.model_validate(
            {
                "source_id": f"{customer_id}-INV",
                "customer_id": customer_id,
                "number": f"{customer_id}-1",
                "date": "2026-01-05",
                "lines": [
                    {
                        "description": "Boiler service",
                        "unit_price": Decimal("80"),
                        "vat_rate": "S",
                        "nominal_code": "4000",
                    }
                ],
            }
        )
        report = ingest(uow, company.id, [customer, invoice])
        assert not report.rejected, report.errors
        uow.commit()
    return Tenant(company.id, email, key, customer_id)


@pytest.fixture
def web_store(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(f"sqlite:///{tmp_path}/web.db")
    yield store
    store.close()


@pytest.fixture
def web_app(web_store: Store, tmp_path: Path) -> FastAPI:
    settings = Settings(data_dir=tmp_path, secret_key="web tests")
    connectors = ConnectorFactory(store=web_store, settings=settings, box=SecretBox("web tests"))
    return create_app(web_store, settings, connectors)


@pytest.fixture
def tenants(web_store: Store) -> tuple[Tenant, Tenant]:
    return make_tenant(web_store, "Hollis Heating", "C-HOLLIS"), make_tenant(
        web_store, "Ayres Plumbing", "C-AYRES"
    )


class Browser:
    """A person at a browser: keeps the cookie, reads each form's CSRF token, posts forms."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.token = ""

    async def get(self, url: str, **options: object) -> httpx.Response:
        reply = await self.client.get(url, **options)  # type: ignore[arg-type]
        found = CSRF.search(reply.text)
        if found:
            self.token = found.group(1)
        return reply

    async def post(self, url: str, data: dict[str, str] | None = None, **options: object) -> httpx.Response:
        if not self.token:
            await self.get("/sign-in")
        form = {"csrf_token": self.token, **(data or {})}
        return await self.client.post(url, data=form, **options)  # type: ignore[arg-type]

    async def sign_in(self, email: str, password: str = PASSWORD) -> httpx.Response:
        await self.get("/sign-in")
        reply = await self.post("/sign-in", {"email": email, "password": password})
        if reply.status_code == 303:
            await self.get("/wizard/start")  # signing in starts a new session, with a new token
        return reply


@pytest.fixture
async def client(web_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=web_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as found:
        yield found


@pytest.fixture
def browser(client: httpx.AsyncClient) -> Browser:
    return Browser(client)
