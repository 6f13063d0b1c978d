"""What every page handler needs, as short named dependencies: the context, the signed-in person."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi import Path as PathPart
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from ledgerlink.domain.money import format_money
from ledgerlink.errors import LedgerlinkError
from ledgerlink.packages.registry import get_package
from ledgerlink.services import passwords
from ledgerlink.services.access import company_by_id, needs_first_administrator, user_by_id
from ledgerlink.services.linking.words import band_in_words, reasons_in_words
from ledgerlink.services.onboarding.connect import ConnectFlow
from ledgerlink.services.onboarding.connect import current_connection as connection_in_use
from ledgerlink.services.onboarding.steps import OnboardingState, StepName, onboarding_state
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.settings import Settings
from ledgerlink.store import Company, Connection, Store, User
from ledgerlink.web.background import SendJobs
from ledgerlink.web.security import csrf_token

TEMPLATES = Path(__file__).parent / "templates"

# the onboarding paths in plain words, where the code says new-package, side-by-side, package-first
PATH_NAMES: dict[str, str] = {
    "new-package": "Starting new books in the package",
    "side-by-side": "Customers already on both sides",
    "package-first": "Customers start in the package",
}

STEP_URLS: dict[StepName, str] = {
    "import": "/wizard/import",
    "get_started": "/wizard/get-started",
    "nominals": "/wizard/nominals",
    "open_items": "/wizard/open-items",
    "link_customers": "/wizard/link/customers",
    "link_suppliers": "/wizard/link/suppliers",
    "send": "/wizard/send",
}


@dataclass
class WebContext:
    store: Store
    settings: Settings
    connectors: ConnectorFactory
    sends: SendJobs
    templates: Jinja2Templates
    # connect flows waiting for the person to choose among several businesses, by a session handle
    flows: dict[str, ConnectFlow] = field(default_factory=dict)
    # import previews a person is looking at, by company and kind: a commit imports exactly what was shown
    previews: dict[tuple[int, str], Any] = field(default_factory=dict)
    # turns to hash a password at sign-in (an anyio.CapacityLimiter, made on the app's event loop)
    password_turns: Any = None
    # the time the sign-in throttle counts by; a test holds it still so a block cannot lapse mid-test
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))


def day(value: date | datetime | None) -> str:
    """A date as people in the UK write it: 01/04/2026."""
    return value.strftime("%d/%m/%Y") if value is not None else ""


def moment(value: datetime | None) -> str:
    """A time as people in the UK write it, to the minute: 01/04/2026 09:30."""
    return value.strftime("%d/%m/%Y %H:%M") if value is not None else ""


def pounds(amount: Decimal) -> str:
    """An amount as a bookkeeper reads it: £1,204.50, and -£20.00 for money going the other way."""
    text = format_money(amount)
    return f"-£{text[1:]}" if text.startswith("-") else f"£{text}"


def connection_name(connection: Connection) -> str:
    """A connection as people read it: the package's own name, then the business (" · Hollis Books")."""
    return f"{package_label(connection.package)} · {connection.business_name or connection.business_id}"


def package_label(name: str) -> str:
    """What a package is called in what people read: its plugin says so, the engine never does."""
    try:
        return get_package(name).label
    except LedgerlinkError:
        return name


def anchor(source_id: str) -> str:
    """A page anchor for a record: its id may hold any character, an anchor only a few."""
    return "r-" + hashlib.blake2s(source_id.encode(), digest_size=6).hexdigest()


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES))
    templates.env.filters["money"] = pounds
    templates.env.filters["day"] = day
    templates.env.filters["moment"] = moment
    templates.env.globals["package_label"] = package_label
    templates.env.globals["connection_name"] = connection_name
    templates.env.globals["path_names"] = PATH_NAMES
    templates.env.filters["reasons"] = reasons_in_words
    templates.env.filters["band"] = band_in_words
    templates.env.filters["anchor"] = anchor
    templates.env.globals["step_urls"] = STEP_URLS
    templates.env.globals["password_rule"] = passwords.RULE
    templates.env.globals["password_lengths"] = (passwords.MIN_PASSWORD_LENGTH, passwords.MAX_PASSWORD_LENGTH)
    return templates


# a row's id in a page's path: the database keeps 64-bit ids, so a larger one names nothing (and, passed
# on, would overflow the driver); it is refused by name instead
RowId = Annotated[int, PathPart(ge=1, le=2**63 - 1)]


class SignInRequired(Exception):
    """No one is signed in: the page answers with the sign-in page (or first-run setup)."""


def get_context(request: Request) -> WebContext:
    context: WebContext = request.app.state.web
    return context


Context = Annotated[WebContext, Depends(get_context)]


@dataclass(frozen=True)
class Visitor:
    """The signed-in person and their company: every page is limited to that company."""

    user: User
    company: Company

    @property
    def company_id(self) -> int:
        return self.company.id


def get_visitor(request: Request, context: Context) -> Visitor:
    user_id = request.session.get("user_id")
    user = user_by_id(context.store, user_id) if isinstance(user_id, int) else None
    # a session begun before the person last signed out or changed password opens nothing
    if user is None or request.session.get("session_version") != user.session_version:
        request.session.pop("user_id", None)
        raise SignInRequired()
    company = company_by_id(context.store, user.company_id)
    if company is None:
        raise SignInRequired()
    return Visitor(user, company)


CurrentVisitor = Annotated[Visitor, Depends(get_visitor)]


def get_administrator(visitor: CurrentVisitor) -> Visitor:
    """The signed-in person, if they administer their company: people, API keys and connecting the
    package are theirs to manage; anyone else is answered 403 and nothing changes."""
    if not visitor.user.is_admin:
        raise HTTPException(
            status_code=403,
            detail=f"Only an administrator of {visitor.company.name} can do this: ask one of them.",
        )
    return visitor


Administrator = Annotated[Visitor, Depends(get_administrator)]


def sign_in_redirect(request: Request, context: WebContext) -> Response:
    target = "/setup" if needs_first_administrator(context.store) else "/sign-in"
    if request.headers.get("HX-Request"):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def current_connection(context: WebContext, company_id: int) -> Connection | None:
    return connection_in_use(context.store, company_id)


def wizard_state(request: Request, context: WebContext, company_id: int) -> OnboardingState:
    """Where the company stands: the connection's path, or the one chosen (and kept) before connecting."""
    return onboarding_state(context.store, company_id)


def render(
    request: Request,
    context: WebContext,
    template: str,
    values: dict[str, Any] | None = None,
    *,
    visitor: Visitor | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    flash = request.session.pop("flash", "") if "flash" in request.session else ""
    data: dict[str, Any] = {"csrf_token": csrf_token(request), "visitor": visitor, "flash": flash}
    data.update(values or {})
    return context.templates.TemplateResponse(request, template, data, status_code=status_code)


def redirect(url: str, *, flash: str = "", request: Request | None = None) -> RedirectResponse:
    """A 303 to `url`; with `flash`, a one-time message the next page shows."""
    if flash and request is not None:
        request.session["flash"] = flash
    return RedirectResponse(url, status_code=303)
