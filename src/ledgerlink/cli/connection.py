"""`ledgerlink connect`, `disconnect`, `settings` and `onboarding`: getting started with a package."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Annotated, Any
from urllib.parse import parse_qs, urlparse

import httpx
import typer
from rich.table import Table
from rich.text import Text

from ledgerlink.cli.common import (
    CompanyOption,
    JsonFlag,
    cells,
    console,
    emit_json,
    fail,
    open_store,
    reports_errors,
    shown,
)
from ledgerlink.errors import ConfigurationError, RecordNotFound
from ledgerlink.packages.holdings import Business
from ledgerlink.packages.registry import get_package, package_names
from ledgerlink.services.access import company_named
from ledgerlink.services.demo.sandbox_session import sandbox_businesses, seed_business
from ledgerlink.services.demo.sandboxes import approve
from ledgerlink.services.onboarding.connect import (
    ConnectFlow,
    OnboardingPath,
    SendMode,
    disconnect,
    pick_business,
    save_settings,
    stored_connection,
)
from ledgerlink.services.onboarding.connect import current_connection as connection_in_use
from ledgerlink.services.onboarding.nominals import Nominals
from ledgerlink.services.onboarding.steps import onboarding_state
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.settings import load_settings
from ledgerlink.store import Company, Connection, Store

# where `connect --login` reads the password of a package with no sign-in page, for scripts
PASSWORD_VARIABLE = "LEDGERLINK_PACKAGE_PASSWORD"

SandboxFlag = Annotated[
    bool, typer.Option("--sandbox", help="Use the package's local sandbox, started if needed.")
]


def open_connectors() -> tuple[Store, ConnectorFactory]:
    store = open_store()
    return store, ConnectorFactory.from_settings(store, load_settings())


def company_of(store: Store, name: str) -> Company:
    return company_named(store, name)


def current_connection(store: Store, company: Company) -> Connection:
    connection = connection_in_use(store, company.id)
    if connection is None:
        raise RecordNotFound(
            f"{company.name} is not connected to a package: run `ledgerlink connect PACKAGE`"
        )
    return connection


@contextmanager
def callback_listener(redirect_uri: str) -> Iterator[dict[str, str]]:
    """A one-page local server at the redirect address, catching the package's reply to the sign-in."""
    parsed = urlparse(redirect_uri)
    caught: dict[str, str] = {}
    done = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            query = parse_qs(urlparse(self.path).query)
            if urlparse(self.path).path != parsed.path:
                self.send_response(404)
                self.end_headers()
                return
            caught.update({name: values[0] for name, values in query.items()})
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(b"<p>ledgerlink received the package's answer. You can close this window.</p>")
            done.set()

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = HTTPServer((parsed.hostname or "127.0.0.1", parsed.port or 80), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield caught
    finally:
        server.shutdown()
        server.server_close()


async def _connect(
    connectors: ConnectorFactory,
    company: Company,
    package: str,
    *,
    sandbox: bool,
    business: str,
    auto_approve: bool,
    timeout: float,
    quiet: bool,
    login: str = "",
) -> Connection:
    if sandbox and not await sandbox_businesses(connectors, package):
        await seed_business(connectors, package, f"{company.name} Books")
    flow = ConnectFlow(
        connectors, company.id, package, sandbox=sandbox, redirect_uri=connectors.settings.redirect_uri
    )
    if flow.signs_in_on_its_page():
        businesses = await _sign_in_on_the_page(
            flow, business=business, auto_approve=auto_approve, timeout=timeout, quiet=quiet
        )
    else:
        businesses = await flow.finish_with_login(*_login_and_password(package, login))
    if not business and len(businesses) > 1:
        for number, found in enumerate(businesses, start=1):
            console.print(f"  {number}. {shown(found.name)}")
        choice = typer.prompt("Which business", type=int, default=1)
        business = businesses[choice - 1].id
    connection = flow.choose(pick_business(businesses, business).id)
    connector = connectors.connector(connection)
    try:
        await Nominals(connectors.store, connection).read_lists(connector)
    finally:
        await connector.aclose()
    return stored_connection(connectors.store, company.id, connection.id)  # with the lists' reading time


def _login_and_password(package: str, login: str) -> tuple[str, str]:
    """The login given, and its password from the environment or asked for without echo (never an
    option: a command line is seen by everyone on the machine)."""
    label = get_package(package).label
    if not login:
        raise ConfigurationError(
            f"{label} has no sign-in page: give --login, with the password in {PASSWORD_VARIABLE} or typed "
            "when asked"
        )
    password = os.environ.get(PASSWORD_VARIABLE, "")
    if not password:
        password = typer.prompt(f"{label} password for {login}", hide_input=True, err=True)
    return login, password


async def _sign_in_on_the_page(
    flow: ConnectFlow, *, business: str, auto_approve: bool, timeout: float, quiet: bool
) -> list[Business]:
    """Off to the package's sign-in page, and the code its answer brings back to a local listener."""
    sandbox, package = flow.sandbox, flow.package
    url = flow.authorization_url()
    with callback_listener(flow.redirect_uri) as caught:
        if auto_approve:
            if not sandbox:
                raise ConfigurationError("--auto-approve plays the person at a sandbox's consent page only")
            async with httpx.AsyncClient(timeout=30.0) as client:
                callback = await approve(client, url, business=business)
                await client.get(callback)
        elif not quiet:
            console.print(
                f"Open this address to sign in to {shown(get_package(package).label)} and choose the business:"
            )
        typer.echo(url)
        waited = 0.0
        while "code" not in caught and "error" not in caught:
            await asyncio.sleep(0.1)
            waited += 0.1
            if waited > timeout:
                raise ConfigurationError(
                    f"no answer from the package within {timeout:.0f} s; run the command again"
                )
    return await flow.finish(
        code=caught.get("code", ""),
        state=caught.get("state", ""),
        error=caught.get("error", ""),
        callback=caught,
    )


@reports_errors
def connect(
    package: Annotated[str, typer.Argument(help=f"One of: {', '.join(package_names())}.")],
    company: CompanyOption = "demo",
    sandbox: SandboxFlag = False,
    business: Annotated[str, typer.Option(help="The business to connect, by name or id.")] = "",
    auto_approve: Annotated[
        bool, typer.Option("--auto-approve", help="On a sandbox: sign in and approve without a browser.")
    ] = False,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the sign-in.")] = 300.0,
    login: Annotated[
        str,
        typer.Option(
            help="For a package with no sign-in page of its own (a server the business runs): the user "
            f"to sign in as. The password is asked for, or read from {PASSWORD_VARIABLE}."
        ),
    ] = "",
    as_json: JsonFlag = False,
) -> None:
    """Connect the company to a package through its sign-in page (or, where it has none, with a login and
    password), and read its chart of accounts."""
    store, connectors = open_connectors()
    found = company_of(store, company)
    connection = asyncio.run(
        _connect(
            connectors,
            found,
            package.lower(),
            sandbox=sandbox,
            business=business,
            auto_approve=auto_approve,
            timeout=timeout,
            quiet=as_json,
            login=login,
        )
    )
    store.close()
    if as_json:
        emit_json(_connection_json(connection))
        return
    console.print(
        f"[green]✓[/] {shown(found.name)} is connected to {shown(connection.label)}; tokens are stored encrypted."
    )
    console.print(
        "Next: `ledgerlink settings --cut-off-date YYYY-MM-DD`, then `ledgerlink nominals suggest`."
    )


@reports_errors
def disconnect_command(company: CompanyOption = "demo") -> None:
    """Disconnect: tokens are forgotten; links, mappings and history are kept for a reconnect."""
    store, connectors = open_connectors()
    found = company_of(store, company)
    connection = current_connection(store, found)
    disconnect(connectors, found.id, connection.id)
    console.print(
        f"{shown(found.name)} is disconnected from {shown(connection.label)}. Links and history are kept."
    )


@reports_errors
def settings(
    company: CompanyOption = "demo",
    path: Annotated[
        OnboardingPath | None, typer.Option("--path", help="Where the company starts from.")
    ] = None,
    cut_off_date: Annotated[
        str | None, typer.Option(help="Financial records dated before it are never sent (YYYY-MM-DD).")
    ] = None,
    send_mode: Annotated[
        SendMode | None, typer.Option(help="manual, or automatic every --every minutes.")
    ] = None,
    every: Annotated[int | None, typer.Option(help="Minutes between automatic sends.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Show or change the connection's settings: onboarding path, cut-off date, send mode."""
    store, connectors = open_connectors()
    found = company_of(store, company)
    connection = current_connection(store, found)
    if any(value is not None for value in (path, cut_off_date, send_mode, every)):
        try:
            cut_off = date.fromisoformat(cut_off_date) if cut_off_date else None
        except ValueError:
            raise fail(f"--cut-off-date {cut_off_date!r} is not a date like 2025-04-01") from None
        connection = save_settings(
            connectors,
            found.id,
            connection.id,
            onboarding_path=path,
            cut_off_date=cut_off,
            send_mode=send_mode,
            send_interval_minutes=every,
        )
    if as_json:
        emit_json(_connection_json(connection))
        return
    table = Table(title=Text(f"{found.name}: {connection.label}"), show_header=False)
    for name, value in _connection_json(connection).items():
        table.add_row(*cells(name.replace("_", " "), value if value is not None else "-"))
    console.print(table)


@reports_errors
def onboarding(company: CompanyOption = "demo", as_json: JsonFlag = False) -> None:
    """Where the company stands on its onboarding path: each step, done or what is missing."""
    store = open_store()
    found = company_of(store, company)
    state = onboarding_state(store, found.id)
    if as_json:
        emit_json(
            {
                "path": state.path,
                "current": state.current.name if state.current else None,
                "steps": [
                    {"name": s.name, "title": s.title, "complete": s.complete, "missing": s.missing}
                    for s in state.steps
                ],
            }
        )
        return
    console.print(f"[bold]{shown(found.name)}[/]: the {state.path} path")
    for number, step in enumerate(state.steps, start=1):
        mark = "[green]✓[/]" if step.complete else ("[yellow]→[/]" if step is state.current else "[dim]·[/]")
        detail = "" if step.complete else f" [dim]({shown(step.missing)})[/]"
        console.print(f" {mark} {number}. {shown(step.title)}{detail}")


def _connection_json(connection: Connection) -> dict[str, Any]:
    return {
        "package": connection.package,
        "business": connection.business_name,
        "business_id": connection.business_id,
        "sandbox": connection.sandbox,
        "status": connection.status,
        "status_reason": connection.status_reason,
        "paused_until": connection.paused_until,
        "onboarding_path": connection.onboarding_path,
        "cut_off_date": connection.cut_off_date,
        "send_mode": connection.send_mode,
        "send_every_minutes": connection.send_interval_minutes,
        "last_sent_at": connection.last_sent_at,
        "lists_read_at": connection.lists_read_at,
    }


def register(app: typer.Typer) -> None:
    app.command(name="connect")(connect)
    app.command(name="disconnect")(disconnect_command)
    app.command(name="settings")(settings)
    app.command(name="onboarding")(onboarding)
