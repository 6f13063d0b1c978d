"""Connecting the package, for administrators only: off to the package's own sign-in page (OAuth2), back
with a code exchanged once and at once, the business chosen when several were granted; and disconnecting.
A package with no sign-in page of its own (a server the business runs) asks for its login and password
here instead, checked against the package at once and kept sealed like tokens.

The flow's state waits in the session between leaving for the package and coming back.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from ledgerlink.errors import ConfigurationError, LedgerlinkError, PackageError
from ledgerlink.packages.holdings import Business
from ledgerlink.packages.registry import get_package
from ledgerlink.services.demo.sandbox_session import sandbox_businesses, seed_business
from ledgerlink.services.onboarding.connect import ONBOARDING_PATHS, ConnectFlow, choose_path, disconnect
from ledgerlink.services.onboarding.nominals import Nominals
from ledgerlink.store import Connection
from ledgerlink.web.deps import (
    Administrator,
    Context,
    Visitor,
    WebContext,
    connection_name,
    current_connection,
    redirect,
)
from ledgerlink.web.security import check_csrf
from ledgerlink.web.wizard import page

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)


@router.post("/connect")
async def connect(
    request: Request,
    context: Context,
    visitor: Administrator,
    package: Annotated[str, Form()] = "",
    sandbox: Annotated[bool, Form()] = False,
) -> Response:
    try:
        entry = get_package(package)
        connectors = context.connectors
        if sandbox and not await sandbox_businesses(connectors, entry.name):
            await seed_business(connectors, entry.name, f"{visitor.company.name} Books")
        redirect_uri = str(request.url_for("connect_callback")) if sandbox else context.settings.redirect_uri
        flow = ConnectFlow(
            connectors, visitor.company_id, entry.name, sandbox=sandbox, redirect_uri=redirect_uri
        )
        if not flow.signs_in_on_its_page():
            request.session["sign_in"] = {"package": entry.name, "sandbox": sandbox}
            return redirect("/wizard/sign-in")
        address = flow.authorization_url()
    except (ConfigurationError, PackageError) as error:
        return redirect("/wizard/get-started", flash=f"Could not start connecting: {error}", request=request)
    request.session["connect"] = {
        "package": entry.name,
        "sandbox": sandbox,
        "state": flow.state,
        "redirect_uri": redirect_uri,
    }
    return RedirectResponse(address, status_code=303)


@router.get("/connect/callback", name="connect_callback")
async def connect_callback(
    request: Request,
    context: Context,
    visitor: Administrator,
    code: Annotated[str, Query()] = "",
    state: Annotated[str, Query()] = "",
    error: Annotated[str, Query()] = "",
    error_description: Annotated[str, Query()] = "",
) -> Response:
    pending = request.session.pop("connect", None)
    if not isinstance(pending, dict):
        return redirect(
            "/wizard/get-started",
            flash="That sign-in was not started here, or has already been used: connect again.",
            request=request,
        )
    flow = ConnectFlow(
        context.connectors,
        visitor.company_id,
        str(pending["package"]),
        sandbox=bool(pending["sandbox"]),
        redirect_uri=str(pending["redirect_uri"]),
        state=str(pending["state"]),
    )
    try:
        businesses = await flow.finish(
            code=code,
            state=state,
            error=f"{error} {error_description}".strip(),
            callback=dict(request.query_params),
        )
    except LedgerlinkError as problem:
        return redirect("/wizard/get-started", flash=f"Not connected: {problem}", request=request)
    return await _granted(request, context, visitor, flow, businesses)


def _pending_sign_in(request: Request) -> tuple[str, bool] | None:
    pending = request.session.get("sign_in")
    if not isinstance(pending, dict):
        return None
    return str(pending.get("package", "")), bool(pending.get("sandbox"))


@router.get("/wizard/sign-in")
def sign_in_page(request: Request, context: Context, visitor: Administrator) -> Response:
    pending = _pending_sign_in(request)
    if pending is None:
        return redirect("/wizard/get-started", flash="Choose the package to connect first.", request=request)
    label = get_package(pending[0]).label
    return page(request, context, visitor, "wizard/sign_in.html", {"label": label}, step="get_started")


@router.post("/wizard/sign-in")
async def sign_in_with_login(
    request: Request,
    context: Context,
    visitor: Administrator,
    login: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    pending = _pending_sign_in(request)
    if pending is None:
        return redirect("/wizard/get-started", flash="Choose the package to connect first.", request=request)
    package, sandbox = pending
    flow = ConnectFlow(
        context.connectors,
        visitor.company_id,
        package,
        sandbox=sandbox,
        redirect_uri=context.settings.redirect_uri,
    )
    try:
        businesses = await flow.finish_with_login(login.strip(), password)
    except LedgerlinkError as problem:  # asked again, with the package's reason
        return redirect("/wizard/sign-in", flash=f"Not connected: {problem}", request=request)
    request.session.pop("sign_in", None)
    return await _granted(request, context, visitor, flow, businesses)


async def _granted(
    request: Request, context: WebContext, visitor: Visitor, flow: ConnectFlow, businesses: list[Business]
) -> Response:
    """Signed in: the business chosen next where several were granted, else connected now."""
    try:
        if len(businesses) > 1:
            handle = secrets.token_urlsafe(16)
            context.flows[handle] = flow
            request.session["choose"] = handle
            return redirect("/wizard/business")
        connection = flow.choose()
        await _after_connect(request, context, visitor, connection)
    except LedgerlinkError as problem:
        return redirect("/wizard/get-started", flash=f"Not connected: {problem}", request=request)
    return redirect(
        "/wizard/get-started", flash=f"Connected to {connection_name(connection)}.", request=request
    )


@router.get("/wizard/business")
def business_page(request: Request, context: Context, visitor: Administrator) -> Response:
    flow = context.flows.get(str(request.session.get("choose", "")))
    if flow is None or flow.company_id != visitor.company_id:
        return redirect("/wizard/get-started", flash="Connect again to choose a business.", request=request)
    return page(
        request, context, visitor, "wizard/business.html", {"businesses": flow.businesses}, step="get_started"
    )


@router.post("/wizard/business")
async def choose_business(
    request: Request, context: Context, visitor: Administrator, business: Annotated[str, Form()] = ""
) -> Response:
    handle = str(request.session.pop("choose", ""))
    flow = context.flows.pop(handle, None)
    if flow is None or flow.company_id != visitor.company_id:
        return redirect("/wizard/get-started", flash="Connect again to choose a business.", request=request)
    try:
        connection = flow.choose(business)
        await _after_connect(request, context, visitor, connection)
    except LedgerlinkError as problem:
        return redirect("/wizard/get-started", flash=f"Not connected: {problem}", request=request)
    return redirect(
        "/wizard/get-started", flash=f"Connected to {connection_name(connection)}.", request=request
    )


@router.post("/disconnect")
def disconnect_package(request: Request, context: Context, visitor: Administrator) -> Response:
    """Forget the tokens; links, mappings and history stay, so reconnecting carries on."""
    connection = current_connection(context, visitor.company_id)
    if connection is None:
        return redirect("/wizard/get-started", flash="No package is connected.", request=request)
    disconnect(context.connectors, visitor.company_id, connection.id)
    return redirect(
        "/wizard/get-started",
        flash=f"Disconnected from {connection_name(connection)}; links and mappings are kept for a reconnect.",
        request=request,
    )


async def _after_connect(
    request: Request, context: WebContext, visitor: Visitor, connection: Connection
) -> None:
    """Keep the path chosen before connecting, and read the package's chart of accounts at once."""
    path = visitor.company.onboarding_path
    if path is not None and path in ONBOARDING_PATHS:
        choose_path(context.store, visitor.company_id, path)
    connector = context.connectors.connector(connection)
    try:
        await Nominals(context.store, connection).read_lists(connector)
    finally:
        await connector.aclose()
