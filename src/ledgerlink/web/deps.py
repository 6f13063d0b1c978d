"""What every page handler needs, as short named dependencies: the context, the signed-in person."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from ledgerlink.domain.money import format_money
from ledgerlink.services.accounts import needs_first_administrator, user_by_id
from ledgerlink.services.connect import ConnectFlow
from ledgerlink.services.onboarding import OnboardingState, StepName, onboarding_state
from ledgerlink.services.runtime import Runtime
from ledgerlink.settings import Settings
from ledgerlink.store import Company, Store
from ledgerlink.store.accounts import User
from ledgerlink.store.connections import Connection, ConnectionRepository
from ledgerlink.web.background import SendJobs
from ledgerlink.web.security import csrf_token

TEMPLATES = Path(__file__).parent / "templates"

STEP_URLS: dict[StepName, str] = {
    "import": "/wizard/import",
    "get_started": "/wizard/get-started",
    "nominals": "/wizard/nominals",
    "link_customers": "/wizard/link/customers",
    "link_suppliers": "/wizard/link/suppliers",
    "send": "/wizard/send",
}


@dataclass
class WebContext:
    store: Store
    settings: Settings
    runtime: Runtime
    sends: SendJobs
    templates: Jinja2Templates
    # connect flows waiting for the person to choose among several businesses, by a session handle
    flows: dict[str, ConnectFlow] = field(default_factory=dict)
    # import previews a person is looking at, by company and kind: a commit imports exactly what was shown
    previews: dict[tuple[int, str], Any] = field(default_factory=dict)


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES))
    templates.env.filters["money"] = format_money
    templates.env.globals["step_urls"] = STEP_URLS
    return templates


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
    if user is None:
        request.session.pop("user_id", None)
        raise SignInRequired()
    with context.store.unit_of_work() as uow:
        company = next((c for c in uow.companies.list() if c.id == user.company_id), None)
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
    with context.store.unit_of_work() as uow:
        return ConnectionRepository(uow.session, company_id).current()


def wizard_state(request: Request, context: WebContext, company_id: int) -> OnboardingState:
    """Where the company stands: the connection's path, or the one chosen before connecting."""
    connection = current_connection(context, company_id)
    chosen = request.session.get("path") if connection is None else None
    return onboarding_state(context.store, company_id, path=chosen if isinstance(chosen, str) else None)


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
