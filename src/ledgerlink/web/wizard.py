"""The setup wizard: one step at a time along the company's onboarding path, the step list always shown.

Each step page asks services/onboarding whether it may be entered; when it may not, the page says what
is missing instead of the form. Connecting itself (the package's sign-in page) is in web/connecting.py.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from ledgerlink.domain.records import NominalKind
from ledgerlink.errors import ConfigurationError, LedgerlinkError, PackageError
from ledgerlink.packages.registry import get_package, package_names
from ledgerlink.services.onboarding.connect import (
    ONBOARDING_PATHS,
    OnboardingPath,
    SendMode,
    save_settings,
)
from ledgerlink.services.onboarding.connect import (
    choose_path as keep_path,
)
from ledgerlink.services.onboarding.finished import setup_done, what_happens_now
from ledgerlink.services.onboarding.nominals import Band, MappingLine, MappingRefused, Nominals
from ledgerlink.services.onboarding.opening_mapping import ACCOUNT as OPENING_ACCOUNT
from ledgerlink.services.onboarding.opening_mapping import VAT as OPENING_VAT
from ledgerlink.services.onboarding.package_lists import PackageLists
from ledgerlink.services.onboarding.steps import PATH_STEPS, STEP_TITLES, StepName
from ledgerlink.services.onboarding.suggestions import percent_text
from ledgerlink.services.sending.controls import dry_run, status
from ledgerlink.store import Connection, MappingKind
from ledgerlink.web.dashboard import SHOWN_STATES
from ledgerlink.web.deps import (
    STEP_URLS,
    Context,
    CurrentVisitor,
    Visitor,
    WebContext,
    current_connection,
    redirect,
    render,
    wizard_state,
)
from ledgerlink.web.security import check_csrf

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)

PATH_TEXT: dict[str, str] = {
    "new-package": "You are starting a new set of books in the package: everything is sent from the job system.",
    "side-by-side": "The package already has your customers and suppliers: link them first, so nothing is duplicated.",
    "package-first": "Your customers live in the package: import them into the job system, then send from there on.",
}


# each step in a few words, for the list of a path's steps on the start page
STEP_NAMES: dict[StepName, str] = {
    "get_started": "connect",
    "import": "import customers and suppliers",
    "nominals": "map nominal accounts",
    "link_customers": "link customers",
    "link_suppliers": "link suppliers",
    "send": "send",
}


def page(
    request: Request,
    context: WebContext,
    visitor: Visitor,
    template: str,
    values: dict[str, Any],
    *,
    step: StepName | None = None,
    gate: bool = True,
    status_code: int = 200,
) -> Response:
    """A wizard page: the step list with the current step marked, and what may be missing for it."""
    state = wizard_state(request, context, visitor.company_id)
    missing: list[str] = []
    if step is not None and gate:
        _, missing = state.can_enter(step)
    data = {
        "state": state,
        "step": step,
        "step_title": STEP_TITLES[step] if step else "",
        "missing": missing,
        "path_text": PATH_TEXT,
    }
    data.update(values)
    return render(request, context, template, data, visitor=visitor, status_code=status_code)


@router.get("/wizard")
def wizard_home(request: Request, context: Context, visitor: CurrentVisitor) -> Response:
    connection = current_connection(context, visitor.company_id)
    if connection is None and visitor.company.onboarding_path is None:
        return redirect("/wizard/start")
    state = wizard_state(request, context, visitor.company_id)
    if state.current is None or setup_done(state):
        return redirect("/wizard/done")
    return redirect(STEP_URLS[state.current.name])


@router.get("/wizard/done")
def done_page(request: Request, context: Context, visitor: CurrentVisitor) -> Response:
    """The wizard's end: what happens now (send mode, the next automatic send, where failures show)."""
    return page(
        request,
        context,
        visitor,
        "wizard/done.html",
        {
            "now": what_happens_now(context.store, visitor.company_id),
            "emails": bool(context.settings.smtp_host),
        },
    )


@router.get("/wizard/start")
def start_page(request: Request, context: Context, visitor: CurrentVisitor) -> Response:
    return page(
        request,
        context,
        visitor,
        "wizard/start.html",
        {"paths": ONBOARDING_PATHS, "steps_of": PATH_STEPS, "step_names": STEP_NAMES},
    )


@router.post("/wizard/start")
def start_on_path(
    request: Request, context: Context, visitor: CurrentVisitor, path: Annotated[str, Form()] = ""
) -> Response:
    if path not in ONBOARDING_PATHS:
        return redirect("/wizard/start", flash="Choose where your company starts from.", request=request)
    keep_path(context.store, visitor.company_id, path)
    return redirect("/wizard")


# --- get started: connect, choose the business, cut-off date, send mode ---------------------------


@router.get("/wizard/get-started")
def get_started_page(request: Request, context: Context, visitor: CurrentVisitor) -> Response:
    connection = current_connection(context, visitor.company_id)
    packages = [(name, get_package(name).label) for name in package_names()]
    return page(
        request,
        context,
        visitor,
        "wizard/get_started.html",
        {"connection": connection, "packages": packages, "error": "", "today": date.today()},
        step="get_started",
        gate=connection is not None,  # connecting comes first on every path, even before importing
    )


@router.post("/wizard/get-started")
def save_get_started(
    request: Request,
    context: Context,
    visitor: CurrentVisitor,
    cut_off_date: Annotated[str, Form()] = "",
    send_mode: Annotated[str, Form()] = "manual",
    send_interval_minutes: Annotated[str, Form()] = "",
) -> Response:
    connection = current_connection(context, visitor.company_id)
    if connection is None:
        return redirect("/wizard/get-started", flash="Connect to a package first.", request=request)
    error = ""
    try:
        cut_off = date.fromisoformat(cut_off_date.strip())
    except ValueError:
        error = f"The cut-off date {cut_off_date!r} is not a date like 2025-04-01."
    interval: int | None = None
    if not error and send_interval_minutes.strip():
        if not send_interval_minutes.strip().isdigit():
            error = "Send every: give a whole number of minutes."
        else:
            interval = int(send_interval_minutes)
    if not error and send_mode not in ("manual", "automatic"):
        error = "Choose manual or automatic sending."
    if not error:
        try:
            save_settings(
                context.connectors,
                visitor.company_id,
                connection.id,
                cut_off_date=cut_off,
                send_mode=send_mode,  # type: ignore[arg-type]
                send_interval_minutes=interval,
            )
        except ConfigurationError as refused:
            error = str(refused)
    if error:
        packages = [(name, get_package(name).label) for name in package_names()]
        return page(
            request,
            context,
            visitor,
            "wizard/get_started.html",
            {"connection": connection, "packages": packages, "error": error, "today": date.today()},
            step="get_started",
            status_code=422,
        )
    return redirect("/wizard")


# --- nominal accounts, VAT rates, payment methods ------------------------------------------------


def _choices(line: MappingLine, lists: PackageLists, kinds: dict[str, NominalKind]) -> list[tuple[str, str]]:
    banks = [(b.id, f"{b.code} {b.name}".strip()) for b in lists.bank_accounts if b.active]
    if line.kind == "payment_method" or (
        line.kind == "nominal" and kinds.get(line.jobs_code) is NominalKind.BANK
    ):
        return banks
    if line.kind == "nominal" or (line.kind == "opening" and line.jobs_code == OPENING_ACCOUNT):
        return [(a.id, f"{a.code} {a.name}".strip()) for a in lists.ledger_accounts if a.active]
    usage = "sales" if line.kind == "vat_sales" or line.jobs_code == OPENING_VAT["sales"] else "purchase"
    return [
        (t.id, f"{t.name} ({percent_text(t.percent)})")
        for t in lists.tax_rates
        if t.active and usage in t.usages
    ]


def _nominal_rows(context: WebContext, connection: Connection) -> list[dict[str, Any]]:
    nominals = Nominals(context.store, connection)
    lists, kinds = nominals.offer()
    return [_row(line, lists, kinds) for line in nominals.lines()]


def _row(
    line: MappingLine, lists: PackageLists, kinds: dict[str, NominalKind], error: str = ""
) -> dict[str, Any]:
    # only a sure suggestion is filled in; one to check waits for a click on it
    sure = line.suggestion is not None and line.band is Band.SURE
    chosen = line.mapped_to or (line.suggestion.package_id if line.suggestion and sure else "")
    creatable = line.kind == "nominal" and kinds.get(line.jobs_code) in (
        NominalKind.SALES,
        NominalKind.EXPENSE,
    )
    return {
        "creatable": creatable and not line.mapped_to,
        "line": line,
        "choices": _choices(line, lists, kinds),
        "chosen": chosen,
        "error": error,
        "group": {
            "nominal": "Nominal accounts",
            "vat_sales": "VAT on sales",
            "vat_purchase": "VAT on purchases",
            "payment_method": "Payment methods",
            "opening": "Open items at the cut-off",
        }[line.kind],
    }


@router.get("/wizard/nominals")
def nominals_page(request: Request, context: Context, visitor: CurrentVisitor) -> Response:
    connection = current_connection(context, visitor.company_id)
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    if connection is not None and connection.lists_read_at is not None:
        rows = _nominal_rows(context, connection)
        problems = [problem.message for problem in Nominals(context.store, connection).check().problems]
    consents = Nominals(context.store, connection).consents() if connection is not None else []
    return page(
        request,
        context,
        visitor,
        "wizard/nominals.html",
        {"connection": connection, "rows": rows, "problems": problems, "consents": consents},
        step="nominals",
    )


def _connected(context: WebContext, visitor: Visitor) -> Connection:
    connection = current_connection(context, visitor.company_id)
    if connection is None:
        raise ConfigurationError("connect to a package first")
    return connection


@router.post("/wizard/nominals/accept")
def accept_suggestions(request: Request, context: Context, visitor: CurrentVisitor) -> Response:
    nominals = Nominals(context.store, _connected(context, visitor))
    taken = nominals.accept_suggestions()
    left = sum(1 for line in nominals.lines() if not line.mapped_to and line.band is Band.CHECK)
    message = f"{taken} sure suggestions accepted."
    if left:
        message += f" {left} suggestions to check are left: look at each and take it, or choose another."
    return redirect("/wizard/nominals", flash=message, request=request)


@router.post("/wizard/nominals/create")
async def create_account(
    request: Request,
    context: Context,
    visitor: CurrentVisitor,
    jobs_code: Annotated[str, Form()] = "",
) -> Response:
    """Create the jobs-side account in the package (code, name, type, default tax rate) and map to it."""
    connection = _connected(context, visitor)
    connector = context.connectors.connector(connection)
    try:
        line = await Nominals(context.store, connection).create_account(connector, jobs_code)
    except (PackageError, MappingRefused) as error:
        return redirect("/wizard/nominals", flash=f"Not created: {error}", request=request)
    finally:
        await connector.aclose()
    return redirect(
        "/wizard/nominals",
        flash=f"Created {line.mapped_label} in the package; {line.jobs_name} now goes to it.",
        request=request,
    )


@router.post("/wizard/nominals/refresh")
async def refresh_lists(request: Request, context: Context, visitor: CurrentVisitor) -> Response:
    connection = _connected(context, visitor)
    connector = context.connectors.connector(connection)
    try:
        result = await Nominals(context.store, connection).read_lists(connector)
    except PackageError as error:
        return redirect(
            "/wizard/nominals", flash=f"Could not read the package's lists: {error}", request=request
        )
    finally:
        await connector.aclose()
    changes = "; ".join(result.changes) or "nothing changed"
    return redirect("/wizard/nominals", flash=f"Read the package's lists again: {changes}.", request=request)


@router.post("/wizard/nominals/map")
def map_one(
    request: Request,
    context: Context,
    visitor: CurrentVisitor,
    kind: Annotated[str, Form()] = "",
    jobs_code: Annotated[str, Form()] = "",
    package_ref: Annotated[str, Form()] = "",
) -> Response:
    connection = _connected(context, visitor)
    nominals = Nominals(context.store, connection)
    if kind not in ("nominal", "vat_sales", "vat_purchase", "payment_method", "opening"):
        return redirect("/wizard/nominals", flash="Choose what to map.", request=request)
    mapping_kind: MappingKind = kind  # type: ignore[assignment]
    error = ""
    try:
        line = nominals.map(mapping_kind, jobs_code, package_ref)
    except MappingRefused as refused:
        error = str(refused)
        found = next(
            (li for li in nominals.lines() if li.kind == mapping_kind and li.jobs_code == jobs_code), None
        )
        if found is None:
            return redirect("/wizard/nominals", flash=error, request=request)
        line = found
    if not request.headers.get("HX-Request"):
        message = f"Not saved: {error}" if error else f"{line.jobs_name} now goes to {line.mapped_label}."
        return redirect("/wizard/nominals", flash=message, request=request)
    lists, kinds = nominals.offer()
    row = _row(line, lists, kinds, error)
    if error:
        row["chosen"] = package_ref
    return render(request, context, "partials/nominal_row.html", {"row": row}, visitor=visitor)


# --- send ---------------------------------------------------------------------------------------


@router.get("/wizard/send")
def send_page(request: Request, context: Context, visitor: CurrentVisitor) -> Response:
    connection = current_connection(context, visitor.company_id)
    state = wizard_state(request, context, visitor.company_id)
    allowed, _ = state.can_enter("send")
    plan = dry_run(context.store, visitor.company_id) if connection is not None and allowed else None
    job = context.sends.get(visitor.company_id)
    counts = None
    if job is not None and not job.running and connection is not None:
        counts = status(context.store, visitor.company_id).counts
    return page(
        request,
        context,
        visitor,
        "wizard/send.html",
        {"connection": connection, "plan": plan, "job": job, "counts": counts, "shown_states": SHOWN_STATES},
        step="send",
    )


@router.post("/wizard/send")
async def start_send(request: Request, context: Context, visitor: CurrentVisitor) -> Response:
    try:
        context.sends.start(visitor.company_id)
    except LedgerlinkError as refused:
        return redirect("/wizard/send", flash=str(refused), request=request)
    return redirect("/wizard/send")


__all__ = ["OnboardingPath", "SendMode", "router"]
